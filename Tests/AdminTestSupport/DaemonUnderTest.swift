import Foundation
import Logging
import MoatAdapters
import MoatAdmin
import MoatCore
import MoatMessage
import MoatStore

/// A whole daemon minus the sockets: runtime with manifest-driven engines, SQLite store, writer,
/// supervisor and admin API, in a temporary directory.
public struct DaemonUnderTest: Sendable {
    public let directory: String
    public let runtime: ScanRuntime
    public let store: any ScanStore
    public let writer: StoreWriter
    public let supervisor: EngineSupervisor
    public let tracker: PrecisionTracker
    public let token: AdminToken
    public let api: AdminAPI
    public let background: Task<Void, Never>

    /// `manifests`: file name → TOML text.
    /// `postgresURL`: the store is that PostgreSQL database instead of an SQLite file.
    public static func start(manifests: [String: String], logger: Logger = Logger(label: "test"),
                             settings: AdminSettings? = nil, postgresURL: String? = nil) async throws -> DaemonUnderTest {
        let directory = NSTemporaryDirectory() + "moat-admin-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory + "/engines", withIntermediateDirectories: true)
        for (name, text) in manifests {
            try text.write(toFile: directory + "/engines/" + name, atomically: true, encoding: .utf8)
        }
        var configuration = MoatConfiguration()
        configuration.enginesDirectory = directory + "/engines"
        configuration.rulesDirectory = directory
        let tracker = PrecisionTracker()
        let (runtime, problems) = await ScanRuntime.start(configuration: configuration, logger: logger, tracker: tracker)
        precondition(problems.isEmpty, "\(problems)")
        var storeConfiguration = StoreConfiguration()
        storeConfiguration.path = directory + "/moat.sqlite"
        if let postgresURL {
            storeConfiguration.backend = .postgres
            storeConfiguration.postgresURL = postgresURL
        }
        storeConfiguration.flushIntervalMilliseconds = 20
        let store = try await StoreFactory.open(storeConfiguration, logger: logger)
        let writer = StoreWriter(store: store, configuration: storeConfiguration, logger: logger)
        let supervisor = EngineSupervisor(
            registry: runtime.registry, tracker: tracker, store: store, writer: writer, metrics: MoatMetrics(),
            keepQuarantinedRaw: true, logger: logger
        )
        runtime.pipeline.observers.add(supervisor)
        let token = AdminToken(value: "test-token-0123456789abcdef")
        let api = AdminAPI(
            settings: settings ?? AdminSettings(listen: "127.0.0.1:0", modelsDirectory: directory + "/models"), token: token,
            tenantTokens: (settings?.tenantTokens ?? []).compactMap { scoped in scoped.token.map { (scoped.tenant, AdminToken(value: $0)) } },
            runtime: runtime, supervisor: supervisor,
            tenants: TenantManager(registry: runtime.registry, store: store, logger: logger), prometheus: TestMetrics.registry, logger: logger, reload: { await runtime.reload() }
        )
        let background = Task {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await supervisor.run() }
                group.addTask { try? await writer.run() }
            }
        }
        return DaemonUnderTest(directory: directory, runtime: runtime, store: store, writer: writer, supervisor: supervisor,
                               tracker: tracker, token: token, api: api, background: background)
    }

    public func scan(_ raw: String, envelope: Envelope = Envelope()) async -> Decision {
        await runtime.pipeline.scan(ScanInput(message: Message(parsing: Array(raw.utf8)), envelope: envelope))
    }

    public func stop() async {
        supervisor.finish()
        background.cancel()
        _ = await background.value
        try? await store.close()
        await runtime.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

import Metrics
import Prometheus

/// One Prometheus registry for the test process (swift-metrics can be bootstrapped once).
public enum TestMetrics {
    public static let registry: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()
}

public enum Mail {
    public static func ham(_ index: Int) -> String {
        "From: colleague\(index)@example.com\r\nTo: me@moat.test\r\nSubject: the minutes, part \(index)\r\n\r\nHere are the notes from the meeting, item \(index).\r\n"
    }

    public static func spam(_ index: Int) -> String {
        "From: promo\(index)@example.net\r\nTo: me@moat.test\r\nSubject: the offer \(index)\r\n\r\nBUY-NOW-PILLS: the best prices, offer \(index).\r\n"
    }
}
