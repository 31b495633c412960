import Foundation
import GRDB
import Logging
import MoatCore
import Synchronization

/// `ScanStore` in one SQLite file, through a GRDB `DatabasePool` in WAL mode: one writer and
/// concurrent readers, so the dashboard reading never waits for the verdict log writing.
///
/// GRDB runs every SQLite call on its own dispatch queues, never on Swift's cooperative pool. The
/// file and its directory are created on first use; the file is mode 0600 (SQLite gives the `-wal`
/// and `-shm` files the same mode). `synchronous = NORMAL`: a power cut may lose the last
/// transactions but never corrupts the file.
public final class SQLiteStore: ScanStore {
    /// The database file.
    public let path: String
    private let pool: DatabasePool
    private let keepQuarantinedRaw: Bool
    /// How quarantined messages are kept at rest (compressed, sealed, size-limited).
    private let quarantineCodec: QuarantineCodec
    private let logger: Logger
    private let isClosed = Atomic<Bool>(false)

    /// Opens (creating if needed) the database at `path`; call `migrate()` before use.
    ///
    /// - Parameters:
    ///   - keepQuarantinedRaw: false stores quarantine entries without their bytes.
    ///   - busyTimeout: how long a write waits for another process (the `moat` CLI, say) holding the lock.
    public init(path: String, keepQuarantinedRaw: Bool = true, quarantineCodec: QuarantineCodec = QuarantineCodec(),
                busyTimeout: TimeInterval = 5, logger: Logger = Logger(label: "moat.store")) throws {
        self.path = path
        self.keepQuarantinedRaw = keepQuarantinedRaw
        self.quarantineCodec = quarantineCodec
        self.logger = logger
        try Self.prepareFile(at: path)
        var configuration = Configuration()
        configuration.label = "moat.store"
        configuration.busyMode = .timeout(busyTimeout)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StoreError.cannotOpen(backend: "sqlite", location: path, reason: "\(error)")
        }
    }

    /// Creates the directory and an empty file with mode 0600 so the database is never world-readable.
    private static func prepareFile(at path: String) throws {
        let fileManager = FileManager.default
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            try fileManager.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                            attributes: [.posixPermissions: 0o750])
        } catch {
            throw StoreError.cannotOpen(backend: "sqlite", location: path,
                                        reason: "cannot create directory \(directory): \(error.localizedDescription)")
        }
        if !fileManager.fileExists(atPath: path) {
            guard fileManager.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw StoreError.cannotOpen(backend: "sqlite", location: path, reason: "cannot create the file")
            }
        }
    }

    public func migrate() async throws {
        try checkOpen()
        let migrator = SQLiteSchema.migrator
        do {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                migrator.asyncMigrate(pool) { result in
                    continuation.resume(with: result.map { _ in () })
                }
            }
        } catch {
            throw StoreError.migrationFailed(backend: "sqlite", version: "\(migrator.migrations.last ?? "?")",
                                             reason: "\(error)")
        }
        logger.debug("store migrated", metadata: ["store.backend": "sqlite", "store.path": "\(path)"])
    }

    // MARK: Scans

    public func record(_ scans: [ScanRecord]) async throws {
        guard !scans.isEmpty else { return }
        let scans = StoredValues.lastRecordPerID(scans)
        try await write("record") { db in
            let upsert = try db.cachedStatement(sql: """
                INSERT INTO scans (id, received_at, content_hash, message_id, queue_id, mail_from, recipients, action, score, category, isolation,
                    features, tenants, subject, detail)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET received_at = excluded.received_at, content_hash = excluded.content_hash,
                    message_id = excluded.message_id, queue_id = excluded.queue_id, mail_from = excluded.mail_from,
                    recipients = excluded.recipients, action = excluded.action, score = excluded.score,
                    category = excluded.category, isolation = excluded.isolation, features = excluded.features,
                    tenants = excluded.tenants, subject = excluded.subject, detail = excluded.detail
                """)
            let deleteVerdicts = try db.cachedStatement(sql: "DELETE FROM engine_verdicts WHERE scan_id = ?")
            let insertVerdict = try db.cachedStatement(sql: """
                INSERT INTO engine_verdicts (scan_id, position, engine, label, score, state, elapsed_ms)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            for scan in scans {
                try upsert.execute(arguments: [
                    scan.id, scan.receivedAt, scan.contentHash, scan.messageID, scan.queueID, scan.mailFrom,
                    JSONList.encode(scan.recipients), scan.action.rawValue, scan.score, scan.category?.rawValue,
                    scan.isolation, ScanRecord.encodeFeatures(scan.features), JSONList.encode(scan.tenants),
                    scan.subject, scan.detail?.encoded(),
                ])
                try deleteVerdicts.execute(arguments: [scan.id])
                for (position, entry) in scan.engines.enumerated() {
                    try insertVerdict.execute(arguments: [
                        scan.id, position, entry.engine, entry.label, entry.score, entry.state.rawValue,
                        entry.elapsedMilliseconds,
                    ])
                }
            }
        }
    }

    public func scan(id: String) async throws -> ScanRecord? {
        try await read("scan(id:)") { db in
            guard var record = try Self.fetchScans(db, where: "WHERE id = ?", arguments: [id]).first else { return nil }
            record.detail = ScanDetail.decode(try String.fetchOne(db, sql: "SELECT detail FROM scans WHERE id = ?", arguments: [id]))
            return record
        }
    }

    public func searchScans(_ query: ScanQuery) async throws -> [ScanRecord] {
        try await read("searchScans") { db in
            var conditions: [String] = []
            var arguments: [(any DatabaseValueConvertible)?] = []
            func add(_ condition: String, _ values: (any DatabaseValueConvertible)?...) {
                conditions.append(condition)
                arguments.append(contentsOf: values)
            }
            if let from = query.from { add("received_at >= ?", from) }
            if let to = query.to { add("received_at < ?", to) }
            if let sender = query.sender { add("mail_from LIKE ? ESCAPE '\\'", ScanQuery.containsPattern(sender)) }
            if let recipient = query.recipient {
                add("EXISTS (SELECT 1 FROM json_each(scans.recipients) WHERE value LIKE ? ESCAPE '\\')", ScanQuery.containsPattern(recipient))
            }
            if let subject = query.subject { add("subject LIKE ? ESCAPE '\\'", ScanQuery.containsPattern(subject)) }
            if let action = query.action { add("action = ?", action.rawValue) }
            if let category = query.category { add("category = ?", category.rawValue) }
            if let engine = query.engine {
                add("""
                    EXISTS (SELECT 1 FROM engine_verdicts v WHERE v.scan_id = scans.id AND v.engine = ?
                            AND v.label NOT IN ('clean', 'error', 'timeout', 'not_ready'))
                    """, engine)
            }
            if let minimum = query.minimumScore { add("score >= ?", minimum) }
            if let maximum = query.maximumScore { add("score <= ?", maximum) }
            if let identifier = query.identifier { add("(id = ? OR message_id = ? OR queue_id = ?)", identifier, identifier, identifier) }
            if let tenant = query.tenant { add("EXISTS (SELECT 1 FROM json_each(scans.tenants) WHERE value = ?)", tenant) }
            let clause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            arguments.append(max(0, query.limit))
            arguments.append(max(0, query.offset))
            return try Self.fetchScans(db, where: "\(clause) ORDER BY received_at DESC, id DESC LIMIT ? OFFSET ?",
                                       arguments: StatementArguments(arguments))
        }
    }

    public func actionCounts(since: Date, tenant: String?) async throws -> [ActionCount] {
        try await read("actionCounts") { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT CAST(strftime('%s', received_at) AS INTEGER) / 3600 * 3600 AS hour, action, count(*) AS n FROM scans
                WHERE received_at >= ?1 AND (?2 IS NULL OR EXISTS (SELECT 1 FROM json_each(scans.tenants) WHERE value = ?2))
                GROUP BY hour, action ORDER BY hour, action
                """, arguments: [since, tenant])
            return try rows.map { row in
                let hour: Int64 = row["hour"]
                return ActionCount(hour: Date(timeIntervalSince1970: TimeInterval(hour)),
                                   action: try StoredValues.action(row["action"], scan: "(hour \(hour))"), count: row["n"])
            }
        }
    }

    public func engineDays(since: Date) async throws -> [EngineDay] {
        try await read("engineDays") { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT CAST(strftime('%s', s.received_at) AS INTEGER) / 86400 * 86400 AS day, v.engine AS engine, count(*) AS n,
                    sum(v.label = 'error') AS errors, sum(v.label = 'timeout') AS timeouts, avg(v.elapsed_ms) AS mean, max(v.elapsed_ms) AS slowest
                FROM scans s JOIN engine_verdicts v ON v.scan_id = s.id
                WHERE s.received_at >= ?1 AND v.label <> 'not_ready'
                GROUP BY day, v.engine ORDER BY day, v.engine
                """, arguments: [since])
            return rows.map { row in
                let day: Int64 = row["day"]
                return EngineDay(engine: row["engine"], day: Date(timeIntervalSince1970: TimeInterval(day)), scans: row["n"], errors: row["errors"],
                                 timeouts: row["timeouts"], meanMilliseconds: row["mean"], maxMilliseconds: row["slowest"])
            }
        }
    }

    public func findingCounts(since: Date, tenant: String?, limit: Int) async throws -> [FindingCount] {
        try await read("findingCounts") { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT code.value AS code, count(*) AS n FROM scans, json_each(scans.detail, '$.codes') AS code
                WHERE scans.detail IS NOT NULL AND json_valid(scans.detail) AND received_at >= ?1
                    AND (?2 IS NULL OR EXISTS (SELECT 1 FROM json_each(scans.tenants) WHERE value = ?2))
                GROUP BY code.value ORDER BY n DESC, code.value LIMIT ?3
                """, arguments: [since, tenant, max(0, limit)])
            return rows.map { FindingCount(code: $0["code"], count: $0["n"]) }
        }
    }

    public func scan(contentHash: String) async throws -> ScanRecord? {
        try await read("scan(contentHash:)") { db in
            try Self.fetchScans(db, where: "WHERE content_hash = ? ORDER BY received_at DESC, id DESC LIMIT 1",
                                arguments: [contentHash]).first
        }
    }

    public func recentScans(limit: Int, tenant: String?) async throws -> [ScanRecord] {
        try await read("recentScans") { db in
            guard let tenant else {
                return try Self.fetchScans(db, where: "ORDER BY received_at DESC, id DESC LIMIT ?", arguments: [max(0, limit)])
            }
            return try Self.fetchScans(db, where: """
                WHERE EXISTS (SELECT 1 FROM json_each(scans.tenants) WHERE value = ?) ORDER BY received_at DESC, id DESC LIMIT ?
                """, arguments: [tenant, max(0, limit)])
        }
    }

    private static let scanColumns =
        "id, received_at, content_hash, message_id, queue_id, mail_from, recipients, action, score, category, isolation, features, tenants, subject"

    /// Scans selected by `clause` (after `FROM scans`) with their engine verdicts, in the clause's order.
    private static func fetchScans(_ db: Database, where clause: String, arguments: StatementArguments) throws -> [ScanRecord] {
        let rows = try Row.fetchAll(db, sql: "SELECT \(scanColumns) FROM scans \(clause)", arguments: arguments)
        var scans = try rows.map { try decodeScan($0) }
        try attachEngines(db, to: &scans)
        return scans
    }

    private static func decodeScan(_ row: Row, prefix: String = "") throws -> ScanRecord {
        let id: String = row["id"]
        var record = ScanRecord(
            id: id, receivedAt: row["received_at"], contentHash: row["content_hash"], messageID: row["message_id"],
            queueID: row["queue_id"], mailFrom: row["mail_from"],
            recipients: try JSONList.decode(row["recipients"], table: "scans", key: id),
            action: try StoredValues.action(row["action"], scan: id), score: row["score"],
            category: try StoredValues.category(row["category"], scan: id), engines: [], isolation: row["isolation"],
            features: ScanRecord.decodeFeatures(row["features"])
        )
        record.tenants = try JSONList.decode(row["tenants"] ?? "[]", table: "scans", key: id)
        record.subject = row["subject"]
        return record
    }

    private static func attachEngines(_ db: Database, to scans: inout [ScanRecord]) throws {
        guard !scans.isEmpty else { return }
        let ids = JSONList.encode(scans.map(\.id))
        let rows = try Row.fetchCursor(db, sql: """
            SELECT scan_id, engine, label, score, state, elapsed_ms FROM engine_verdicts
            WHERE scan_id IN (SELECT value FROM json_each(?)) ORDER BY scan_id, position
            """, arguments: [ids])
        var engines: [String: [ScanRecord.EngineEntry]] = [:]
        while let row = try rows.next() {
            let scanID: String = row["scan_id"]
            engines[scanID, default: []].append(ScanRecord.EngineEntry(
                engine: row["engine"], label: row["label"], score: row["score"],
                state: try StoredValues.engineState(row["state"], table: "engine_verdicts", key: scanID),
                elapsedMilliseconds: row["elapsed_ms"]
            ))
        }
        for index in scans.indices { scans[index].engines = engines[scans[index].id] ?? [] }
    }

    // MARK: Feedback

    public func recordFeedback(_ feedback: Feedback) async throws {
        try await write("recordFeedback") { db in
            try db.execute(sql: """
                INSERT INTO feedback (scan_id, true_class, source, at) VALUES (?, ?, ?, ?)
                ON CONFLICT(scan_id) DO UPDATE SET true_class = excluded.true_class, source = excluded.source, at = excluded.at
                """, arguments: [feedback.scanID, feedback.trueClass.rawValue, feedback.source, feedback.at])
        }
    }

    /// Ordered and filtered by the feedback's time (`Feedback.at`), newest first.
    public func labelledScans(since: Date?, limit: Int) async throws -> [(ScanRecord, Feedback)] {
        try await read("labelledScans") { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT s.id, s.received_at, s.content_hash, s.message_id, s.queue_id, s.mail_from, s.recipients,
                       s.action, s.score, s.category, s.isolation, s.features, s.tenants, s.subject, f.true_class, f.source, f.at AS feedback_at
                FROM feedback f JOIN scans s ON s.id = f.scan_id
                WHERE ?1 IS NULL OR f.at >= ?1
                ORDER BY f.at DESC, f.scan_id DESC LIMIT ?2
                """, arguments: [since, max(0, limit)])
            var scans = try rows.map { try Self.decodeScan($0) }
            try Self.attachEngines(db, to: &scans)
            return try zip(scans, rows).map { scan, row in
                (scan, Feedback(scanID: scan.id, trueClass: try StoredValues.trueClass(row["true_class"], scan: scan.id),
                                source: row["source"], at: row["feedback_at"]))
            }
        }
    }

    // MARK: Engine state changes

    public func recordStateChange(_ change: StateChange) async throws {
        try await write("recordStateChange") { db in
            try db.execute(sql: """
                INSERT INTO state_changes (engine, from_state, to_state, actor, reason, at) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [change.engine, change.from.rawValue, change.to.rawValue, change.actor, change.reason, change.at])
        }
    }

    public func stateChanges(engine: String?, actor: String?, limit: Int) async throws -> [StateChange] {
        try await read("stateChanges") { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, engine, from_state, to_state, actor, reason, at FROM state_changes
                WHERE (?1 IS NULL OR engine = ?1) AND (?3 IS NULL OR actor = ?3) ORDER BY at DESC, id DESC LIMIT ?2
                """, arguments: [engine, max(0, limit), actor])
            return try rows.map { row in
                let key = "\(row["id"] as Int64)"
                return StateChange(
                    engine: row["engine"],
                    from: try StoredValues.engineState(row["from_state"], table: "state_changes", key: key, column: "from_state"),
                    to: try StoredValues.engineState(row["to_state"], table: "state_changes", key: key, column: "to_state"),
                    actor: row["actor"], reason: row["reason"], at: row["at"]
                )
            }
        }
    }

    // MARK: Quarantine

    /// Stores (or replaces) the entry for `entry.scanID`; without the bytes when `keepQuarantinedRaw` is false.
    public func quarantine(_ entry: QuarantineEntry) async throws {
        let raw = try quarantineCodec.column(for: entry, keepRaw: keepQuarantinedRaw, logger: logger)
        try await write("quarantine") { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO quarantine (scan_id, at, reason, queue_id, mail_from, recipients, raw, released_at, tenants)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [entry.scanID, entry.at, entry.reason, entry.queueID, entry.mailFrom,
                                 JSONList.encode(entry.recipients), raw, entry.releasedAt, JSONList.encode(entry.tenants)])
        }
    }

    public func quarantined(limit: Int, tenant: String?) async throws -> [QuarantineEntry] {
        try await read("quarantined(limit:)") { db in
            if let tenant {
                return try Row.fetchAll(db, sql: """
                    SELECT scan_id, at, reason, queue_id, mail_from, recipients, released_at, tenants FROM quarantine
                    WHERE EXISTS (SELECT 1 FROM json_each(quarantine.tenants) WHERE value = ?)
                    ORDER BY at DESC, scan_id DESC LIMIT ?
                    """, arguments: [tenant, max(0, limit)]).map { try Self.decodeQuarantine($0, withRaw: false) }
            }
            return try Row.fetchAll(db, sql: """
                SELECT scan_id, at, reason, queue_id, mail_from, recipients, released_at, tenants FROM quarantine
                ORDER BY at DESC, scan_id DESC LIMIT ?
                """, arguments: [max(0, limit)]).map { try Self.decodeQuarantine($0, withRaw: false) }
        }
    }

    public func quarantined(scanID: String) async throws -> QuarantineEntry? {
        try await read("quarantined(scanID:)") { db in
            try Row.fetchOne(db, sql: """
                SELECT scan_id, at, reason, queue_id, mail_from, recipients, raw, released_at, tenants FROM quarantine WHERE scan_id = ?
                """, arguments: [scanID]).map { try Self.decodeQuarantine($0, withRaw: true) }
        }.map { entry in
            var entry = entry
            entry.raw = quarantineCodec.message(from: entry.raw.map { Data($0) }, scanID: entry.scanID, logger: logger)
            return entry
        }
    }

    private static func decodeQuarantine(_ row: Row, withRaw: Bool) throws -> QuarantineEntry {
        let scanID: String = row["scan_id"]
        let raw: Data? = withRaw ? row["raw"] : nil
        var entry = QuarantineEntry(
            scanID: scanID, at: row["at"], reason: row["reason"], queueID: row["queue_id"], mailFrom: row["mail_from"],
            recipients: try JSONList.decode(row["recipients"], table: "quarantine", key: scanID),
            raw: raw.map { [UInt8]($0) }, releasedAt: row["released_at"]
        )
        entry.tenants = try JSONList.decode(row["tenants"] ?? "[]", table: "quarantine", key: scanID)
        return entry
    }

    // MARK: Tenants

    public func tenants() async throws -> [Tenant] {
        try await read("tenants") { db in
            try Row.fetchAll(db, sql: "SELECT id, name, domains, addresses, policy, updated_at, updated_by FROM tenants ORDER BY id").map { row in
                let id: String = row["id"]
                return Tenant(id: id, name: row["name"], domains: try JSONList.decode(row["domains"], table: "tenants", key: id),
                              addresses: try JSONList.decode(row["addresses"], table: "tenants", key: id),
                              policy: try StoredValues.tenantPolicy(row["policy"], tenant: id), updatedAt: row["updated_at"], updatedBy: row["updated_by"])
            }
        }
    }

    public func saveTenant(_ tenant: Tenant, change: TenantChange) async throws {
        let policy = try StoredValues.encodeTenantPolicy(tenant.policy)
        try await write("saveTenant") { db in
            try db.execute(sql: """
                INSERT INTO tenants (id, name, domains, addresses, policy, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET name = excluded.name, domains = excluded.domains, addresses = excluded.addresses,
                    policy = excluded.policy, updated_at = excluded.updated_at, updated_by = excluded.updated_by
                """, arguments: [tenant.id, tenant.name, JSONList.encode(tenant.domains), JSONList.encode(tenant.addresses), policy,
                                 change.at, change.actor])
            try Self.insertTenantChange(db, change)
        }
    }

    public func deleteTenant(id: String, change: TenantChange) async throws -> Bool {
        try await write("deleteTenant") { db in
            try db.execute(sql: "DELETE FROM tenants WHERE id = ?", arguments: [id])
            guard db.changesCount > 0 else { return false }
            try Self.insertTenantChange(db, change)
            return true
        }
    }

    private static func insertTenantChange(_ db: Database, _ change: TenantChange) throws {
        try db.execute(sql: "INSERT INTO tenant_changes (tenant, actor, change, at) VALUES (?, ?, ?, ?)",
                       arguments: [change.tenant, change.actor, change.change, change.at])
    }

    public func tenantChanges(tenant: String?, limit: Int) async throws -> [TenantChange] {
        try await read("tenantChanges") { db in
            let rows = if let tenant {
                try Row.fetchAll(db, sql: "SELECT tenant, actor, change, at FROM tenant_changes WHERE tenant = ? ORDER BY at DESC, id DESC LIMIT ?",
                                 arguments: [tenant, max(0, limit)])
            } else {
                try Row.fetchAll(db, sql: "SELECT tenant, actor, change, at FROM tenant_changes ORDER BY at DESC, id DESC LIMIT ?",
                                 arguments: [max(0, limit)])
            }
            return rows.map { TenantChange(tenant: $0["tenant"], actor: $0["actor"], change: $0["change"], at: $0["at"]) }
        }
    }

    public func markReleased(scanID: String, at: Date) async throws -> Bool {
        try await write("markReleased") { db in
            try db.execute(sql: "UPDATE quarantine SET released_at = ? WHERE scan_id = ?", arguments: [at, scanID])
            return db.changesCount > 0
        }
    }

    public func recordQuarantineAction(_ action: QuarantineAction) async throws {
        try await write("recordQuarantineAction") { db in
            try db.execute(sql: "INSERT INTO quarantine_actions (scan_id, kind, actor, detail, at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [action.scanID, action.kind.rawValue, action.actor, action.detail, action.at])
        }
    }

    public func quarantineActions(scanID: String?, limit: Int) async throws -> [QuarantineAction] {
        try await read("quarantineActions") { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT id, scan_id, kind, actor, detail, at FROM quarantine_actions
                WHERE ?1 IS NULL OR scan_id = ?1 ORDER BY at DESC, id DESC LIMIT ?2
                """, arguments: [scanID, max(0, limit)])
            return try rows.map { row in
                let kindText: String = row["kind"]
                guard let kind = QuarantineAction.Kind(rawValue: kindText) else {
                    throw StoreError.corruptRow(table: "quarantine_actions", key: "\(row["id"] as Int64)", column: "kind", value: kindText)
                }
                return QuarantineAction(scanID: row["scan_id"], kind: kind, actor: row["actor"], detail: row["detail"], at: row["at"])
            }
        }
    }

    public func deleteQuarantined(scanID: String) async throws -> Bool {
        try await write("deleteQuarantined") { db in
            try db.execute(sql: "DELETE FROM quarantine WHERE scan_id = ?", arguments: [scanID])
            return db.changesCount > 0
        }
    }

    // MARK: Outbound

    public func outboundSenders() async throws -> [String: SenderActivity] {
        try await read("outboundSenders") { db in
            var senders: [String: SenderActivity] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT sender, body FROM outbound_senders") {
                let sender: String = row["sender"]
                senders[sender] = try StoredValues.decodeJSON(SenderActivity.self, row["body"], table: "outbound_senders", key: sender)
            }
            return senders
        }
    }

    public func saveOutboundSenders(_ senders: [String: SenderActivity], forgetting: [String]) async throws {
        let bodies = try senders.map { ($0.key, try StoredValues.encodeJSON($0.value)) }
        let now = Date()
        try await write("saveOutboundSenders") { db in
            for (sender, body) in bodies {
                try db.execute(sql: """
                    INSERT INTO outbound_senders (sender, body, updated_at) VALUES (?, ?, ?)
                    ON CONFLICT(sender) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at
                    """, arguments: [sender, body, now])
            }
            for sender in forgetting {
                try db.execute(sql: "DELETE FROM outbound_senders WHERE sender = ?", arguments: [sender])
            }
        }
    }

    public func recordOutboundAlert(_ alert: OutboundAlert) async throws {
        let body = try StoredValues.encodeJSON(alert)
        try await write("recordOutboundAlert") { db in
            try db.execute(sql: "INSERT INTO outbound_alerts (sender, at, body) VALUES (?, ?, ?)", arguments: [alert.sender, alert.at, body])
        }
    }

    public func outboundAlerts(sender: String?, limit: Int) async throws -> [OutboundAlert] {
        try await read("outboundAlerts") { db in
            let rows = if let sender {
                try Row.fetchAll(db, sql: "SELECT id, body FROM outbound_alerts WHERE sender = ? ORDER BY at DESC, id DESC LIMIT ?",
                                 arguments: [sender, max(0, limit)])
            } else {
                try Row.fetchAll(db, sql: "SELECT id, body FROM outbound_alerts ORDER BY at DESC, id DESC LIMIT ?", arguments: [max(0, limit)])
            }
            return try rows.map { row in
                let id: Int64 = row["id"]
                return try StoredValues.decodeJSON(OutboundAlert.self, row["body"], table: "outbound_alerts", key: "\(id)")
            }
        }
    }

    public func saveHeldMessage(_ message: HeldMessage) async throws {
        let body = try StoredValues.encodeJSON(message)
        try await write("saveHeldMessage") { db in
            try db.execute(sql: """
                INSERT INTO held_messages (id, state, release_at, held_at, body) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET state = excluded.state, release_at = excluded.release_at, body = excluded.body
                """, arguments: [message.id, message.state.rawValue, message.releaseAt, message.heldAt, body])
        }
    }

    public func heldMessages(state: HeldMessage.State?, dueBy: Date?, limit: Int) async throws -> [HeldMessage] {
        try await read("heldMessages") { db in
            var conditions: [String] = []
            var arguments: StatementArguments = []
            if let state {
                conditions.append("state = ?")
                _ = arguments.append(contentsOf: [state.rawValue])
            }
            if let dueBy {
                conditions.append("release_at <= ?")
                _ = arguments.append(contentsOf: [dueBy])
            }
            _ = arguments.append(contentsOf: [max(0, limit)])
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            let rows = try Row.fetchAll(db, sql: "SELECT id, body FROM held_messages \(filter) ORDER BY release_at, held_at, id LIMIT ?", arguments: arguments)
            return try rows.map { row in
                let id: String = row["id"]
                return try StoredValues.decodeJSON(HeldMessage.self, row["body"], table: "held_messages", key: id)
            }
        }
    }

    public func heldMessage(id: String) async throws -> HeldMessage? {
        try await read("heldMessage") { db in
            guard let body = try String.fetchOne(db, sql: "SELECT body FROM held_messages WHERE id = ?", arguments: [id]) else { return nil }
            return try StoredValues.decodeJSON(HeldMessage.self, body, table: "held_messages", key: id)
        }
    }

    // MARK: Maintenance

    /// Counts rows of scans, feedback, state changes, quarantine and its actions; engine verdicts go with their scans uncounted.
    public func prune(olderThan date: Date) async throws -> Int {
        try await write("prune") { db in
            var removed = 0
            for (table, column) in [("scans", "received_at"), ("feedback", "at"), ("state_changes", "at"), ("quarantine_actions", "at")] {
                try db.execute(sql: "DELETE FROM \(table) WHERE \(column) < ?", arguments: [date])
                removed += db.changesCount
            }
            // Messages held for tenants follow their tenants' retention (TenantRetention).
            try db.execute(sql: "DELETE FROM quarantine WHERE at < ? AND tenants = '[]'", arguments: [date])
            removed += db.changesCount
            return removed
        }
    }

    public func close() async throws {
        guard !isClosed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        do {
            try pool.close()
        } catch {
            throw StoreError.queryFailed(backend: "sqlite", operation: "close", reason: "\(error)")
        }
    }

    // MARK: Access

    private func checkOpen() throws {
        if isClosed.load(ordering: .acquiring) { throw StoreError.closed(backend: "sqlite") }
    }

    private func write<T: Sendable>(_ operation: String, _ updates: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try checkOpen()
        do {
            return try await pool.write(updates)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.queryFailed(backend: "sqlite", operation: operation, reason: "\(error)")
        }
    }

    private func read<T: Sendable>(_ operation: String, _ value: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try checkOpen()
        do {
            return try await pool.read(value)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError.queryFailed(backend: "sqlite", operation: operation, reason: "\(error)")
        }
    }
}

extension SQLiteStore: StoreInspecting {
    func rowCounts() async throws -> [String: Int] {
        try await read("rowCounts") { db in
            var counts: [String: Int] = [:]
            for table in ["scans", "engine_verdicts", "feedback", "state_changes", "quarantine"] {
                counts[table] = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? 0
            }
            return counts
        }
    }

    func storedQuarantineBytes(scanID: String) async throws -> [UInt8]? {
        try await read("storedQuarantineBytes") { db in
            (try Data.fetchOne(db, sql: "SELECT raw FROM quarantine WHERE scan_id = ?", arguments: [scanID])).map { [UInt8]($0) }
        }
    }
}

/// Recipient lists as JSON text (SQLite has no array type).
enum JSONList {
    /// A JSON array of strings, written by hand: `JSONEncoder` costs more than the insert itself.
    static func encode(_ values: [String]) -> String {
        var json = "["
        for (index, value) in values.enumerated() {
            if index > 0 { json += "," }
            json += "\""
            for scalar in value.unicodeScalars {
                switch scalar {
                case "\"": json += "\\\""
                case "\\": json += "\\\\"
                case "\n": json += "\\n"
                case "\r": json += "\\r"
                case "\t": json += "\\t"
                case _ where scalar.value < 0x20:
                    let hex = String(scalar.value, radix: 16)
                    json += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: json.unicodeScalars.append(scalar)
                }
            }
            json += "\""
        }
        return json + "]"
    }

    static func decode(_ text: String, table: String, key: String) throws -> [String] {
        do {
            return try JSONDecoder().decode([String].self, from: Data(text.utf8))
        } catch {
            throw StoreError.corruptRow(table: table, key: key, column: "recipients", value: text)
        }
    }
}
