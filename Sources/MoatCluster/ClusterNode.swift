import Foundation
import Logging
import Metrics
import MoatAdmin
import MoatCore
import MoatStore
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// One `moatd` of several sharing a PostgreSQL store: it registers itself, tells the others of the
/// state changes and feedback it records (`LISTEN`/`NOTIFY` on `moat_cluster`), applies theirs, and
/// reads recorded states and feedback back every `reconcile_seconds`, so a missed notification or
/// a restart converges. Exactly one node, the holder of a session advisory lock, evaluates removal
/// policies for the cluster; when it goes, the lock is freed and another node takes over.
///
/// No scan waits on any of this: the database is only reached from this service's own tasks.
///
/// Metrics: `moat_cluster_evaluator` (1 on the evaluator), `moat_cluster_database_reachable` (the
/// last heartbeat's outcome), `moat_cluster_messages_total{kind,direction}`,
/// `moat_cluster_reconciliations_total{result}`, `moat_cluster_applied_total{kind}` (changes the
/// reconciliation found that notifications had missed).
public final class ClusterNode: ClusterLink, Service, Sendable {
    public let settings: ClusterSettings
    public let nodeID: String
    let address: String
    let supervisor: EngineSupervisor
    let client: PostgresClient
    /// The client's connection pool runs from the start (a publish before the service runs, or after
    /// it stopped, must not wait for ever).
    private let clientTask: Task<Void, Never>
    let logger: Logger
    let startedAt = Date()
    private let evaluator = Atomic<Bool>(false)
    /// The server process of the listener connection: the holder of the evaluator lock, if any.
    private let listenerPID = Atomic<Int>(0)
    private let ledger = Mutex(FeedbackLedger())
    private let lastReconcile = Mutex<Date?>(nil)
    private let tenantManager = Mutex<TenantManager?>(nil)
    /// The shared Bayes counts (nil when `shared_learning` is off).
    let learning: SharedLearning?

    static let channel = "moat_cluster"
    /// The advisory lock whose holder evaluates removal policies ("MoatEval").
    static let evaluatorLock: Int64 = 0x4D6F_6174_4576_616C

    public init(settings: ClusterSettings, postgresURL: String, address: String, supervisor: EngineSupervisor, logger: Logger) throws {
        self.settings = settings
        self.address = address
        self.nodeID = settings.nodeID ?? "\(ProcessInfo.processInfo.hostName)-\(address)"
        self.supervisor = supervisor
        self.logger = logger
        let client = PostgresClient(configuration: try PostgresStore.clientConfiguration(url: postgresURL, poolSize: 3), backgroundLogger: logger)
        self.client = client
        learning = settings.sharedLearning ? SharedLearning(client: client, logger: logger) : nil
        clientTask = Task.detached { await client.run() }
    }

    deinit {
        clientTask.cancel()
    }

    public var isEvaluator: Bool { evaluator.load(ordering: .acquiring) }

    /// Runs until graceful shutdown: the listener (and the evaluator lock on its connection), the
    /// heartbeat, the reconciliation and the copying of shared learned counts.
    ///
    /// On shutdown the loops are cancelled and given `stopGrace` to end: with the database gone,
    /// PostgresNIO's listener can wait on its dead connection for ever (seen with PostgreSQL
    /// stopped), and a gateway must still stop when told to.
    public func run() async throws {
        let loops = Task {
            await withTaskGroup(of: Void.self) { loops in
                loops.addTask { await self.listenLoop() }
                loops.addTask { await self.heartbeatLoop() }
                loops.addTask { await self.reconcileLoop() }
                if let learning = self.learning {
                    loops.addTask { [supervisor = self.supervisor] in await learning.run { supervisor.learners } }
                    learning.requestSync()
                }
            }
        }
        await withTaskCancellationHandler {
            try? await gracefulShutdown()
        } onCancel: {
            loops.cancel()
        }
        loops.cancel()
        await Self.waitAtMost(Self.stopGrace) { await loops.value }
        await leave()
    }

    /// How long the loops have to end once cancelled, and the goodbye query to finish.
    static let stopGrace: Duration = .seconds(2)

    /// Keeps this node's tenants in step with the cluster's: its changes are announced, the
    /// others' are read back from the store.
    public func follow(_ tenants: TenantManager) {
        tenantManager.withLock { $0 = tenants }
        tenants.onChange { [weak self] in
            guard let self else { return }
            await self.publish(ClusterMessage(node: self.nodeID, kind: .tenants))
        }
    }

    // MARK: Publishing

    public func stateChanged(_ change: StateChange) async {
        await publish(ClusterMessage(node: nodeID, kind: .state, change: change))
    }

    public func feedbackRecorded(_ feedback: Feedback) async {
        _ = ledger.withLock { $0.insert(feedback) }
        await publish(ClusterMessage(node: nodeID, kind: .feedback, feedback: feedback))
    }

    public var sharesLearning: Bool { learning != nil }

    public func learn(_ lesson: TokenLesson, engine: String) async throws -> Bool {
        guard let learning else { return false }
        let changed = try await learning.learn(lesson, engine: engine)
        if changed {
            learning.requestSync()
            await publish(ClusterMessage(node: nodeID, kind: .learning))
        }
        return changed
    }

    private func publish(_ message: ClusterMessage) async {
        guard let payload = ClusterMessage.encode(message) else { return }
        do {
            try await client.query("SELECT pg_notify(\(Self.channel), \(payload))", logger: logger)
            Counter(label: "moat_cluster_messages_total", dimensions: [("kind", message.kind.rawValue), ("direction", "sent")]).increment()
        } catch {
            // The others read it back from the store at their next reconciliation.
            logger.warning("cannot notify the cluster", metadata: ["cluster.node": "\(nodeID)", "error.message": "\(String(reflecting: error))"])
        }
    }

    // MARK: Receiving

    func receive(_ payload: String) async {
        guard let message = ClusterMessage.decode(payload), message.node != nodeID else { return }
        Counter(label: "moat_cluster_messages_total", dimensions: [("kind", message.kind.rawValue), ("direction", "received")]).increment()
        switch message.kind {
        case .state:
            if let change = message.change { supervisor.applyRemote(change) }
        case .tenants:
            do {
                try await tenantManager.withLock { $0 }?.refresh()
            } catch {
                logger.warning("cannot read the tenants another node changed", metadata: ["error.message": "\(error)"])
            }
        case .learning:
            learning?.requestSync()
        case .feedback:
            guard let feedback = message.feedback, ledger.withLock({ $0.insert(feedback) }) else { return }
            do {
                try await supervisor.applyRemote(feedback)
            } catch {
                logger.warning("cannot count another node's feedback", metadata: ["scan.id": "\(feedback.scanID)", "error.message": "\(error)"])
            }
        }
    }

    /// Listens on its own connection, and tries for the evaluator lock on the same connection, so
    /// the lock goes the moment the connection does.
    private func listenLoop() async {
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: Self.channel) { notifications in
                        // A notification sent while this node was not listening is caught up now.
                        await self.reconcile()
                        try await withThrowingTaskGroup(of: Void.self) { group in
                            group.addTask {
                                for try await notification in notifications { await self.receive(notification.payload) }
                            }
                            group.addTask { try await self.holdEvaluatorLock(connection) }
                            try await group.next()
                            group.cancelAll()
                        }
                    }
                }
            } catch {
                if !Task.isCancelled {
                    logger.warning("cluster listener lost its connection; retrying", metadata: ["cluster.node": "\(nodeID)", "error.message": "\(String(reflecting: error))"])
                }
            }
            if evaluator.exchange(false, ordering: .acquiringAndReleasing) {
                logger.notice("no longer the cluster's policy evaluator", metadata: ["cluster.node": "\(nodeID)"])
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    private func holdEvaluatorLock(_ connection: PostgresConnection) async throws {
        defer {
            evaluator.store(false, ordering: .releasing)
            listenerPID.store(0, ordering: .releasing)
            Gauge(label: "moat_cluster_evaluator").record(0)
        }
        for try await pid in try await connection.query("SELECT pg_backend_pid()", logger: logger).decode(Int32.self) {
            listenerPID.store(Int(pid), ordering: .releasing)
        }
        while !Task.isCancelled {
            if isEvaluator {
                // A dead connection has lost the lock: find out within a heartbeat, not at the next notification.
                try await connection.query("SELECT 1", logger: logger)
            } else {
                var acquired = false
                for try await locked in try await connection.query("SELECT pg_try_advisory_lock(\(Self.evaluatorLock))", logger: logger).decode(Bool.self) {
                    acquired = locked
                }
                if acquired {
                    evaluator.store(true, ordering: .releasing)
                    Gauge(label: "moat_cluster_evaluator").record(1)
                    logger.notice("this node evaluates removal policies for the cluster", metadata: ["cluster.node": "\(nodeID)"])
                    // Feedback counted while another node evaluated may call for a change now.
                    await supervisor.enforcePolicies()
                }
            }
            do {
                try await Task.sleep(for: .milliseconds(settings.heartbeatMilliseconds))
            } catch {
                // Cancelled with the connection alive: give the lock back before the pool keeps the connection.
                if isEvaluator { _ = try? await connection.query("SELECT pg_advisory_unlock(\(Self.evaluatorLock))", logger: logger) }
                throw error
            }
        }
    }

    // MARK: Heartbeat and reconciliation

    private func heartbeatLoop() async {
        while !Task.isCancelled {
            do {
                try await heartbeat()
                Gauge(label: "moat_cluster_database_reachable").record(1)
            } catch {
                Gauge(label: "moat_cluster_database_reachable").record(0)
                if !Task.isCancelled {
                    logger.warning("cluster heartbeat failed", metadata: ["cluster.node": "\(nodeID)", "error.message": "\(String(reflecting: error))"])
                }
            }
            try? await Task.sleep(for: .milliseconds(settings.heartbeatMilliseconds))
        }
    }

    func heartbeat() async throws {
        var engines: [String: String] = [:]
        for registered in supervisor.registry.snapshot.engines { engines[registered.name] = registered.state.rawValue }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let enginesJSON = String(decoding: try encoder.encode(engines), as: UTF8.self)
        try await client.query("""
            INSERT INTO cluster_nodes (id, version, address, started_at, heartbeat_at, evaluator, listener_pid, engines)
            VALUES (\(nodeID), \(MoatVersion.current), \(address), \(startedAt), now(), \(isEvaluator), \(Int32(clamping: listenerPID.load(ordering: .acquiring))), \(enginesJSON))
            ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version, address = EXCLUDED.address, started_at = EXCLUDED.started_at,
                heartbeat_at = now(), evaluator = EXCLUDED.evaluator, listener_pid = EXCLUDED.listener_pid, engines = EXCLUDED.engines
            """, logger: logger)
    }

    private func reconcileLoop() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(settings.reconcileSeconds))
            await reconcile()
        }
    }

    /// Applies the newest recorded state of every engine, and counts recorded feedback this node
    /// has not seen (from the last reconciliation, with a margin for clocks and slow writes).
    func reconcile() async {
        let now = Date()
        do {
            let before = supervisor.registry.snapshot.engines.map(\.state)
            try await supervisor.applyRecordedStates()
            if supervisor.registry.snapshot.engines.map(\.state) != before {
                Counter(label: "moat_cluster_applied_total", dimensions: [("kind", "state")]).increment()
            }
            if try await tenantManager.withLock({ $0 })?.refresh() == true {
                Counter(label: "moat_cluster_applied_total", dimensions: [("kind", "tenants")]).increment()
            }
            let since = (lastReconcile.withLock { $0 } ?? startedAt).addingTimeInterval(-60)
            let labelled = try await supervisor.store.labelledScans(since: since, limit: 10_000)
            for (_, feedback) in labelled.reversed() where ledger.withLock({ $0.insert(feedback) }) {
                try await supervisor.applyRemote(feedback)
                Counter(label: "moat_cluster_applied_total", dimensions: [("kind", "feedback")]).increment()
            }
            lastReconcile.withLock { $0 = now }
            learning?.requestSync()
            Counter(label: "moat_cluster_reconciliations_total", dimensions: [("result", "ok")]).increment()
        } catch {
            Counter(label: "moat_cluster_reconciliations_total", dimensions: [("result", "failed")]).increment()
            if !Task.isCancelled {
                logger.warning("cluster reconciliation failed", metadata: ["cluster.node": "\(nodeID)", "error.message": "\(String(reflecting: error))"])
            }
        }
    }

    /// Marks feedback counted at start-up (`EngineSupervisor.restore`) as seen.
    public func noteRestored(_ feedback: [Feedback]) {
        ledger.withLock { ledger in
            for item in feedback { _ = ledger.insert(item) }
        }
    }

    private func leave() async {
        evaluator.store(false, ordering: .releasing)
        // With the database gone, the query would wait for a connection for as long as the pool
        // retries: a node that cannot say goodbye still stops (the others see its heartbeat age).
        await Self.waitAtMost(Self.stopGrace) { [client, nodeID, logger] in
            _ = try? await client.query("UPDATE cluster_nodes SET evaluator = false WHERE id = \(nodeID)", logger: logger)
        }
    }

    /// Waits until `body` returns or `limit` passes, whichever is first. `body` runs in a task of
    /// its own that is cancelled at the limit and then left to end when it can: a call that ignores
    /// cancellation cannot hold up the caller.
    static func waitAtMost(_ limit: Duration, _ body: @escaping @Sendable () async -> Void) async {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self)
        let work = Task {
            await body()
            continuation.finish()
        }
        let timer = Task {
            try? await Task.sleep(for: limit)
            work.cancel()
            continuation.finish()
        }
        for await _ in stream {}
        timer.cancel()
    }

    // MARK: Status

    public func status() async throws -> ClusterStatus {
        var nodes: [ClusterStatus.Node] = []
        // The evaluator is the node whose listener holds the lock now, as the server sees it (a
        // node's own flag can lag behind its death).
        let rows = try await client.query("""
            SELECT n.id, n.version, n.address, n.started_at, n.heartbeat_at,
                   EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.pid = n.listener_pid
                           AND l.objsubid = 1 AND ((l.classid::bigint << 32) | l.objid::bigint) = \(Self.evaluatorLock)),
                   n.engines, extract(epoch FROM now() - n.heartbeat_at)::double precision
            FROM cluster_nodes n ORDER BY n.id
            """, logger: logger)
        for try await (id, version, address, started, heartbeat, evaluator, enginesJSON, lag) in rows.decode(
            (String, String, String, Date, Date, Bool, String, Double).self) {
            let states = (try? JSONDecoder().decode([String: String].self, from: Data(enginesJSON.utf8))) ?? [:]
            nodes.append(ClusterStatus.Node(
                id: id, version: version, address: address, startedAt: started, heartbeatAt: heartbeat, lagSeconds: lag,
                lost: lag > Double(settings.lostAfterSeconds), evaluator: evaluator,
                engines: states.compactMapValues(EngineState.init(rawValue:))
            ))
        }
        return ClusterStatus(this: nodeID, nodes: nodes)
    }
}
