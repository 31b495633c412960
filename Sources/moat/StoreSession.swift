import Logging
import MoatAdapters
import MoatAdmin
import MoatCore
import MoatStore

/// The daemon's verdict-log path (supervisor → `StoreWriter` → store) attached to a CLI pipeline.
///
/// `moat bench throughput --store` uses it to measure what the store costs the scan path, and
/// `moat bench accuracy --record` to leave labelled scans where `moatd` restores its statistics
/// from; both must go through the same code as the daemon or the figures would not carry over.
struct StoreSession {
    let store: any ScanStore
    let writer: StoreWriter
    let supervisor: EngineSupervisor
    let configuration: StoreConfiguration
    private let tasks: Task<Void, Never>

    /// Opens the `[store]` of `configPath` (default: `var/moat.sqlite`) and observes `runtime`'s scans.
    static func attach(to runtime: ScanRuntime, configPath: String?, logger: Logger) async throws -> StoreSession {
        let daemon = try DaemonConfiguration.load(path: configPath)
        let store = try await StoreFactory.open(daemon.store, logger: logger)
        let writer = StoreWriter(store: store, configuration: daemon.store, logger: logger)
        let supervisor = EngineSupervisor(
            registry: runtime.registry, tracker: PrecisionTracker(settings: daemon.precision), store: store, writer: writer,
            metrics: MoatMetrics(), keepQuarantinedRaw: daemon.store.keepQuarantinedRaw, logger: logger
        )
        runtime.pipeline.observers.add(supervisor)
        let tasks = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { try? await writer.run() }
                await supervisor.run()
                group.cancelAll()
            }
        }
        return StoreSession(store: store, writer: writer, supervisor: supervisor, configuration: daemon.store, tasks: tasks)
    }

    /// Where the records went, for the report line.
    var location: String {
        configuration.backend == .sqlite ? configuration.resolvedPath() : "postgres (\(configuration.postgresURL ?? ""))"
    }

    /// Logs every scan handed over so far and writes it; the store stays open until `close()`.
    func finish() async -> StoreWriter.Statistics {
        supervisor.finish()
        await tasks.value
        await writer.flush()
        return writer.statistics
    }

    func close() async {
        try? await store.close()
    }
}
