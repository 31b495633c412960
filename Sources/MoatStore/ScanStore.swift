import Foundation
import MoatCore

/// Everything Moat remembers across restarts, behind one protocol: the verdict log, feedback,
/// engine state changes and the quarantine.
///
/// SQLite (embedded, the default) and PostgreSQL (several daemons sharing one state) implement it
/// with the same schema and pass the same tests. Calls are async and may be slow; the scan path
/// never awaits them directly (see `StoreWriter`).
public protocol ScanStore: Sendable {
    /// Creates or upgrades the schema; safe to call on every start.
    func migrate() async throws

    /// Appends scan records (one transaction for the batch).
    func record(_ scans: [ScanRecord]) async throws
    func scan(id: String) async throws -> ScanRecord?
    /// The most recent scan of a message with these bytes (SHA-256 hex), for feedback by file.
    func scan(contentHash: String) async throws -> ScanRecord?
    /// Most recent first; `tenant` non-nil: only scans with recipients of that tenant.
    func recentScans(limit: Int, tenant: String?) async throws -> [ScanRecord]
    /// The scans `query` selects, newest first, a page of `query.limit` from `query.offset`.
    func searchScans(_ query: ScanQuery) async throws -> [ScanRecord]
    /// Decisions per hour (UTC) and action since `since`; `tenant` non-nil: that tenant's mail only.
    func actionCounts(since: Date, tenant: String?) async throws -> [ActionCount]
    /// The finding codes most often seen in decisions since `since`, most frequent first.
    func findingCounts(since: Date, tenant: String?, limit: Int) async throws -> [FindingCount]
    /// Each engine's verdicts, failures and time per day since `since` (UTC days), oldest first.
    func engineDays(since: Date) async throws -> [EngineDay]

    /// Stores feedback; a later feedback for the same scan id replaces the earlier one.
    func recordFeedback(_ feedback: Feedback) async throws
    /// Feedback joined with the scans it labels, newest first, at most `limit`, not older than `since`.
    func labelledScans(since: Date?, limit: Int) async throws -> [(ScanRecord, Feedback)]

    func recordStateChange(_ change: StateChange) async throws
    /// Newest first; `engine` nil for all engines.
    /// Newest first; `actor` narrows to one actor ("policy" finds when a removal policy last acted,
    /// however many manual changes came after).
    func stateChanges(engine: String?, actor: String?, limit: Int) async throws -> [StateChange]

    func quarantine(_ entry: QuarantineEntry) async throws
    /// One entry with its raw bytes.
    func quarantined(scanID: String) async throws -> QuarantineEntry?
    func markReleased(scanID: String, at: Date) async throws -> Bool
    func deleteQuarantined(scanID: String) async throws -> Bool
    /// Records who released or deleted a quarantined message (kept after the entry is gone).
    func recordQuarantineAction(_ action: QuarantineAction) async throws
    /// Newest first; `scanID` nil for every message.
    func quarantineActions(scanID: String?, limit: Int) async throws -> [QuarantineAction]

    /// Every tenant, by id.
    func tenants() async throws -> [Tenant]
    /// Creates or replaces a tenant (by id) and records `change` in the same transaction.
    func saveTenant(_ tenant: Tenant, change: TenantChange) async throws
    /// Removes a tenant (its past scans keep its id) and records `change`; false if there was none.
    func deleteTenant(id: String, change: TenantChange) async throws -> Bool
    /// Newest first; `tenant` nil for all tenants.
    func tenantChanges(tenant: String?, limit: Int) async throws -> [TenantChange]
    /// Quarantined messages of one tenant (nil: all), newest first, without the raw bytes.
    func quarantined(limit: Int, tenant: String?) async throws -> [QuarantineEntry]

    /// Every outbound sender's activity (counters and baseline), by sender.
    func outboundSenders() async throws -> [String: SenderActivity]
    /// Saves these senders' activity and forgets `forgetting` (evicted from memory).
    func saveOutboundSenders(_ senders: [String: SenderActivity], forgetting: [String]) async throws
    func recordOutboundAlert(_ alert: OutboundAlert) async throws
    /// Newest first; `sender` nil for every sender.
    func outboundAlerts(sender: String?, limit: Int) async throws -> [OutboundAlert]
    /// Creates or replaces a held message (by id).
    func saveHeldMessage(_ message: HeldMessage) async throws
    /// Held messages in the order they are due (`releaseAt`, then when held); `state` nil for all,
    /// `dueBy` nil whatever their release time.
    func heldMessages(state: HeldMessage.State?, dueBy: Date?, limit: Int) async throws -> [HeldMessage]
    func heldMessage(id: String) async throws -> HeldMessage?

    /// Deletes scans, feedback, state changes and quarantine entries of no tenant older than `date`
    /// (held messages of tenants follow their tenants' retention); returns rows removed.
    func prune(olderThan date: Date) async throws -> Int

    /// Closes connections; the store is unusable afterwards.
    func close() async throws
}

extension ScanStore {
    /// State changes by anyone, newest first.
    public func stateChanges(engine: String?, limit: Int) async throws -> [StateChange] {
        try await stateChanges(engine: engine, actor: nil, limit: limit)
    }

    public func recentScans(limit: Int) async throws -> [ScanRecord] {
        try await recentScans(limit: limit, tenant: nil)
    }

    public func quarantined(limit: Int) async throws -> [QuarantineEntry] {
        try await quarantined(limit: limit, tenant: nil)
    }
}
