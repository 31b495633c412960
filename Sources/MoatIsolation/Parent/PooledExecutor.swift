import Foundation
import Logging
import MoatCore
import MoatMessage

/// The daemon's executor: one default worker pool, plus a pool of its own for each dedicated engine.
///
/// A dedicated pool holds one engine that is expensive to load (ClamAV's compiled database), so its
/// memory is paid once per dedicated worker instead of once per default worker. A message goes once
/// to each pool that has an engine for it, concurrently; their verdicts are merged in registry order
/// and the strictest imposed action wins.
public final class PooledExecutor: EngineExecutor {
    private let general: WorkerPool
    private let dedicated: [String: WorkerPool]

    /// Builds the pools; `launch` is the plain `moatd --worker` command, each pool adds its engine selection.
    public init(settings: IsolationSettings, launch: WorkerLaunch, limits: MessageLimits, logger: Logger) {
        var dedicated: [String: WorkerPool] = [:]
        for (engine, workers) in settings.dedicated.sorted(by: { $0.key < $1.key }) {
            var selected = launch
            selected.arguments += ["--worker-only", engine]
            dedicated[engine] = WorkerPool(name: engine, settings: settings, workers: workers, launch: selected, limits: limits, logger: logger)
        }
        var general = launch
        if !settings.dedicated.isEmpty {
            general.arguments += ["--worker-except", settings.dedicated.keys.sorted().joined(separator: ",")]
        }
        let workers = settings.resolvedWorkers(cores: ProcessInfo.processInfo.activeProcessorCount)
        self.general = WorkerPool(settings: settings, workers: workers, launch: general, limits: limits, logger: logger)
        self.dedicated = dedicated
    }

    /// Starts every pool and waits until each worker has loaded its engines.
    public func start() async throws(WorkerPool.StartError) {
        try await general.start()
        for pool in dedicated.values { try await pool.start() }
    }

    public func shutdown() async {
        await general.shutdown()
        for pool in dedicated.values { await pool.shutdown() }
    }

    /// Every worker re-reads the manifests; the problems of the first pool that reports any.
    public func reload() async -> [String] {
        var problems = await general.reload()
        for pool in dedicated.values where problems.isEmpty { problems = await pool.reload() }
        return problems
    }

    public func health() async -> [WorkerPoolHealth] {
        var pools = [await general.poolHealth]
        for name in dedicated.keys.sorted() {
            if let pool = dedicated[name] { pools.append(await pool.poolHealth) }
        }
        return pools
    }

    public func execute(_ input: ScanInput, engines: [RegisteredEngine]) async -> Execution {
        var groups: [(WorkerPool, [RegisteredEngine])] = []
        let shared = engines.filter { dedicated[$0.name] == nil }
        if !shared.isEmpty { groups.append((general, shared)) }
        for engine in engines {
            if let pool = dedicated[engine.name] { groups.append((pool, [engine])) }
        }
        if groups.count == 1, let (pool, selected) = groups.first {
            return await pool.execute(input, engines: selected)
        }
        let results = await withTaskGroup(of: Execution.self) { group in
            for (pool, selected) in groups {
                group.addTask { await pool.execute(input, engines: selected) }
            }
            var results: [Execution] = []
            for await result in group { results.append(result) }
            return results
        }
        let order = engines.map(\.name)
        let states = Dictionary(engines.map { ($0.name, $0.manifest.state) }, uniquingKeysWith: { first, _ in first })
        var merged = Execution(verdicts: WorkerPool.ordered(results.flatMap(\.verdicts), by: order, states: states))
        merged.findings = results.flatMap(\.findings)
        merged.imposed = results.compactMap(\.imposed).max { $0.action < $1.action }
        return merged
    }
}
