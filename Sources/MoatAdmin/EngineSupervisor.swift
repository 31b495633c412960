import Foundation
import Logging
import MoatCore
import MoatMessage
import MoatStore
import Synchronization

/// Keeps the engines honest: logs every decision, learns from feedback, and moves an engine out of
/// the vote when its manifest's removal policy says so — while scans run.
///
/// The scan path only hands decisions over (`scanned` returns at once); hashing, logging, statistics
/// and policy checks happen in `run()`, the supervisor's own task. Every state change, whoever
/// made it, is applied to the registry, recorded in the store with its reason, and survives reloads.
public final class EngineSupervisor: ScanObserver, Sendable {
    /// What feedback did.
    public struct FeedbackResult: Sendable, Codable {
        public var scanID: String
        public var trueClass: TrueClass
        /// Engines whose verdict this feedback scored.
        public var engines: [String]
        /// State changes the feedback triggered.
        public var stateChanges: [StateChange]
        /// Engines whose learned store (Bayes) learned the message: only feedback that carries the
        /// message itself, labelled ham, spam or phishing, teaches them.
        public var learned: [String] = []

        enum CodingKeys: String, CodingKey {
            case scanID = "scan_id"
            case trueClass = "true_class"
            case engines
            case stateChanges = "state_changes"
            case learned
        }
    }

    /// Errors callers can act on.
    public enum SupervisorError: Error, CustomStringConvertible {
        case unknownScan(String)
        case noMatchingScan

        public var description: String {
            switch self {
            case .unknownScan(let id): "no scan with id \(id) in the verdict log"
            case .noMatchingScan: "the message has no X-Moat-Id header and matches no logged scan by content"
            }
        }
    }

    private struct Handoff: Sendable {
        var input: ScanInput
        var decision: Decision
        var at: Date
    }

    public let registry: EngineRegistry
    public let tracker: PrecisionTracker
    /// The same figures per tenant (feedback on a tenant's mail counts for it and for the gateway).
    public let tenantTrackers: TenantTrackers
    public let store: any ScanStore
    public let writer: StoreWriter
    public let metrics: MoatMetrics
    public let keepQuarantinedRaw: Bool
    let logger: Logger
    private let stream: AsyncStream<Handoff>
    private let continuation: AsyncStream<Handoff>.Continuation
    /// Scan ids handed over but not yet logged, so feedback that arrives first can wait for them.
    private let pending = Mutex<Set<String>>([])
    private let clusterLink = Mutex<(any ClusterLink)?>(nil)

    /// Joins a cluster: state changes and feedback are published to the other nodes, and removal
    /// policies are evaluated only while this node is the cluster's evaluator.
    public func attach(_ link: any ClusterLink) {
        clusterLink.withLock { $0 = link }
    }

    var cluster: (any ClusterLink)? { clusterLink.withLock { $0 } }

    private let learnerTable = Mutex<Learners>(Learners())

    /// The engines' learned stores, by engine name, and the pool their writes run on.
    public struct Learners: Sendable {
        public var stores: [String: any TokenLearner] = [:]
        public var blocking: BlockingWorkPool?

        public init(stores: [String: any TokenLearner] = [:], blocking: BlockingWorkPool? = nil) {
            self.stores = stores
            self.blocking = blocking
        }

        /// Runs store work on the blocking pool (inline only where none was given: tests).
        public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
            if let blocking { return try await blocking.run(body) }
            return try body()
        }
    }

    /// Gives the supervisor the learned stores that feedback with a message trains (and that a
    /// cluster keeps in step).
    public func setLearners(_ learners: Learners) {
        learnerTable.withLock { $0 = learners }
    }

    public var learners: Learners { learnerTable.withLock { $0 } }

    /// Teaches every learned store the message: through the cluster's shared store when there is
    /// one, else locally. Returns the engines whose store changed.
    func learn(raw: [UInt8], truth: TrueClass) async throws -> [String] {
        let isSpam: Bool
        switch truth {
        case .ham: isSpam = false
        case .spam, .phishing: isSpam = true
        case .malware: return []
        }
        let learners = self.learners
        var learned: [String] = []
        for (engine, store) in learners.stores.sorted(by: { $0.key < $1.key }) {
            // Parsing and tokenising are CPU work: on the blocking pool, like the store's writes.
            let makeLesson: @Sendable () -> TokenLesson = { store.lesson(from: raw, isSpam: isSpam) }
            let lesson = try await learners.run(makeLesson)
            let changed: Bool
            if let cluster, cluster.sharesLearning {
                changed = try await cluster.learn(lesson, engine: engine)
            } else {
                let teach: @Sendable () throws -> Bool = { try store.learn(lesson) }
                changed = try await learners.run(teach)
            }
            if changed { learned.append(engine) }
        }
        if !learned.isEmpty {
            logger.info("feedback learned", metadata: ["engine.names": "\(learned.joined(separator: ","))", "feedback.class": "\(truth.rawValue)"])
        }
        return learned
    }

    /// True unless another node of the cluster evaluates removal policies.
    public var evaluatesPolicies: Bool { cluster?.isEvaluator ?? true }

    public init(registry: EngineRegistry, tracker: PrecisionTracker, store: any ScanStore, writer: StoreWriter,
                metrics: MoatMetrics, keepQuarantinedRaw: Bool, logger: Logger, queueLimit: Int = 10_000) {
        self.registry = registry
        self.tracker = tracker
        tenantTrackers = TenantTrackers(settings: tracker.settings)
        self.store = store
        self.writer = writer
        self.metrics = metrics
        self.keepQuarantinedRaw = keepQuarantinedRaw
        self.logger = logger
        (stream, continuation) = AsyncStream.makeStream(of: Handoff.self, bufferingPolicy: .bufferingNewest(queueLimit))
    }

    /// Hands a decision to the supervisor's task; never waits.
    public func scanned(_ input: ScanInput, decision: Decision) {
        pending.withLock { _ = $0.insert(decision.scanID) }
        switch continuation.yield(Handoff(input: input, decision: decision, at: Date())) {
        case .dropped(let dropped):
            pending.withLock { _ = $0.remove(dropped.decision.scanID) }
            metrics.supervisorDropped()
        case .terminated:
            pending.withLock { _ = $0.remove(decision.scanID) }
        case .enqueued:
            break
        @unknown default:
            break
        }
    }

    /// Waits (briefly) until a scan handed over has been logged.
    private func awaitLogged(_ id: String) async {
        await awaitLogged([id])
    }

    /// Waits (up to five seconds) until none of `ids` is still on its way to the store.
    private func awaitLogged(_ ids: Set<String>) async {
        for _ in 0..<500 where pending.withLock({ !$0.isDisjoint(with: ids) }) {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Processes decisions until cancelled or `finish()` is called.
    public func run() async {
        for await handoff in stream {
            await process(handoff)
        }
    }

    /// Ends `run()` after the decisions already handed over.
    public func finish() {
        continuation.finish()
    }

    /// Rebuilds statistics from the stored feedback and re-applies the state changes recorded before
    /// the last stop (a demoted engine stays demoted across restarts); returns the feedback counted.
    @discardableResult
    public func restore(window: Int) async throws -> [Feedback] {
        let labelled = try await store.labelledScans(since: Date().addingTimeInterval(-tracker.settings.maxAgeDays * 86_400), limit: window)
        for (record, feedback) in labelled.reversed() where feedback.isConfirmed {
            tracker.label(record, truth: feedback.trueClass, at: feedback.at)
            tenantTrackers.label(record, truth: feedback.trueClass, at: feedback.at)
        }
        try await applyRecordedStates()
        logger.info("precision statistics restored", metadata: ["feedback.samples": "\(labelled.count)"])
        return labelled.map(\.1)
    }

    /// Applies, for each registered engine, the newest recorded state change (after a reload too).
    public func applyRecordedStates() async throws {
        let changes = try await store.stateChanges(engine: nil, limit: 10_000)
        var latest: [String: StateChange] = [:]
        for change in changes where latest[change.engine] == nil { latest[change.engine] = change }
        for registered in registry.snapshot.engines {
            guard let change = latest[registered.name], change.to != registered.state else { continue }
            _ = try? registry.setState(registered.name, to: change.to, actor: "restore", reason: "recorded: \(change.actor): \(change.reason)")
        }
        refreshStateGauges()
    }

    /// An operator (or another caller) moves an engine; recorded with its reason.
    @discardableResult
    public func setState(engine: String, to state: EngineState, actor: String, reason: String) async throws -> StateChange {
        let change = try registry.setState(engine, to: state, actor: actor, reason: reason)
        if state == .active && change.from != .active {
            // Old misfires must not demote the engine again the moment it returns.
            tracker.reset(engine: engine)
            tenantTrackers.reset(engine: engine)
        }
        try await store.recordStateChange(change)
        logger.notice("engine state changed", metadata: [
            "engine.name": "\(engine)", "engine.from_state": "\(change.from.rawValue)", "engine.to_state": "\(state.rawValue)",
            "admin.actor": "\(actor)", "engine.reason": "\(reason)",
        ])
        refreshStateGauges()
        await cluster?.stateChanged(change)
        return change
    }

    /// A state change another node made and recorded: applied here, not recorded again.
    public func applyRemote(_ change: StateChange) {
        guard let registered = registry.snapshot.engines.first(where: { $0.name == change.engine }), registered.state != change.to else { return }
        guard (try? registry.setState(change.engine, to: change.to, actor: change.actor, reason: change.reason)) != nil else { return }
        if change.to == .active {
            tracker.reset(engine: change.engine)
            tenantTrackers.reset(engine: change.engine)
        }
        logger.notice("engine state changed by another node", metadata: [
            "engine.name": "\(change.engine)", "engine.to_state": "\(change.to.rawValue)", "admin.actor": "\(change.actor)", "engine.reason": "\(change.reason)",
        ])
        refreshStateGauges()
    }

    /// Feedback another node recorded: counted here too, and policies applied if this node evaluates them.
    @discardableResult
    public func applyRemote(_ feedback: Feedback) async throws -> [StateChange] {
        guard feedback.isConfirmed, let record = try await store.scan(id: feedback.scanID) else { return [] }
        tracker.label(record, truth: feedback.trueClass, at: feedback.at)
        tenantTrackers.label(record, truth: feedback.trueClass, at: feedback.at)
        return await enforcePolicies(for: record.engines.map(\.engine))
    }

    /// Feedback by scan id: scores every engine that saw the message and applies removal policies.
    public func feedback(scanID: String, truth: TrueClass, source: String) async throws -> FeedbackResult {
        // The record may still be on its way to the store.
        await awaitLogged(scanID)
        await writer.flush()
        guard let record = try await store.scan(id: scanID) else {
            throw SupervisorError.unknownScan(scanID)
        }
        let feedback = Feedback(scanID: scanID, trueClass: truth, source: source)
        try await store.recordFeedback(feedback)
        if feedback.isConfirmed {
            tracker.label(record, truth: truth)
            tenantTrackers.label(record, truth: truth)
        }
        metrics.feedback(truth)
        await cluster?.feedbackRecorded(feedback)
        let changes = await enforcePolicies(for: record.engines.map(\.engine))
        return FeedbackResult(scanID: scanID, trueClass: truth, engines: record.engines.filter { !$0.isFailure && !$0.wasNotReady }.map(\.engine), stateChanges: changes)
    }

    /// Feedback with the message itself: matched by its `X-Moat-Id` header, else by its SHA-256.
    public func feedback(raw: [UInt8], truth: TrueClass, source: String) async throws -> FeedbackResult {
        guard let record = try await scanRecord(raw: raw) else { throw SupervisorError.noMatchingScan }
        var result = try await feedback(scanID: record.id, truth: truth, source: source)
        result.learned = try await learn(raw: raw, truth: truth)
        return result
    }

    /// The logged scan a message names (its `X-Moat-Id`, newest first) or, failing that, the
    /// newest scan of the same bytes.
    public func scanRecord(raw: [UInt8]) async throws -> ScanRecord? {
        let message = Message(parsing: raw, limits: MessageLimits(maxParts: 1))
        for header in message.headers.all("X-Moat-Id").reversed() {
            let id = header.value.trimmingCharacters(in: .whitespaces)
            await awaitLogged(id)
            await writer.flush()
            if let record = try? await store.scan(id: id) { return record }
        }
        // A scan of these bytes may have been decided a moment ago and not be logged yet.
        await awaitLogged(pending.withLock { $0 })
        await writer.flush()
        return try await store.scan(contentHash: ContentHash.of(raw))
    }

    /// The logged scan with this id, once any write still queued for it is done.
    public func scanRecord(id: String) async throws -> ScanRecord? {
        await awaitLogged(id)
        await writer.flush()
        return try await store.scan(id: id)
    }

    /// Checks every engine's removal policy now; returns the changes made.
    @discardableResult
    public func enforcePolicies(for names: [String]? = nil) async -> [StateChange] {
        var changes: [StateChange] = []
        // In a cluster one node evaluates for all, so an engine is never demoted twice for one window.
        for registered in registry.snapshot.engines where registered.state == .active && evaluatesPolicies {
            guard names?.contains(registered.name) ?? true, let policy = registered.manifest.removal,
                  let (state, reason) = tracker.evaluate(engine: registered.name, policy: policy) else { continue }
            do {
                changes.append(try await setState(engine: registered.name, to: state, actor: "policy", reason: reason))
            } catch {
                logger.error("cannot apply removal policy", metadata: ["engine.name": "\(registered.name)", "error.message": "\(error)"])
            }
        }
        for statistics in tracker.allStatistics() {
            for (category, figures) in statistics.categories {
                if let precision = figures.precision { metrics.precision(engine: statistics.engine, category: category, value: precision) }
            }
        }
        return changes
    }

    private func process(_ handoff: Handoff) async {
        let record = ScanRecord(decision: handoff.decision, input: handoff.input,
                                contentHash: ContentHash.of(handoff.input.message.raw), receivedAt: handoff.at)
        tracker.observe(record)
        tenantTrackers.observe(record)
        writer.enqueue(record)
        pending.withLock { _ = $0.remove(record.id) }
        metrics.decided(handoff.decision)
        let kept = handoff.decision.replacements.filter(\.keepsOriginal)
        if handoff.decision.action == .quarantine || !kept.isEmpty {
            // A message delivered converted keeps its original here. Its entry has no MTA queue id,
            // because the MTA holds nothing: releasing it re-injects the original (`release_smtp`).
            let delivered = handoff.decision.action != .quarantine
            var entry = QuarantineEntry(
                scanID: record.id, at: handoff.at,
                reason: delivered ? "original kept: delivered with " + kept.map(\.reason).joined(separator: "; ")
                                  : handoff.decision.quarantineReason ?? "quarantined",
                queueID: delivered ? nil : record.queueID, mailFrom: record.mailFrom, recipients: record.recipients,
                raw: keepQuarantinedRaw ? handoff.input.message.raw : nil
            )
            entry.tenants = handoff.decision.keepingTenantIDs
            do {
                try await store.quarantine(entry)
            } catch {
                logger.error("cannot store quarantined message", metadata: ["moat.id": "\(record.id)", "error.message": "\(error)"])
            }
        }
        if record.engines.contains(where: \.isFailure) {
            await enforcePolicies(for: record.engines.filter(\.isFailure).map(\.engine))
        }
    }

    private func refreshStateGauges() {
        for registered in registry.snapshot.engines {
            metrics.engineState(registered.name, registered.state)
        }
    }
}
