import Logging
import MoatCore

/// The assembled scanning machinery shared by `moat` and `moatd`: pool, registry, pipeline, loader.
///
/// Built once from a `MoatConfiguration`; `reload` re-reads the manifests and swaps the registry
/// atomically, keeping the old snapshot when the new manifests are broken.
public final class ScanRuntime: Sendable {
    public let configuration: MoatConfiguration
    public let blocking: BlockingWorkPool
    public let registry: EngineRegistry
    public let pipeline: ScanPipeline
    public let loader: EngineLoader
    public let logger: Logger

    /// Builds the runtime and loads the engines; `problems` lists manifests that could not be used.
    public static func start(
        configuration: MoatConfiguration,
        logger: Logger,
        factories: [any EngineFactory] = AdapterCatalog.factories,
        tracker: PrecisionTracker? = nil,
        executor: (any EngineExecutor)? = nil,
        warmUp: EngineBuildContext.WarmUp = .wait,
        progress: @escaping @Sendable (String) -> Void = { _ in }
    ) async -> (runtime: ScanRuntime, problems: [ConfigurationError]) {
        let blocking = BlockingWorkPool(threads: configuration.blockingThreads, laneStall: .milliseconds(configuration.laneStallMilliseconds), logger: logger)
        var loader = EngineLoader(factories: factories, blocking: blocking, logger: logger)
        loader.warmUp = warmUp
        loader.progress = progress
        var configuration = configuration
        var result = await loader.load(directory: configuration.enginesDirectory, rulesDirectory: configuration.rulesDirectory)
        if let mismatch = modelMismatch(configuration.policy, engines: result.engines) {
            if configuration.policy.modelPathConfigured {
                result.problems.append(mismatch)
            } else {
                // The shipped model at the default path fits the shipped engines; with other
                // engines the hand-set policy decides, and start-up says so.
                configuration.policy.model = nil
                let warning = "\(mismatch.description); deciding with the hand-set policy (set model = \"\" in [policy] to silence this)"
                logger.warning("shipped model not used", metadata: ["error.message": "\(warning)"])
                progress(warning)
            }
        }
        let registry = EngineRegistry(EngineSnapshot(engines: result.engines, policy: configuration.policy, generation: 1))
        let runtime = ScanRuntime(
            configuration: configuration, blocking: blocking, registry: registry, loader: loader, logger: logger, tracker: tracker,
            executor: executor
        )
        return (runtime, result.problems)
    }

    /// The learned stores (Bayes) of the registered engines whose adapters learn, opened in this
    /// process even when the engines scan in worker processes (they share the file). A store that
    /// cannot be opened is logged and left out: feedback then does not train it.
    public func openLearners(factories: [any EngineFactory] = AdapterCatalog.factories) async -> [String: any TokenLearner] {
        var learners: [String: any TokenLearner] = [:]
        for registered in registry.snapshot.engines {
            guard let factory = factories.first(where: { $0.adapter == registered.manifest.adapter }) as? any LearnerFactory else { continue }
            let context = EngineBuildContext(
                blocking: blocking, logger: logger, rulesDirectory: configuration.rulesDirectory,
                manifestPath: configuration.enginesDirectory + "/" + registered.name + ".toml"
            )
            let manifest = registered.manifest
            do {
                if let learner = try await blocking.run({ try factory.makeLearner(manifest, context: context) }) {
                    learners[registered.name] = learner
                }
            } catch {
                logger.error("cannot open the engine's learned store; feedback will not train it", metadata: [
                    "engine.name": "\(registered.name)", "error.message": "\(error)",
                ])
            }
        }
        return learners
    }

    private init(
        configuration: MoatConfiguration, blocking: BlockingWorkPool, registry: EngineRegistry, loader: EngineLoader,
        logger: Logger, tracker: PrecisionTracker?, executor: (any EngineExecutor)?
    ) {
        self.configuration = configuration
        self.blocking = blocking
        self.registry = registry
        self.loader = loader
        self.logger = logger
        self.pipeline = ScanPipeline(registry: registry, blocking: blocking, logger: logger, tracker: tracker, executor: executor)
    }

    /// Re-reads the manifest directory and `policy`; swaps only if every manifest loads.
    @discardableResult
    public func reload(policy: Policy? = nil) async -> [ConfigurationError] {
        let previous = registry.snapshot
        let result = await loader.load(
            directory: configuration.enginesDirectory, rulesDirectory: configuration.rulesDirectory, previous: previous
        )
        var problems = result.problems
        var policy = policy ?? previous.policy
        if let mismatch = Self.modelMismatch(policy, engines: result.engines) {
            if policy.modelPathConfigured {
                problems.append(mismatch)
            } else {
                policy.model = nil
                logger.warning("shipped model not used", metadata: ["error.message": "\(mismatch)"])
            }
        }
        guard problems.isEmpty else {
            for problem in problems {
                logger.error("reload refused, keeping the running engines", metadata: ["error.message": "\(problem)"])
            }
            return problems
        }
        for registered in result.engines where result.reused.contains(registered.name) {
            do {
                try await registered.engine.refresh()
            } catch {
                logger.error("engine refresh failed, it keeps its current data", metadata: ["engine.name": "\(registered.name)", "error.message": "\(error)"])
            }
        }
        let generation = registry.replace(engines: result.engines, policy: policy)
        logger.info("engines reloaded", metadata: [
            "registry.generation": "\(generation)",
            "engine.names": "\(result.engines.map { "\($0.name):\($0.state.rawValue)" }.joined(separator: ","))",
        ])
        return []
    }

    /// A learned combiner trained with engines the manifests do not configure cannot decide.
    static func modelMismatch(_ policy: Policy, engines: [RegisteredEngine]) -> ConfigurationError? {
        policy.model?.mismatch(configuredEngines: Set(engines.map(\.name)), path: policy.modelPath)
    }

    /// Stops the blocking pool; call once, after the last scan.
    public func shutdown() async {
        try? await blocking.shutdown()
    }
}
