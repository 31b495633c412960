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
    /// Most recent first.
    func recentScans(limit: Int) async throws -> [ScanRecord]

    /// Stores feedback; a later feedback for the same scan id replaces the earlier one.
    func recordFeedback(_ feedback: Feedback) async throws
    /// Feedback joined with the scans it labels, newest first, at most `limit`, not older than `since`.
    func labelledScans(since: Date?, limit: Int) async throws -> [(ScanRecord, Feedback)]

    func recordStateChange(_ change: StateChange) async throws
    /// Newest first; `engine` nil for all engines.
    func stateChanges(engine: String?, limit: Int) async throws -> [StateChange]

    func quarantine(_ entry: QuarantineEntry) async throws
    /// Newest first, without the raw bytes.
    func quarantined(limit: Int) async throws -> [QuarantineEntry]
    /// One entry with its raw bytes.
    func quarantined(scanID: String) async throws -> QuarantineEntry?
    func markReleased(scanID: String, at: Date) async throws -> Bool
    func deleteQuarantined(scanID: String) async throws -> Bool

    /// Deletes scans, feedback, state changes and quarantine entries older than `date`; returns rows removed.
    func prune(olderThan date: Date) async throws -> Int

    /// Closes connections; the store is unusable afterwards.
    func close() async throws
}
