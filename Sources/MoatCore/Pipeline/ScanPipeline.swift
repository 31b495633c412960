import Logging
import MoatMessage

/// Runs every running engine on a message at once and aggregates their verdicts into a `Decision`.
///
/// One child task per engine in a task group; each engine has its own deadline (from its manifest);
/// an engine that throws or overruns yields an `error` or `timeout` verdict and the others still
/// decide. The registry snapshot is read once per message.
public struct ScanPipeline: Sendable {
    public let registry: EngineRegistry
    public let blocking: BlockingWorkPool
    public let logger: Logger
    /// Measured precision per engine, for policies that weigh votes by it (nil: weights as configured).
    public let tracker: PrecisionTracker?
    /// Told of every decision (verdict log, metrics); empty for the CLI.
    public let observers = ScanObservers()
    /// May change a decision before the observers and the MTA see it (outbound protection).
    public let reviewers = DecisionReviewers()
    /// Runs the engines elsewhere (the daemon's worker processes); nil runs them in this process.
    public let executor: (any EngineExecutor)?

    public init(registry: EngineRegistry, blocking: BlockingWorkPool, logger: Logger = Logger(label: "moat.pipeline"),
                tracker: PrecisionTracker? = nil, executor: (any EngineExecutor)? = nil) {
        self.registry = registry
        self.blocking = blocking
        self.logger = logger
        self.tracker = tracker
        self.executor = executor
    }

    /// Scans and decides. Never throws: an internal failure becomes the policy's failsafe decision.
    public func scan(_ input: ScanInput) async -> Decision {
        let snapshot = registry.snapshot
        var execution: Execution
        if let executor {
            execution = await executor.execute(input, engines: snapshot.running)
        } else {
            // In this process: the message's engines share one lane (`MessageLanes`).
            execution = Execution(verdicts: await blocking.onLane { await verdicts(for: input, snapshot: snapshot) })
        }
        execution.verdicts = execution.verdicts.map { $0.withCheckedScores() }
        let aggregator = Aggregator(policy: snapshot.policy)
        if Task.isCancelled {
            return aggregator.failed(scanID: input.id, reason: "scan cancelled")
        }
        let messageFindings = input.message.findings.map {
            Finding(code: $0.code, detail: $0.detail, partPath: $0.partPath)
        } + execution.findings
        let tracker = self.tracker
        let minSamples = snapshot.policy.precisionMinSamples
        let precision: (String, VerdictCategory) -> Double? = { engine, category in
            tracker?.precision(engine: engine, category: category, minSamples: minSamples)
        }
        var decision: Decision
        let policy = snapshot.policy
        // Direction is decided (and said in X-Moat-Direction) once a policy distinguishes it, or
        // the client authenticated; otherwise mail is decided exactly as before.
        let directionAware = policy.inbound != nil || policy.outbound != nil || !policy.internalNetworks.text.isEmpty
            || input.envelope.authenticatedAs != nil
        let direction = directionAware ? policy.direction(of: input.envelope) : nil
        if snapshot.tenants.isEmpty && direction == nil {
            decision = aggregator.decide(scanID: input.id, verdicts: execution.verdicts, manifests: snapshot.manifests,
                                         messageFindings: messageFindings, precision: precision)
        } else {
            decision = TenantDecider(directory: snapshot.tenants).decideAll(
                scanID: input.id, verdicts: execution.verdicts, manifests: snapshot.manifests, messageFindings: messageFindings,
                sender: input.envelope.mailFrom, recipients: input.envelope.recipients, direction: direction, precision: precision)
        }
        if let imposed = execution.imposed {
            decision = aggregator.impose(imposed, on: decision)
        }
        decision = await reviewers.review(input, decision: decision)
        observers.notify(input, decision: decision)
        return decision
    }

    /// Every running engine's verdict, in registry order.
    public func verdicts(for input: ScanInput, snapshot: EngineSnapshot) async -> [EngineVerdict] {
        let engines = snapshot.running
        let context = ScanContext(blocking: blocking, logger: logger)
        return await withTaskGroup(of: (Int, EngineVerdict).self) { group in
            for (index, registered) in engines.enumerated() {
                group.addTask {
                    (index, await Self.run(registered, input: input, context: context))
                }
            }
            var verdicts = [EngineVerdict?](repeating: nil, count: engines.count)
            for await (index, verdict) in group {
                verdicts[index] = verdict
            }
            return verdicts.compactMap { $0 }
        }
    }

    /// One engine under its deadline; an error, overrun or cancellation becomes an explicit verdict.
    public static func run(_ registered: RegisteredEngine, input: ScanInput, context: ScanContext) async -> EngineVerdict {
        let clock = ContinuousClock()
        let start = clock.now
        let engine = registered.engine
        var engineContext = context
        engineContext.logger[metadataKey: "engine.name"] = "\(registered.name)"
        let scanContext = engineContext
        let outcome = await DeadlineRace.run(timeout: registered.manifest.timeout) {
            try await engine.scan(input, context: scanContext)
        }
        let elapsed = clock.now - start
        let name = registered.name
        let state = registered.state
        switch outcome {
        case .finished(let report) where report.notReady != nil:
            return EngineVerdict(engine: name, outcome: .notReady(report.notReady ?? ""), elapsed: elapsed, state: state)
        case .finished(let report):
            var verdict = EngineVerdict(
                engine: name, outcome: report.category.map { .detected($0) } ?? .clean, score: report.score,
                findings: report.findings, replacements: report.replacements, elapsed: elapsed, state: state
            )
            verdict.headers = report.headers
            verdict.requestedAction = report.category == nil ? nil : report.requestedAction
            return verdict
        case .failed(let message):
            context.logger.warning("engine failed", metadata: ["engine.name": "\(name)", "error.message": "\(message)"])
            return EngineVerdict(engine: name, outcome: .error(message), elapsed: elapsed, state: state)
        case .timedOut:
            context.logger.warning("engine timed out", metadata: ["engine.name": "\(name)", "engine.timeout_ms": "\(registered.manifest.timeoutMilliseconds)"])
            return EngineVerdict(engine: name, outcome: .timeout, elapsed: elapsed, state: state)
        case .cancelled:
            return EngineVerdict(engine: name, outcome: .error("cancelled"), elapsed: elapsed, state: state)
        }
    }
}
