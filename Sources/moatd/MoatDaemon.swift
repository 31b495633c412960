import ArgumentParser
import Foundation
import Logging
import MoatAdapters
import MoatCore
import MoatMilter
import ServiceLifecycle

@main
struct MoatDaemon: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moatd",
        abstract: "The Moat daemon: scans every message an MTA hands it over the milter protocol.",
        discussion: """
            Listens where [milter] listen says (default inet:7357@127.0.0.1). SIGTERM or SIGINT: finish the
            messages in flight, refuse new connections, exit. SIGHUP: reload engine manifests and policy
            without dropping connections (a broken manifest keeps the running engines).
            """
    )

    @Option(name: .long, help: "Path of moat.toml (default: embedded defaults).")
    var config: String?

    @Option(name: .long, help: "Directory of engine manifests (overrides the configuration).")
    var engines: String?

    @Option(name: .long, help: "Listen address, inet:PORT@HOST or unix:/path (repeatable; overrides the configuration).")
    var listen: [String] = []

    func run() async throws {
        LoggingSystem.bootstrap { label in StreamLogHandler.standardError(label: label) }
        var logger = Logger(label: "moatd")
        var configuration: MoatConfiguration
        do {
            configuration = try MoatConfiguration.load(path: config)
        } catch {
            logger.critical("cannot load configuration", metadata: ["error": "\(error)"])
            throw ExitCode(78)
        }
        if let engines { configuration.enginesDirectory = engines }
        if !listen.isEmpty { configuration.milter.listen = listen }
        logger.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info

        let (runtime, problems) = await ScanRuntime.start(configuration: configuration, logger: logger)
        if !problems.isEmpty {
            for problem in problems {
                logger.critical("engine manifest unusable", metadata: ["problem": "\(problem)"])
            }
            await runtime.shutdown()
            throw ExitCode(78)
        }
        let snapshot = runtime.registry.snapshot
        logger.info("engines loaded", metadata: [
            "engines": "\(snapshot.engines.map { "\($0.name):\($0.state.rawValue)" }.joined(separator: ","))",
            "engines.directory": "\(configuration.enginesDirectory)",
        ])
        if snapshot.running.isEmpty {
            logger.warning("no engines are enabled: every message will be accepted with headers only")
        }

        let server = MilterServer(settings: configuration.milter, limits: configuration.limits, pipeline: runtime.pipeline, logger: logger)
        let reloader = ReloadService(runtime: runtime, configPath: config, logger: logger)
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [
                    .init(service: reloader),
                    .init(service: server),
                ],
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger
            )
        )
        try await group.run()
        await runtime.shutdown()
        logger.info("moatd stopped")
    }
}
