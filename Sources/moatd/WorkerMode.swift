import ArgumentParser
import Foundation
import Glibc
import Logging
import MoatAdapters
import MoatAdmin
import MoatCore
import MoatIsolation

/// `moatd --worker`: one scan worker, started by the daemon with a socket on descriptor 3.
///
/// It loads every engine, serves scan requests until the daemon closes the channel, then exits
/// at once (an engine thread still running past its deadline must not keep it alive). Interrupt
/// and terminate signals are ignored: a Ctrl-C in a terminal reaches the whole process group, and
/// the daemon, not the signal, decides when its workers stop.
struct WorkerMode {
    let config: String?
    let engines: String?
    /// Which engines this worker builds (its pool's share).
    let selection: EngineSelection

    func run() async throws {
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        signal(SIGPIPE, SIG_IGN)
        var logger = Logger(label: "moatd.worker")
        logger[metadataKey: "worker.pid"] = "\(getpid())"
        var configuration: MoatConfiguration
        do {
            configuration = try GatewayConfiguration.load(path: config).core
        } catch {
            logger.critical("cannot load configuration", metadata: ["error.message": "\(error)"])
            throw ExitCode(78)
        }
        if let engines { configuration.enginesDirectory = engines }
        logger.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info
        let megabytes = configuration.isolation.memoryLimitMegabytes
        if megabytes > 0 {
            let bytes = rlim_t(megabytes) << 20
            var limit = rlimit(rlim_cur: bytes, rlim_max: bytes)
            if setrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &limit) != 0 {
                logger.error("cannot set the worker memory limit", metadata: ["worker.memory_limit_mb": "\(megabytes)"])
            }
        }
        let (runtime, problems) = await ScanRuntime.start(
            configuration: configuration, logger: logger, factories: selection.apply(to: AdapterCatalog.factories),
            warmUp: .background, progress: { [logger] in logger.info("\($0)") }
        )
        let server = WorkerServer(
            registry: runtime.registry, blocking: runtime.blocking, limits: configuration.limits,
            runawayGrace: .milliseconds(configuration.isolation.runawayGraceMilliseconds), logger: logger,
            reload: { await runtime.reload().map { "\($0)" } }
        )
        await server.run(problems: problems.map { "\($0)" })
        exit(0)
    }
}
