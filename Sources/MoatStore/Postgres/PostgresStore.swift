import Foundation
import Logging
import MoatCore
import PostgresNIO
import Synchronization

/// `ScanStore` in PostgreSQL, for several daemons sharing one verdict log and quarantine.
///
/// Queries go through a postgres-nio `PostgresClient` connection pool. The client's `run()` is
/// driven by the store itself, in a detached task started by `init` and ended by `close()`: the
/// caller gets an `any ScanStore` from `StoreFactory` and has nothing to run. (Detached, so it does
/// not inherit a ServiceGroup's graceful-shutdown signal: the pool must outlive the `StoreWriter`'s
/// final flush. Call `close()` after that flush.)
///
/// Batches of scans go to the server as one JSON parameter expanded by `jsonb_to_recordset`, so a
/// batch costs three statements whatever its size.
public final class PostgresStore: ScanStore {
    /// Where the server is (`host:port/database`), for logs.
    public let location: String
    private let client: PostgresClient
    private let runTask: Task<Void, Never>
    private let keepQuarantinedRaw: Bool
    /// How quarantined messages are kept at rest (compressed, sealed, size-limited).
    private let quarantineCodec: QuarantineCodec
    private let logger: Logger
    private let isClosed = Atomic<Bool>(false)
    private let connectTimeout: Duration

    /// Connects to the server at `url` (see `StoreConfiguration` for the syntax); call `migrate()` before use.
    ///
    /// No connection is opened until the first query; a wrong address shows as a `StoreError` from `migrate()`.
    public convenience init(url: String, poolSize: Int = 10, keepQuarantinedRaw: Bool = true,
                            quarantineCodec: QuarantineCodec = QuarantineCodec(), logger: Logger = Logger(label: "moat.store")) throws {
        let settings = try PostgresConnectionSettings(url: url)
        self.init(configuration: settings.clientConfiguration(poolSize: poolSize), location: settings.location,
                  keepQuarantinedRaw: keepQuarantinedRaw, quarantineCodec: quarantineCodec, logger: logger)
    }

    /// Uses a client configured by the caller (TLS settings, pool options); `location` only names it in logs.
    public init(configuration: PostgresClient.Configuration, location: String, keepQuarantinedRaw: Bool = true,
                quarantineCodec: QuarantineCodec = QuarantineCodec(), logger: Logger = Logger(label: "moat.store")) {
        self.location = location
        self.connectTimeout = configuration.options.connectTimeout
        self.keepQuarantinedRaw = keepQuarantinedRaw
        self.quarantineCodec = quarantineCodec
        self.logger = logger
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        runTask = Task.detached { await client.run() }
    }

    deinit {
        runTask.cancel()
    }

    // MARK: Schema

    /// Fails with `StoreError.cannotOpen` when no connection succeeds within the connect timeout
    /// (10 s; the pool itself would keep retrying); the migrations themselves are not time-bounded.
    public func migrate() async throws {
        try checkOpen()
        try await checkReachable()
        try await migrateSchema()
    }

    private func checkReachable() async throws {
        let location = self.location
        let timeout = connectTimeout
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await self.client.query("SELECT 1", logger: self.logger)
                } catch let error as CancellationError {
                    throw error
                } catch {
                    throw StoreError.cannotOpen(backend: "postgres", location: location, reason: Self.reason(error))
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw StoreError.cannotOpen(backend: "postgres", location: location, reason: "no connection within \(timeout)")
            }
            defer { group.cancelAll() }
            try await group.next()
        }
    }

    private func migrateSchema() async throws {
        var version = "schema_migrations"
        do {
            try await client.withTransaction(logger: logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(PostgresSchema.migrationLockKey))", logger: self.logger)
                try await connection.query("""
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        version integer PRIMARY KEY,
                        name text NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT now()
                    )
                    """, logger: self.logger)
                var applied: Set<Int> = []
                for try await (number) in try await connection.query("SELECT version FROM schema_migrations",
                                                                     logger: self.logger).decode(Int.self) {
                    applied.insert(number)
                }
                for migration in PostgresSchema.migrations where !applied.contains(migration.version) {
                    version = "\(migration.version)-\(migration.name)"
                    for statement in migration.statements {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: self.logger)
                    }
                    try await connection.query("""
                        INSERT INTO schema_migrations (version, name) VALUES (\(migration.version), \(migration.name))
                        """, logger: self.logger)
                    self.logger.info("store schema migrated", metadata: [
                        "store.backend": "postgres", "store.location": "\(self.location)", "store.migration": "\(version)",
                    ])
                }
            }
        } catch {
            throw StoreError.migrationFailed(backend: "postgres", version: version, reason: Self.reason(error))
        }
    }

    // MARK: Scans

    private struct ScanRow: Encodable {
        var id: String
        var received_at: Double
        var content_hash: String
        var message_id: String?
        var queue_id: String?
        var mail_from: String?
        var recipients: [String]
        var action: String
        var score: Double
        var category: String?
        var isolation: String?
        var features: String?
        var tenants: [String]
        var subject: String?
        var detail: String?
    }

    private struct VerdictRow: Encodable {
        var scan_id: String
        var position: Int
        var engine: String
        var label: String
        var score: Double
        var state: String
        var elapsed_ms: Double
    }

    public func record(_ scans: [ScanRecord]) async throws {
        guard !scans.isEmpty else { return }
        let scans = StoredValues.lastRecordPerID(scans)
        let ids = scans.map(\.id)
        let scanJSON: String
        let verdictJSON: String
        do {
            let encoder = JSONEncoder()
            scanJSON = String(decoding: try encoder.encode(scans.map { scan in
                ScanRow(id: scan.id, received_at: scan.receivedAt.timeIntervalSince1970, content_hash: scan.contentHash,
                        message_id: scan.messageID, queue_id: scan.queueID, mail_from: scan.mailFrom,
                        recipients: scan.recipients, action: scan.action.rawValue, score: scan.score,
                        category: scan.category?.rawValue, isolation: scan.isolation,
                        features: ScanRecord.encodeFeatures(scan.features), tenants: scan.tenants,
                        subject: scan.subject, detail: scan.detail?.encoded())
            }), as: UTF8.self)
            verdictJSON = String(decoding: try encoder.encode(scans.flatMap { scan in
                scan.engines.enumerated().map { position, entry in
                    VerdictRow(scan_id: scan.id, position: position, engine: entry.engine, label: entry.label,
                               score: entry.score, state: entry.state.rawValue, elapsed_ms: entry.elapsedMilliseconds)
                }
            }), as: UTF8.self)
        } catch {
            throw StoreError.queryFailed(backend: "postgres", operation: "record", reason: "cannot encode the batch: \(error)")
        }
        try await transaction("record") { connection, logger in
            try await connection.query("""
                INSERT INTO scans (id, received_at, content_hash, message_id, queue_id, mail_from, recipients, action, score, category,
                    isolation, features, tenants, subject, detail)
                SELECT x.id, to_timestamp(x.received_at), x.content_hash, x.message_id, x.queue_id, x.mail_from,
                       ARRAY(SELECT jsonb_array_elements_text(x.recipients)), x.action, x.score, x.category, x.isolation, x.features,
                       ARRAY(SELECT jsonb_array_elements_text(x.tenants)), x.subject, x.detail
                FROM jsonb_to_recordset(\(scanJSON)::jsonb) AS x(id text, received_at double precision, content_hash text,
                    message_id text, queue_id text, mail_from text, recipients jsonb, action text, score double precision,
                    category text, isolation text, features text, tenants jsonb, subject text, detail text)
                ON CONFLICT (id) DO UPDATE SET received_at = EXCLUDED.received_at, content_hash = EXCLUDED.content_hash,
                    message_id = EXCLUDED.message_id, queue_id = EXCLUDED.queue_id, mail_from = EXCLUDED.mail_from,
                    recipients = EXCLUDED.recipients, action = EXCLUDED.action, score = EXCLUDED.score,
                    category = EXCLUDED.category, isolation = EXCLUDED.isolation, features = EXCLUDED.features,
                    tenants = EXCLUDED.tenants, subject = EXCLUDED.subject, detail = EXCLUDED.detail
                """, logger: logger)
            try await connection.query("DELETE FROM engine_verdicts WHERE scan_id = ANY(\(ids))", logger: logger)
            try await connection.query("""
                INSERT INTO engine_verdicts (scan_id, position, engine, label, score, state, elapsed_ms)
                SELECT x.scan_id, x.position, x.engine, x.label, x.score, x.state, x.elapsed_ms
                FROM jsonb_to_recordset(\(verdictJSON)::jsonb) AS x(scan_id text, position integer, engine text, label text,
                    score double precision, state text, elapsed_ms double precision)
                """, logger: logger)
        }
    }

    private static let scanColumns =
        "s.id, s.received_at, s.content_hash, s.message_id, s.queue_id, s.mail_from, s.recipients, s.action, s.score, s.category, s.isolation, s.features, s.tenants, s.subject"

    public func scan(id: String) async throws -> ScanRecord? {
        guard var record = try await fetchScans("scan(id:)", "SELECT \(unescaped: Self.scanColumns) FROM scans s WHERE s.id = \(id)").first else {
            return nil
        }
        record.detail = try await connection("scan(id:) detail") { connection, logger in
            for try await (detail) in try await connection.query("SELECT detail FROM scans WHERE id = \(id)", logger: logger).decode(String?.self) {
                return ScanDetail.decode(detail)
            }
            return nil
        }
        return record
    }

    public func searchScans(_ query: ScanQuery) async throws -> [ScanRecord] {
        var conditions: [String] = []
        var bindings = PostgresBindings()
        func placeholder() -> String { "$\(bindings.count)" }
        func add(_ condition: (String) -> String, _ value: String) {
            bindings.append(value)
            conditions.append(condition(placeholder()))
        }
        func add(_ condition: (String) -> String, _ value: Date) {
            bindings.append(value)
            conditions.append(condition(placeholder()))
        }
        func add(_ condition: (String) -> String, _ value: Double) {
            bindings.append(value)
            conditions.append(condition(placeholder()))
        }
        if let from = query.from { add({ "s.received_at >= \($0)" }, from) }
        if let to = query.to { add({ "s.received_at < \($0)" }, to) }
        if let sender = query.sender { add({ "s.mail_from ILIKE \($0)" }, ScanQuery.containsPattern(sender)) }
        if let recipient = query.recipient {
            add({ "EXISTS (SELECT 1 FROM unnest(s.recipients) AS r(value) WHERE r.value ILIKE \($0))" }, ScanQuery.containsPattern(recipient))
        }
        if let subject = query.subject { add({ "s.subject ILIKE \($0)" }, ScanQuery.containsPattern(subject)) }
        if let action = query.action { add({ "s.action = \($0)" }, action.rawValue) }
        if let category = query.category { add({ "s.category = \($0)" }, category.rawValue) }
        if let engine = query.engine {
            add({ """
                EXISTS (SELECT 1 FROM engine_verdicts v WHERE v.scan_id = s.id AND v.engine = \($0)
                        AND v.label NOT IN ('clean', 'error', 'timeout', 'not_ready'))
                """ }, engine)
        }
        if let minimum = query.minimumScore { add({ "s.score >= \($0)" }, minimum) }
        if let maximum = query.maximumScore { add({ "s.score <= \($0)" }, maximum) }
        if let identifier = query.identifier { add({ "(s.id = \($0) OR s.message_id = \($0) OR s.queue_id = \($0))" }, identifier) }
        if let tenant = query.tenant { add({ "\($0) = ANY(s.tenants)" }, tenant) }
        let clause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        let sql = "SELECT \(Self.scanColumns) FROM scans s \(clause) ORDER BY s.received_at DESC, s.id DESC LIMIT \(max(0, query.limit)) OFFSET \(max(0, query.offset))"
        return try await fetchScans("searchScans", PostgresQuery(unsafeSQL: sql, binds: bindings))
    }

    public func actionCounts(since: Date, tenant: String?) async throws -> [ActionCount] {
        try await connection("actionCounts") { connection, logger in
            var counts: [ActionCount] = []
            let rows = try await connection.query("""
                SELECT (floor(extract(epoch FROM received_at) / 3600) * 3600)::double precision AS hour, action, count(*)::bigint
                FROM scans WHERE received_at >= \(since) AND (\(tenant)::text IS NULL OR \(tenant)::text = ANY(tenants))
                GROUP BY 1, 2 ORDER BY 1, 2
                """, logger: logger)
            for try await (hour, action, count) in rows.decode((Double, String, Int64).self) {
                counts.append(ActionCount(hour: Date(timeIntervalSince1970: hour), action: try StoredValues.action(action, scan: "(hour \(hour))"),
                                          count: Int(clamping: count)))
            }
            return counts
        }
    }

    public func engineDays(since: Date) async throws -> [EngineDay] {
        try await connection("engineDays") { connection, logger in
            var days: [EngineDay] = []
            let rows = try await connection.query("""
                SELECT (floor(extract(epoch FROM s.received_at) / 86400) * 86400)::double precision AS day, v.engine, count(*)::bigint,
                    count(*) FILTER (WHERE v.label = 'error')::bigint, count(*) FILTER (WHERE v.label = 'timeout')::bigint,
                    avg(v.elapsed_ms)::double precision, max(v.elapsed_ms)::double precision
                FROM scans s JOIN engine_verdicts v ON v.scan_id = s.id
                WHERE s.received_at >= \(since) AND v.label <> 'not_ready'
                GROUP BY 1, 2 ORDER BY 1, 2
                """, logger: logger)
            for try await (day, engine, scans, errors, timeouts, mean, slowest) in rows.decode((Double, String, Int64, Int64, Int64, Double, Double).self) {
                days.append(EngineDay(engine: engine, day: Date(timeIntervalSince1970: day), scans: Int(clamping: scans), errors: Int(clamping: errors),
                                      timeouts: Int(clamping: timeouts), meanMilliseconds: mean, maxMilliseconds: slowest))
            }
            return days
        }
    }

    public func findingCounts(since: Date, tenant: String?, limit: Int) async throws -> [FindingCount] {
        try await connection("findingCounts") { connection, logger in
            var counts: [FindingCount] = []
            let rows = try await connection.query("""
                SELECT code, count(*)::bigint AS n FROM scans s, jsonb_array_elements_text(s.detail::jsonb -> 'codes') AS code
                WHERE s.detail IS NOT NULL AND s.received_at >= \(since) AND (\(tenant)::text IS NULL OR \(tenant)::text = ANY(s.tenants))
                GROUP BY code ORDER BY n DESC, code LIMIT \(max(0, limit))
                """, logger: logger)
            for try await (code, count) in rows.decode((String, Int64).self) {
                counts.append(FindingCount(code: code, count: Int(clamping: count)))
            }
            return counts
        }
    }

    public func scan(contentHash: String) async throws -> ScanRecord? {
        try await fetchScans("scan(contentHash:)", """
            SELECT \(unescaped: Self.scanColumns) FROM scans s WHERE s.content_hash = \(contentHash)
            ORDER BY s.received_at DESC, s.id DESC LIMIT 1
            """).first
    }

    public func recentScans(limit: Int, tenant: String?) async throws -> [ScanRecord] {
        guard let tenant else {
            return try await fetchScans("recentScans", """
                SELECT \(unescaped: Self.scanColumns) FROM scans s ORDER BY s.received_at DESC, s.id DESC LIMIT \(max(0, limit))
                """)
        }
        return try await fetchScans("recentScans", """
            SELECT \(unescaped: Self.scanColumns) FROM scans s WHERE \(tenant) = ANY(s.tenants)
            ORDER BY s.received_at DESC, s.id DESC LIMIT \(max(0, limit))
            """)
    }

    private func fetchScans(_ operation: String, _ query: PostgresQuery) async throws -> [ScanRecord] {
        try await connection(operation) { connection, logger in
            var scans: [ScanRecord] = []
            for try await row in try await connection.query(query, logger: logger) {
                scans.append(try Self.decodeScan(row))
            }
            try await Self.attachEngines(connection, logger: logger, to: &scans)
            return scans
        }
    }

    private static func decodeScan(_ row: PostgresRow) throws -> ScanRecord {
        let (id, receivedAt, contentHash, messageID, queueID, mailFrom, recipients, action, score, category, isolation, features, tenants, subject) = try row.decode(
            (String, Date, String, String?, String?, String?, [String], String, Double, String?, String?, String?, [String], String?).self)
        var record = ScanRecord(
            id: id, receivedAt: receivedAt, contentHash: contentHash, messageID: messageID, queueID: queueID,
            mailFrom: mailFrom, recipients: recipients, action: try StoredValues.action(action, scan: id), score: score,
            category: try StoredValues.category(category, scan: id), engines: [], isolation: isolation,
            features: ScanRecord.decodeFeatures(features)
        )
        record.tenants = tenants
        record.subject = subject
        return record
    }

    private static func attachEngines(_ connection: PostgresConnection, logger: Logger, to scans: inout [ScanRecord]) async throws {
        guard !scans.isEmpty else { return }
        let ids = scans.map(\.id)
        var engines: [String: [ScanRecord.EngineEntry]] = [:]
        let rows = try await connection.query("""
            SELECT scan_id, engine, label, score, state, elapsed_ms FROM engine_verdicts
            WHERE scan_id = ANY(\(ids)) ORDER BY scan_id, position
            """, logger: logger)
        for try await (scanID, engine, label, score, state, elapsed) in rows.decode((String, String, String, Double, String, Double).self) {
            engines[scanID, default: []].append(ScanRecord.EngineEntry(
                engine: engine, label: label, score: score,
                state: try StoredValues.engineState(state, table: "engine_verdicts", key: scanID),
                elapsedMilliseconds: elapsed
            ))
        }
        for index in scans.indices { scans[index].engines = engines[scans[index].id] ?? [] }
    }

    // MARK: Feedback

    public func recordFeedback(_ feedback: Feedback) async throws {
        try await execute("recordFeedback", """
            INSERT INTO feedback (scan_id, true_class, source, at)
            VALUES (\(feedback.scanID), \(feedback.trueClass.rawValue), \(feedback.source), \(feedback.at))
            ON CONFLICT (scan_id) DO UPDATE SET true_class = EXCLUDED.true_class, source = EXCLUDED.source, at = EXCLUDED.at
            """)
    }

    /// Ordered and filtered by the feedback's time (`Feedback.at`), newest first.
    public func labelledScans(since: Date?, limit: Int) async throws -> [(ScanRecord, Feedback)] {
        let columns = "\(Self.scanColumns.replacingOccurrences(of: ", s.subject", with: "")), f.true_class, f.source, f.at"
        let query: PostgresQuery = if let since {
            """
            SELECT \(unescaped: columns) FROM feedback f JOIN scans s ON s.id = f.scan_id
            WHERE f.at >= \(since) ORDER BY f.at DESC, f.scan_id DESC LIMIT \(max(0, limit))
            """
        } else {
            """
            SELECT \(unescaped: columns) FROM feedback f JOIN scans s ON s.id = f.scan_id
            ORDER BY f.at DESC, f.scan_id DESC LIMIT \(max(0, limit))
            """
        }
        let pairs = try await connection("labelledScans") { connection, logger in
            var scans: [ScanRecord] = []
            var feedback: [Feedback] = []
            for try await row in try await connection.query(query, logger: logger) {
                let (id, receivedAt, contentHash, messageID, queueID, mailFrom, recipients, action, score, category,
                     isolation, features, tenants, trueClass, source, at) = try row.decode(
                    (String, Date, String, String?, String?, String?, [String], String, Double, String?, String?, String?, [String], String, String, Date).self)
                var scan = ScanRecord(
                    id: id, receivedAt: receivedAt, contentHash: contentHash, messageID: messageID, queueID: queueID,
                    mailFrom: mailFrom, recipients: recipients, action: try StoredValues.action(action, scan: id), score: score,
                    category: try StoredValues.category(category, scan: id), engines: [], isolation: isolation,
                    features: ScanRecord.decodeFeatures(features)
                )
                scan.tenants = tenants
                scans.append(scan)
                feedback.append(Feedback(scanID: scan.id, trueClass: try StoredValues.trueClass(trueClass, scan: scan.id),
                                         source: source, at: at))
            }
            try await Self.attachEngines(connection, logger: logger, to: &scans)
            return Array(zip(scans, feedback))
        }
        return pairs
    }

    // MARK: Engine state changes

    public func recordStateChange(_ change: StateChange) async throws {
        try await execute("recordStateChange", """
            INSERT INTO state_changes (engine, from_state, to_state, actor, reason, at)
            VALUES (\(change.engine), \(change.from.rawValue), \(change.to.rawValue), \(change.actor), \(change.reason), \(change.at))
            """)
    }

    public func stateChanges(engine: String?, actor: String?, limit: Int) async throws -> [StateChange] {
        let query: PostgresQuery = """
            SELECT id, engine, from_state, to_state, actor, reason, at FROM state_changes
            WHERE (\(engine)::text IS NULL OR engine = \(engine)) AND (\(actor)::text IS NULL OR actor = \(actor))
            ORDER BY at DESC, id DESC LIMIT \(max(0, limit))
            """
        return try await connection("stateChanges") { connection, logger in
            var changes: [StateChange] = []
            let rows = try await connection.query(query, logger: logger)
            for try await (id, engine, from, to, actor, reason, at) in rows.decode(
                (Int64, String, String, String, String, String, Date).self) {
                changes.append(StateChange(
                    engine: engine,
                    from: try StoredValues.engineState(from, table: "state_changes", key: "\(id)", column: "from_state"),
                    to: try StoredValues.engineState(to, table: "state_changes", key: "\(id)", column: "to_state"),
                    actor: actor, reason: reason, at: at
                ))
            }
            return changes
        }
    }

    // MARK: Quarantine

    /// Stores (or replaces) the entry for `entry.scanID`; without the bytes when `keepQuarantinedRaw` is false.
    public func quarantine(_ entry: QuarantineEntry) async throws {
        let raw = try quarantineCodec.column(for: entry, keepRaw: keepQuarantinedRaw, logger: logger)
        try await execute("quarantine", """
            INSERT INTO quarantine (scan_id, at, reason, queue_id, mail_from, recipients, raw, released_at, tenants)
            VALUES (\(entry.scanID), \(entry.at), \(entry.reason), \(entry.queueID), \(entry.mailFrom), \(entry.recipients),
                    \(raw), \(entry.releasedAt), \(entry.tenants))
            ON CONFLICT (scan_id) DO UPDATE SET at = EXCLUDED.at, reason = EXCLUDED.reason, queue_id = EXCLUDED.queue_id,
                mail_from = EXCLUDED.mail_from, recipients = EXCLUDED.recipients, raw = EXCLUDED.raw,
                released_at = EXCLUDED.released_at, tenants = EXCLUDED.tenants
            """)
    }

    public func quarantined(limit: Int, tenant: String?) async throws -> [QuarantineEntry] {
        let query: PostgresQuery = if let tenant {
            """
            SELECT scan_id, at, reason, queue_id, mail_from, recipients, released_at, tenants FROM quarantine
            WHERE \(tenant) = ANY(tenants) ORDER BY at DESC, scan_id DESC LIMIT \(max(0, limit))
            """
        } else {
            """
            SELECT scan_id, at, reason, queue_id, mail_from, recipients, released_at, tenants FROM quarantine
            ORDER BY at DESC, scan_id DESC LIMIT \(max(0, limit))
            """
        }
        return try await connection("quarantined(limit:)") { connection, logger in
            var entries: [QuarantineEntry] = []
            let rows = try await connection.query(query, logger: logger)
            for try await (scanID, at, reason, queueID, mailFrom, recipients, releasedAt, tenants) in rows.decode(
                (String, Date, String, String?, String?, [String], Date?, [String]).self) {
                var entry = QuarantineEntry(scanID: scanID, at: at, reason: reason, queueID: queueID, mailFrom: mailFrom,
                                            recipients: recipients, raw: nil, releasedAt: releasedAt)
                entry.tenants = tenants
                entries.append(entry)
            }
            return entries
        }
    }

    public func quarantined(scanID: String) async throws -> QuarantineEntry? {
        try await connection("quarantined(scanID:)") { connection, logger in
            let rows = try await connection.query("""
                SELECT scan_id, at, reason, queue_id, mail_from, recipients, raw, released_at, tenants FROM quarantine
                WHERE scan_id = \(scanID)
                """, logger: logger)
            for try await (scanID, at, reason, queueID, mailFrom, recipients, raw, releasedAt, tenants) in rows.decode(
                (String, Date, String, String?, String?, [String], Data?, Date?, [String]).self) {
                var entry = QuarantineEntry(scanID: scanID, at: at, reason: reason, queueID: queueID, mailFrom: mailFrom,
                                            recipients: recipients, raw: self.quarantineCodec.message(from: raw, scanID: scanID, logger: logger),
                                            releasedAt: releasedAt)
                entry.tenants = tenants
                return entry
            }
            return nil
        }
    }

    // MARK: Tenants

    public func tenants() async throws -> [Tenant] {
        try await connection("tenants") { connection, logger in
            var tenants: [Tenant] = []
            let rows = try await connection.query(
                "SELECT id, name, domains, addresses, policy, updated_at, updated_by FROM tenants ORDER BY id", logger: logger)
            for try await (id, name, domains, addresses, policy, updatedAt, updatedBy) in rows.decode(
                (String, String, [String], [String], String, Date?, String?).self) {
                tenants.append(Tenant(id: id, name: name, domains: domains, addresses: addresses,
                                      policy: try StoredValues.tenantPolicy(policy, tenant: id), updatedAt: updatedAt, updatedBy: updatedBy))
            }
            return tenants
        }
    }

    public func saveTenant(_ tenant: Tenant, change: TenantChange) async throws {
        let policy = try StoredValues.encodeTenantPolicy(tenant.policy)
        try await transaction("saveTenant") { connection, logger in
            try await connection.query("""
                INSERT INTO tenants (id, name, domains, addresses, policy, updated_at, updated_by)
                VALUES (\(tenant.id), \(tenant.name), \(tenant.domains), \(tenant.addresses), \(policy), \(change.at), \(change.actor))
                ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, domains = EXCLUDED.domains, addresses = EXCLUDED.addresses,
                    policy = EXCLUDED.policy, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
                """, logger: logger)
            try await connection.query("""
                INSERT INTO tenant_changes (tenant, actor, change, at) VALUES (\(change.tenant), \(change.actor), \(change.change), \(change.at))
                """, logger: logger)
        }
    }

    public func deleteTenant(id: String, change: TenantChange) async throws -> Bool {
        try await transaction("deleteTenant") { connection, logger in
            var deleted = false
            for try await _ in try await connection.query("DELETE FROM tenants WHERE id = \(id) RETURNING 1", logger: logger) { deleted = true }
            guard deleted else { return false }
            try await connection.query("""
                INSERT INTO tenant_changes (tenant, actor, change, at) VALUES (\(change.tenant), \(change.actor), \(change.change), \(change.at))
                """, logger: logger)
            return true
        }
    }

    public func tenantChanges(tenant: String?, limit: Int) async throws -> [TenantChange] {
        let query: PostgresQuery = if let tenant {
            "SELECT tenant, actor, change, at FROM tenant_changes WHERE tenant = \(tenant) ORDER BY at DESC, id DESC LIMIT \(max(0, limit))"
        } else {
            "SELECT tenant, actor, change, at FROM tenant_changes ORDER BY at DESC, id DESC LIMIT \(max(0, limit))"
        }
        return try await connection("tenantChanges") { connection, logger in
            var changes: [TenantChange] = []
            for try await (tenant, actor, change, at) in try await connection.query(query, logger: logger).decode((String, String, String, Date).self) {
                changes.append(TenantChange(tenant: tenant, actor: actor, change: change, at: at))
            }
            return changes
        }
    }

    public func markReleased(scanID: String, at: Date) async throws -> Bool {
        try await execute("markReleased", "UPDATE quarantine SET released_at = \(at) WHERE scan_id = \(scanID) RETURNING 1") > 0
    }

    public func recordQuarantineAction(_ action: QuarantineAction) async throws {
        try await execute("recordQuarantineAction", """
            INSERT INTO quarantine_actions (scan_id, kind, actor, detail, at)
            VALUES (\(action.scanID), \(action.kind.rawValue), \(action.actor), \(action.detail), \(action.at))
            """)
    }

    public func quarantineActions(scanID: String?, limit: Int) async throws -> [QuarantineAction] {
        try await connection("quarantineActions") { connection, logger in
            var actions: [QuarantineAction] = []
            let rows = try await connection.query("""
                SELECT id, scan_id, kind, actor, detail, at FROM quarantine_actions
                WHERE \(scanID)::text IS NULL OR scan_id = \(scanID)::text ORDER BY at DESC, id DESC LIMIT \(max(0, limit))
                """, logger: logger)
            for try await (id, scan, kindText, actor, detail, at) in rows.decode((Int64, String, String, String, String, Date).self) {
                guard let kind = QuarantineAction.Kind(rawValue: kindText) else {
                    throw StoreError.corruptRow(table: "quarantine_actions", key: "\(id)", column: "kind", value: kindText)
                }
                actions.append(QuarantineAction(scanID: scan, kind: kind, actor: actor, detail: detail, at: at))
            }
            return actions
        }
    }

    public func deleteQuarantined(scanID: String) async throws -> Bool {
        try await execute("deleteQuarantined", "DELETE FROM quarantine WHERE scan_id = \(scanID) RETURNING 1") > 0
    }

    // MARK: Outbound

    public func outboundSenders() async throws -> [String: SenderActivity] {
        try await connection("outboundSenders") { connection, logger in
            var senders: [String: SenderActivity] = [:]
            for try await (sender, body) in try await connection.query("SELECT sender, body FROM outbound_senders", logger: logger)
                .decode((String, String).self) {
                senders[sender] = try StoredValues.decodeJSON(SenderActivity.self, body, table: "outbound_senders", key: sender)
            }
            return senders
        }
    }

    public func saveOutboundSenders(_ senders: [String: SenderActivity], forgetting: [String]) async throws {
        let bodies = try senders.map { ($0.key, try StoredValues.encodeJSON($0.value)) }
        let now = Date()
        try await transaction("saveOutboundSenders") { connection, logger in
            for (sender, body) in bodies {
                try await connection.query("""
                    INSERT INTO outbound_senders (sender, body, updated_at) VALUES (\(sender), \(body), \(now))
                    ON CONFLICT (sender) DO UPDATE SET body = EXCLUDED.body, updated_at = EXCLUDED.updated_at
                    """, logger: logger)
            }
            for sender in forgetting {
                try await connection.query("DELETE FROM outbound_senders WHERE sender = \(sender)", logger: logger)
            }
        }
    }

    public func recordOutboundAlert(_ alert: OutboundAlert) async throws {
        let body = try StoredValues.encodeJSON(alert)
        _ = try await execute("recordOutboundAlert",
                              "INSERT INTO outbound_alerts (sender, at, body) VALUES (\(alert.sender), \(alert.at), \(body)) RETURNING 1")
    }

    public func outboundAlerts(sender: String?, limit: Int) async throws -> [OutboundAlert] {
        let query: PostgresQuery = if let sender {
            "SELECT id, body FROM outbound_alerts WHERE sender = \(sender) ORDER BY at DESC, id DESC LIMIT \(max(0, limit))"
        } else {
            "SELECT id, body FROM outbound_alerts ORDER BY at DESC, id DESC LIMIT \(max(0, limit))"
        }
        return try await connection("outboundAlerts") { connection, logger in
            var alerts: [OutboundAlert] = []
            for try await (id, body) in try await connection.query(query, logger: logger).decode((Int64, String).self) {
                alerts.append(try StoredValues.decodeJSON(OutboundAlert.self, body, table: "outbound_alerts", key: "\(id)"))
            }
            return alerts
        }
    }

    public func saveHeldMessage(_ message: HeldMessage) async throws {
        let body = try StoredValues.encodeJSON(message)
        _ = try await execute("saveHeldMessage", """
            INSERT INTO held_messages (id, state, release_at, held_at, body)
            VALUES (\(message.id), \(message.state.rawValue), \(message.releaseAt), \(message.heldAt), \(body))
            ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, release_at = EXCLUDED.release_at, body = EXCLUDED.body
            RETURNING 1
            """)
    }

    public func heldMessages(state: HeldMessage.State?, dueBy: Date?, limit: Int) async throws -> [HeldMessage] {
        // Nil bounds match everything, so one statement serves every combination.
        let query: PostgresQuery = """
            SELECT id, body FROM held_messages
            WHERE (\(state?.rawValue)::text IS NULL OR state = \(state?.rawValue))
              AND (\(dueBy)::timestamptz IS NULL OR release_at <= \(dueBy))
            ORDER BY release_at, held_at, id LIMIT \(max(0, limit))
            """
        return try await connection("heldMessages") { connection, logger in
            var messages: [HeldMessage] = []
            for try await (id, body) in try await connection.query(query, logger: logger).decode((String, String).self) {
                messages.append(try StoredValues.decodeJSON(HeldMessage.self, body, table: "held_messages", key: id))
            }
            return messages
        }
    }

    public func heldMessage(id: String) async throws -> HeldMessage? {
        try await connection("heldMessage") { connection, logger in
            for try await body in try await connection.query("SELECT body FROM held_messages WHERE id = \(id)", logger: logger).decode(String.self) {
                return try StoredValues.decodeJSON(HeldMessage.self, body, table: "held_messages", key: id)
            }
            return nil
        }
    }

    // MARK: Maintenance

    /// Counts rows of scans, feedback, state changes, quarantine and its actions; engine verdicts go with their scans uncounted.
    public func prune(olderThan date: Date) async throws -> Int {
        try await transaction("prune") { connection, logger in
            var removed = 0
            let statements: [PostgresQuery] = [
                "WITH d AS (DELETE FROM scans WHERE received_at < \(date) RETURNING 1) SELECT count(*) FROM d",
                "WITH d AS (DELETE FROM feedback WHERE at < \(date) RETURNING 1) SELECT count(*) FROM d",
                "WITH d AS (DELETE FROM state_changes WHERE at < \(date) RETURNING 1) SELECT count(*) FROM d",
                "WITH d AS (DELETE FROM quarantine_actions WHERE at < \(date) RETURNING 1) SELECT count(*) FROM d",
                // Messages held for tenants follow their tenants' retention (TenantRetention).
                "WITH d AS (DELETE FROM quarantine WHERE at < \(date) AND cardinality(tenants) = 0 RETURNING 1) SELECT count(*) FROM d",
            ]
            for statement in statements {
                for try await count in try await connection.query(statement, logger: logger).decode(Int.self) {
                    removed += count
                }
            }
            return removed
        }
    }

    /// Ends the connection pool (the client's `run()` task) and waits for it.
    public func close() async throws {
        guard !isClosed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        runTask.cancel()
        await runTask.value
    }

    // MARK: Access

    private func checkOpen() throws {
        if isClosed.load(ordering: .acquiring) { throw StoreError.closed(backend: "postgres") }
    }

    /// Runs `body` on a leased connection, turning failures into `StoreError.queryFailed`.
    private func connection<T: Sendable>(
        _ operation: String, _ body: (PostgresConnection, Logger) async throws -> T
    ) async throws -> T {
        try checkOpen()
        do {
            return try await client.withConnection { connection in try await body(connection, self.logger) }
        } catch let error as StoreError {
            throw error
        } catch {
            throw Self.storeError(error, operation: operation)
        }
    }

    /// `unavailable` for a connection that failed or was lost (the statement may succeed later),
    /// `queryFailed` for the rest.
    static func storeError(_ error: any Error, operation: String) -> StoreError {
        var inner: any Error = error
        if let transaction = error as? PostgresTransactionError, let cause = transaction.closureError ?? transaction.beginError ?? transaction.commitError {
            inner = cause
        }
        if let psql = inner as? PSQLError {
            let state = psql.serverInfo?[.sqlState] ?? ""
            let lostConnection = [PSQLError.Code.connectionError, .serverClosedConnection, .clientClosedConnection, .poolClosed].contains(psql.code)
            // 08: connection exceptions; 57P01-57P03: the server is shutting down or not accepting connections yet.
            if lostConnection || state.hasPrefix("08") || ["57P01", "57P02", "57P03"].contains(state) {
                return .unavailable(backend: "postgres", operation: operation, reason: reason(error))
            }
        }
        return .queryFailed(backend: "postgres", operation: operation, reason: reason(error))
    }

    private func transaction<T: Sendable>(
        _ operation: String, _ body: (PostgresConnection, Logger) async throws -> T
    ) async throws -> T {
        try checkOpen()
        do {
            return try await client.withTransaction(logger: logger) { connection in try await body(connection, self.logger) }
        } catch let error as StoreError {
            throw error
        } catch {
            throw Self.storeError(error, operation: operation)
        }
    }

    /// Runs one statement; returns the number of rows it returned (use `RETURNING 1` to count changes).
    @discardableResult
    private func execute(_ operation: String, _ query: PostgresQuery) async throws -> Int {
        try await connection(operation) { connection, logger in
            var rows = 0
            for try await _ in try await connection.query(query, logger: logger) { rows += 1 }
            return rows
        }
    }

    /// The server's message or the client's error code; never the query's bound values.
    static func reason(_ error: any Error) -> String {
        if let transaction = error as? PostgresTransactionError {
            if let inner = transaction.closureError ?? transaction.beginError ?? transaction.commitError {
                return reason(inner)
            }
        }
        if let error = error as? StoreError { return error.description }
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                return "\(error.serverInfo?[.sqlState] ?? "server"): \(message)"
            }
            return "\(error.code)\(error.underlying.map { ": \($0)" } ?? "")"
        }
        return "\(error)"
    }
}

extension PostgresStore: StoreInspecting {
    func rowCounts() async throws -> [String: Int] {
        try await connection("rowCounts") { connection, logger in
            var counts: [String: Int] = [:]
            for table in ["scans", "engine_verdicts", "feedback", "state_changes", "quarantine"] {
                for try await count in try await connection.query("SELECT count(*) FROM \(unescaped: table)",
                                                                  logger: logger).decode(Int.self) {
                    counts[table] = count
                }
            }
            return counts
        }
    }

    func storedQuarantineBytes(scanID: String) async throws -> [UInt8]? {
        try await connection("storedQuarantineBytes") { connection, logger in
            for try await raw in try await connection.query("SELECT raw FROM quarantine WHERE scan_id = \(scanID)", logger: logger).decode(Data?.self) {
                return raw.map { [UInt8]($0) }
            }
            return nil
        }
    }
}

extension PostgresStore {
    /// A client configuration for `url` (the store's syntax), for the other users of the same
    /// database: the cluster's notifications and heartbeats.
    public static func clientConfiguration(url: String, poolSize: Int) throws -> PostgresClient.Configuration {
        try PostgresConnectionSettings(url: url).clientConfiguration(poolSize: poolSize)
    }
}
