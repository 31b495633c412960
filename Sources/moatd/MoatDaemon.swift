import ArgumentParser
import Foundation
import Logging
import MoatAdapters
import Metrics
import MoatAdmin
import MoatCluster
import MoatConsole
import MoatCore
import MoatIsolation
import MoatMilter
import MoatOutbound
import MoatStore
import Prometheus
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

    @Flag(name: .long, help: .hidden)
    var worker = false

    /// Labels a worker in `ps`: `pool` or `exclusive` (the retry of a scan whose worker died).
    @Option(name: .long, help: .hidden)
    var workerRole: String?

    /// A worker of a dedicated pool builds only these engines (comma-separated manifest names).
    @Option(name: .long, help: .hidden)
    var workerOnly: String?

    /// A default-pool worker builds every engine but these (the dedicated ones).
    @Option(name: .long, help: .hidden)
    var workerExcept: String?

    func run() async throws {
        LoggingSystem.bootstrap { label in StreamLogHandler.standardError(label: label) }
        if worker {
            try await WorkerMode(config: config, engines: engines, selection: EngineSelection(only: workerOnly, except: workerExcept)).run()
            return
        }
        var logger = Logger(label: "moatd")
        var configuration: MoatConfiguration
        let daemon: DaemonConfiguration
        do {
            let loaded = try GatewayConfiguration.load(path: config)
            configuration = loaded.core
            daemon = loaded.daemon
        } catch {
            logger.critical("cannot load configuration", metadata: ["error.message": "\(error)"])
            throw ExitCode(78)
        }
        if let engines { configuration.enginesDirectory = engines }
        if !listen.isEmpty { configuration.milter.listen = listen }
        logger.logLevel = Logger.Level(rawValue: configuration.logLevel) ?? .info

        let prometheus = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: prometheus))
        let tracker = PrecisionTracker(settings: daemon.precision)
        let pool = try await startWorkers(configuration, logger: logger)
        let factories = pool == nil ? AdapterCatalog.factories : AdapterCatalog.factories.map { IsolatedEngineFactory(adapter: $0.adapter) }
        let (runtime, problems) = await ScanRuntime.start(
            configuration: configuration, logger: logger, factories: factories, tracker: tracker, executor: pool,
            warmUp: .background, progress: { [logger] in logger.info("\($0)") }
        )
        if !problems.isEmpty {
            for problem in problems {
                logger.critical("engine manifest unusable", metadata: ["error.message": "\(problem)"])
            }
            await runtime.shutdown()
            throw ExitCode(78)
        }
        let snapshot = runtime.registry.snapshot
        logger.info("engines loaded", metadata: [
            "engine.names": "\(snapshot.engines.map { "\($0.name):\($0.state.rawValue)" }.joined(separator: ","))",
            "engines.directory": "\(configuration.enginesDirectory)",
            "process.allocator": "\(MemoryAllocator.name)",
        ])
        logger.info("decision rule", metadata: ["policy.rule": "\(snapshot.policy.decisionRule)"])
        for name in configuration.isolation.dedicated.keys.sorted() where pool != nil && snapshot.engine(named: name) == nil {
            logger.warning("isolation.dedicated names an engine no manifest declares", metadata: ["engine.name": "\(name)"])
        }
        if snapshot.running.isEmpty {
            logger.warning("no engines are enabled: every message will be accepted with headers only")
        }

        let store: any ScanStore
        let token: AdminToken
        let tenantTokens: [(tenant: String, token: AdminToken)]
        let tenants: TenantManager
        let outbound: OutboundControl
        do {
            store = try await StoreFactory.open(daemon.store, logger: logger)
            token = try AdminToken.load(daemon.admin)
            tenantTokens = try AdminToken.loadTenantTokens(daemon.admin)
            // The tenants' policies are in force before the first message: mail is never decided
            // by the global policy because the tenants were not read yet.
            tenants = TenantManager(registry: runtime.registry, store: store, logger: logger)
            try await tenants.load()
            // Senders' counters and held mail from before a restart are known before the first message.
            outbound = OutboundControl(settings: daemon.outbound, store: store, registry: runtime.registry, logger: logger)
            try await outbound.load()
        } catch {
            logger.critical("cannot open the store, read the tenants or outbound state, or read the admin tokens", metadata: ["error.message": "\(error)"])
            await runtime.shutdown()
            throw ExitCode(73)
        }
        let writer = StoreWriter(store: store, configuration: daemon.store, logger: logger)
        let supervisor = EngineSupervisor(
            registry: runtime.registry, tracker: tracker, store: store, writer: writer, metrics: MoatMetrics(maxTenantLabels: daemon.admin.maxTenantMetricLabels),
            keepQuarantinedRaw: daemon.store.keepQuarantinedRaw, logger: logger
        )
        // Feedback that carries the message trains the engines' learned stores (Bayes).
        supervisor.setLearners(.init(stores: await runtime.openLearners(), blocking: runtime.blocking))
        var restored: [Feedback] = []
        do {
            restored = try await supervisor.restore(window: daemon.precision.window)
        } catch {
            logger.error("cannot restore statistics from the store; starting empty", metadata: ["error.message": "\(error)"])
        }
        // Several moatd on one PostgreSQL store share engine states, feedback and one policy evaluator.
        var cluster: ClusterNode?
        if daemon.store.backend == .postgres, daemon.cluster.enabled, let url = daemon.store.postgresURL {
            do {
                let node = try ClusterNode(settings: daemon.cluster, postgresURL: url, address: daemon.admin.listen, supervisor: supervisor, logger: logger)
                node.noteRestored(restored)
                node.follow(tenants)
                supervisor.attach(node)
                cluster = node
                logger.notice("cluster node", metadata: ["cluster.node": "\(node.nodeID)"])
            } catch {
                logger.critical("cannot join the cluster", metadata: ["error.message": "\(error)"])
                await runtime.shutdown()
                throw ExitCode(78)
            }
        }
        runtime.pipeline.observers.add(supervisor)
        runtime.pipeline.reviewers.add(outbound)

        let daemonLogger = logger
        let enginesDirectory = configuration.enginesDirectory
        let reloadAll: @Sendable () async -> [ConfigurationError] = {
            var policy: Policy?
            do {
                policy = try GatewayConfiguration.load(path: config).core.policy
            } catch {
                daemonLogger.error("policy reload failed, keeping the running policy", metadata: ["error.message": "\(error)"])
            }
            if let pool {
                let workerProblems = await pool.reload()
                guard workerProblems.isEmpty else {
                    for problem in workerProblems {
                        daemonLogger.error("reload refused by the scan workers, keeping the running engines", metadata: ["error.message": "\(problem)"])
                    }
                    return workerProblems.map { ConfigurationError(file: enginesDirectory, reason: $0) }
                }
            }
            let problems = await runtime.reload(policy: policy)
            try? await supervisor.applyRecordedStates()
            return problems
        }
        let server = MilterServer(settings: configuration.milter, limits: configuration.limits, pipeline: runtime.pipeline, logger: logger)
        let reloader = ReloadService(reload: reloadAll, logger: logger)
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: StoreService(store: store, logger: logger)),
            .init(service: StoreWriterService(writer: writer)),
            .init(service: SupervisorService(supervisor: supervisor)),
            .init(service: OutboundService(outbound: outbound)),
            .init(service: reloader),
        ]
        if let cluster { services.append(.init(service: cluster)) }
        if daemon.admin.enabled {
            let api = AdminAPI(settings: daemon.admin, token: token, tenantTokens: tenantTokens, runtime: runtime, supervisor: supervisor,
                               tenants: tenants, outbound: outbound, cluster: cluster, prometheus: prometheus, logger: logger, reload: reloadAll)
            var console: Console?
            if daemon.admin.console.enabled {
                console = try Console(api: api)
                logger.notice("web console: sign in with the admin token", metadata: [
                    "console.url": "http://\(daemon.admin.listen)/console",
                    "admin.token_file": "\(daemon.admin.token == nil ? daemon.admin.tokenFile : "(configured in [admin] token)")",
                ])
                if !daemon.admin.listensOnLoopback {
                    logger.warning("the admin API and web console listen beyond loopback: put them behind TLS and a firewall, never on the public internet",
                                   metadata: ["admin.listen": "\(daemon.admin.listen)"])
                }
                // On a terminal (`make run`) the token is printed so the operator can sign in at
                // once; never into a log file or the journal.
                if isatty(STDERR_FILENO) == 1 {
                    FileHandle.standardError.write(Data("Console: http://\(daemon.admin.listen)/console  sign-in token: \(token.value)\n".utf8))
                }
            }
            services.append(.init(service: api.application(extraRoutes: { router in console?.addRoutes(to: router) })))
            logger.info("admin API", metadata: ["admin.listen": "\(daemon.admin.listen)", "admin.token_file": "\(daemon.admin.token == nil ? daemon.admin.tokenFile : "(configured)")"])
        }
        services.append(.init(service: server))
        var groupConfiguration = ServiceGroupConfiguration(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        // A service still stopping after `shutdown_timeout_ms` (one waiting on a database that is
        // gone) is cancelled; one that ignores cancellation for as long again ends the process.
        groupConfiguration.maximumGracefulShutdownDuration = .milliseconds(configuration.shutdownTimeoutMilliseconds)
        groupConfiguration.maximumCancellationDuration = .milliseconds(configuration.shutdownTimeoutMilliseconds)
        let group = ServiceGroup(configuration: groupConfiguration)
        try await group.run()
        await pool?.shutdown()
        await runtime.shutdown()
        logger.info("moatd stopped")
    }

    /// In `process` isolation, starts the scan workers (this executable with `--worker`) and waits
    /// until each has loaded its engines; a manifest they cannot use stops the daemon (EX_CONFIG).
    private func startWorkers(_ configuration: MoatConfiguration, logger: Logger) async throws -> PooledExecutor? {
        guard configuration.isolation.mode == .process else {
            logger.warning("isolation.mode = in_process: a crashing engine stops the daemon")
            return nil
        }
        guard let executable = WorkerLaunch.currentExecutable() else {
            logger.critical("cannot find this executable to start scan workers")
            throw ExitCode(71)
        }
        var arguments = ["--worker"]
        if let config { arguments += ["--config", config] }
        arguments += ["--engines", configuration.enginesDirectory]
        let pool = PooledExecutor(
            settings: configuration.isolation, launch: WorkerLaunch(executable: executable, arguments: arguments),
            limits: configuration.limits, logger: logger
        )
        do {
            try await pool.start()
        } catch {
            logger.critical("scan workers could not start", metadata: ["error.message": "\(error)"])
            await pool.shutdown()
            throw ExitCode(78)
        }
        return pool
    }
}
