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

    /// The CLI's store logger: errors only, the command prints its own report.
    static let logger: Logger = {
        var logger = Logger(label: "moat.store")
        logger.logLevel = .error
        return logger
    }()

    /// The daemon configuration of `configPath` and its `[store]`, opened (migrated on first use).
    static func open(configPath: String?) async throws -> (daemon: DaemonConfiguration, store: any ScanStore) {
        do {
            let daemon = try GatewayConfiguration.load(path: configPath).daemon
            return (daemon, try await StoreFactory.open(daemon.store, logger: logger))
        } catch {
            throw CLIError.store(error)
        }
    }

    /// Opens the `[store]` of `configPath` (default: `var/moat.sqlite`) and observes `runtime`'s
    /// scans; on failure the runtime is shut down and the error is the CLI's (`moat: …`, exit 2).
    static func attach(to runtime: ScanRuntime, configPath: String?) async throws -> StoreSession {
        let daemon: DaemonConfiguration
        let store: any ScanStore
        do {
            (daemon, store) = try await open(configPath: configPath)
        } catch {
            await runtime.shutdown()
            throw CLIError.exit(error)
        }
        let writer = StoreWriter(store: store, configuration: daemon.store, logger: Self.logger)
        let supervisor = EngineSupervisor(
            registry: runtime.registry, tracker: PrecisionTracker(settings: daemon.precision), store: store, writer: writer,
            metrics: MoatMetrics(), keepQuarantinedRaw: daemon.store.keepQuarantinedRaw, logger: Self.logger
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
