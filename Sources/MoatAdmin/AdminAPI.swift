import Foundation
import Hummingbird
import HTTPTypes
import Logging
import MoatAdapters
import MoatCore
import MoatMessage
import MoatOutbound
import MoatStore
import NIOCore
import Prometheus

/// The admin HTTP API: engines and their statistics, state changes, feedback, quarantine, scanning,
/// reload, health, and `/metrics` for Prometheus.
///
/// Everything but `/health` needs the bearer token. Listens on loopback unless configured otherwise.
public struct AdminAPI: Sendable {
    public let settings: AdminSettings
    public let token: AdminToken
    public let runtime: ScanRuntime
    public let supervisor: EngineSupervisor
    public let prometheus: PrometheusCollectorRegistry
    public let logger: Logger
    /// Called by `POST /reload` (the daemon re-reads policy and manifests as on SIGHUP).
    public let reload: @Sendable () async -> [ConfigurationError]
    /// Tokens scoped to one tenant each.
    public let tenantTokens: [(tenant: String, token: AdminToken)]
    public let tenants: TenantManager
    /// Outbound protection (held mail, alerts, paused senders); nil: those routes answer 404.
    public let outbound: OutboundControl?
    /// The cluster this node belongs to; nil: `GET /cluster` answers 404.
    public let cluster: (any ClusterLink)?

    public init(settings: AdminSettings, token: AdminToken, tenantTokens: [(tenant: String, token: AdminToken)] = [], runtime: ScanRuntime,
                supervisor: EngineSupervisor, tenants: TenantManager, outbound: OutboundControl? = nil, cluster: (any ClusterLink)? = nil,
                prometheus: PrometheusCollectorRegistry, logger: Logger, reload: @escaping @Sendable () async -> [ConfigurationError]) {
        self.settings = settings
        self.cluster = cluster
        self.outbound = outbound
        self.token = token
        self.tenantTokens = tenantTokens
        self.tenants = tenants
        self.runtime = runtime
        self.supervisor = supervisor
        self.prometheus = prometheus
        self.logger = logger
        self.reload = reload
    }

    /// The HTTP application, a `Service` for the daemon's `ServiceGroup`.
    /// `extraRoutes` adds routes served beside the API (the web console).
    public func application(extraRoutes: (Router<AdminRequestContext>) -> Void = { _ in },
                            onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }) -> some ApplicationProtocol {
        let (host, port) = settings.hostAndPort ?? ("127.0.0.1", 7358)
        let router = router()
        extraRoutes(router)
        return Application(
            router: router, configuration: .init(address: .hostname(host, port: port), serverName: "moatd"),
            onServerRunning: onServerRunning, logger: logger
        )
    }

    /// All routes; public so tests can drive them without a socket.
    public func router() -> Router<AdminRequestContext> {
        let router = Router(context: AdminRequestContext.self)
        router.get("/health") { _, _ in "ok\n" }
        let api = router.group().add(middleware: BearerTokenMiddleware(token: token, tenantTokens: tenantTokens))
        api.get("/ready") { _, _ in try self.ready() }
        api.get("/engines") { _, context in
            try context.caller.requireGlobal("the engine list")
            return try Self.json(self.engines())
        }
        api.get("/engines/:name") { _, context in
            try context.caller.requireGlobal("an engine's figures")
            let name = try context.parameters.require("name")
            guard let engine = self.engines().first(where: { $0.name == name }) else { throw HTTPError(.notFound, message: "no engine named \(name)") }
            return try Self.json(engine)
        }
        api.post("/engines/:name/state") { request, context in
            try context.caller.requireGlobal("changing an engine's state")
            let name = try context.parameters.require("name")
            let body = try await Self.decode(StateRequest.self, request, limit: 64 << 10)
            do {
                let change = try await self.supervisor.setState(engine: name, to: body.state, actor: body.actor ?? "operator", reason: body.reason)
                return try Self.json(change)
            } catch let error as EngineRegistry.RegistryError {
                throw HTTPError(.notFound, message: error.description)
            }
        }
        api.get("/state-changes") { request, context in
            try context.caller.requireGlobal("the engine state history")
            let engine = request.uri.queryParameters["engine"].map(String.init)
            let limit = request.uri.queryParameters["limit"].flatMap { Int($0) } ?? 100
            return try Self.json(try await self.supervisor.store.stateChanges(engine: engine, limit: min(limit, 10_000)))
        }
        api.get("/statistics") { _, context in
            try context.caller.requireGlobal("the gateway's engine statistics")
            return try Self.json(self.supervisor.tracker.allStatistics())
        }
        api.post("/feedback") { request, context in
            var request = request
            let caller = context.caller
            let truthText = request.uri.queryParameters["class"].map(String.init)
            let source = request.uri.queryParameters["source"].map(String.init) ?? "operator"
            if let truthText {
                // The message itself in the body: matched by X-Moat-Id or content.
                guard let truth = TrueClass(rawValue: truthText) else { throw HTTPError(.badRequest, message: "class must be ham, spam, malware or phishing") }
                let body = try await request.collectBody(upTo: self.settings.maxBodyBytes)
                let raw = Array(buffer: body)
                guard caller != .global else {
                    return try Self.json(try await self.feedback { try await self.supervisor.feedback(raw: raw, truth: truth, source: source) })
                }
                // The scan checked is the scan labelled (a newer one with the same bytes cannot slip in).
                let id = try await self.requireScanAccess(caller, raw: raw)
                return try Self.json(try await self.feedback { try await self.supervisor.feedback(scanID: id, truth: truth, source: caller.actor(source)) })
            }
            let body = try await Self.decode(FeedbackRequest.self, request, limit: 64 << 10)
            if caller != .global { try await self.requireScanAccess(caller, id: body.id) }
            return try Self.json(try await self.feedback {
                try await self.supervisor.feedback(scanID: body.id, truth: body.trueClass, source: caller.actor(body.source ?? source))
            })
        }
        api.get("/quarantine") { request, context in
            let limit = request.uri.queryParameters["limit"].flatMap { Int($0) } ?? 100
            let tenant = context.caller.tenant ?? request.uri.queryParameters["tenant"].map(String.init)
            let entries = try await self.supervisor.store.quarantined(limit: min(limit, 10_000), tenant: tenant)
            return try Self.json(entries.map { QuarantineSummary(self.scoped($0, for: context.caller)) })
        }
        api.get("/quarantine/:id") { _, context in
            let id = try context.parameters.require("id")
            guard let entry = try await self.supervisor.store.quarantined(scanID: id) else { throw HTTPError(.notFound, message: "no quarantined message \(id)") }
            try context.caller.requireAccess(to: entry.tenants, "quarantined message \(id)")
            return try Self.json(QuarantineDetail(self.scoped(entry, for: context.caller)))
        }
        api.post("/quarantine/:id/release") { request, context in
            let id = try context.parameters.require("id")
            let actor = context.caller.actor(request.uri.queryParameters["actor"].map(String.init))
            let output = try await self.releaseQuarantined(id, caller: context.caller, actor: actor)
            return try Self.json(["released": id, "command_output": output])
        }
        api.delete("/quarantine/:id") { request, context in
            let id = try context.parameters.require("id")
            try await self.deleteQuarantined(id, caller: context.caller, actor: context.caller.actor(request.uri.queryParameters["actor"].map(String.init)))
            return try Self.json(["deleted": id])
        }
        api.get("/quarantine/:id/actions") { _, context in
            let id = try context.parameters.require("id")
            if context.caller != .global {
                guard let entry = try await self.supervisor.store.quarantined(scanID: id) else { throw HTTPError(.notFound, message: "no quarantined message \(id)") }
                try context.caller.requireAccess(to: entry.tenants, "quarantined message \(id)")
            }
            return try Self.json(try await self.supervisor.store.quarantineActions(scanID: id, limit: 100))
        }
        api.post("/scan") { request, context in
            // Scans feed the verdict log, the figures and the quarantine of the whole gateway.
            try context.caller.requireGlobal("scanning through the admin API")
            var request = request
            let body = try await request.collectBody(upTo: self.settings.maxBodyBytes)
            let message = Message(parsing: Array(buffer: body), limits: self.runtime.configuration.limits)
            let decision = await self.runtime.pipeline.scan(ScanInput(message: message))
            return try Self.json(DecisionDocument(decision))
        }
        api.post("/reload") { _, context in
            try context.caller.requireGlobal("a reload")
            let problems = await self.reload()
            guard problems.isEmpty else { throw HTTPError(.unprocessableContent, message: problems.map(\.description).joined(separator: "\n")) }
            return try Self.json(["generation": self.runtime.registry.snapshot.generation])
        }
        api.get("/model") { _, context in
            try context.caller.requireGlobal("the learned combiner")
            return try Self.json(self.modelView())
        }
        api.post("/model/train") { request, context in
            try context.caller.requireGlobal("training the combiner")
            let rate = request.uri.queryParameters["target_ham_rate"].flatMap { Double($0) } ?? 0.002
            let folds = request.uri.queryParameters["folds"].flatMap { Int($0) } ?? 5
            guard rate > 0, rate < 1, (2...20).contains(folds) else {
                throw HTTPError(.badRequest, message: "target_ham_rate must be in (0, 1) and folds in 2...20")
            }
            let result = try await self.trainModel(targetHamRate: rate, folds: folds)
            guard result.refusal == nil else {
                throw HTTPError(.unprocessableContent, message: String(decoding: try Self.encoder.encode(result), as: UTF8.self))
            }
            return try Self.json(result)
        }
        api.get("/metrics") { _, context in
            try context.caller.requireGlobal("the gateway's metrics")
            var buffer: [UInt8] = []
            self.prometheus.emit(into: &buffer)
            var headers = HTTPFields()
            headers[.contentType] = "text/plain; version=0.0.4; charset=utf-8"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: buffer)))
        }
        api.get("/cluster") { _, context in
            try context.caller.requireGlobal("the cluster's status")
            guard let cluster = self.cluster else {
                throw HTTPError(.notFound, message: "this node is not in a cluster ([store] backend is not postgres, or [cluster] enabled = false)")
            }
            return try Self.json(try await cluster.status())
        }
        addDecisionRoutes(api)
        addTenantRoutes(api)
        addOutboundRoutes(api, router: router)
        return router
    }

    // MARK: - Shapes

    /// An engine as the API shows it: manifest facts, the engine's own status and its statistics.
    public struct EngineView: Codable, Sendable {
        public var name: String
        public var adapter: String
        public var state: EngineState
        public var weight: Double
        public var timeoutMilliseconds: Int
        public var onError: EngineManifest.FailurePolicy
        public var removal: RemovalPolicy?
        public var status: [String: String]
        public var statistics: EngineStatistics

        enum CodingKeys: String, CodingKey {
            case name, adapter, state, weight, removal, status, statistics
            case timeoutMilliseconds = "timeout_ms"
            case onError = "on_error"
        }
    }

    struct StateRequest: Decodable {
        var state: EngineState
        var reason: String
        var actor: String?
    }

    struct FeedbackRequest: Decodable {
        var id: String
        var trueClass: TrueClass
        var source: String?

        enum CodingKeys: String, CodingKey {
            case id, source
            case trueClass = "class"
        }
    }

    struct QuarantineSummary: Codable {
        var scanID: String
        var at: Date
        var reason: String
        var queueID: String?
        var mailFrom: String?
        var recipients: [String]
        var releasedAt: Date?
        var tenants: [String]

        init(_ entry: QuarantineEntry) {
            scanID = entry.scanID
            at = entry.at
            reason = entry.reason
            queueID = entry.queueID
            mailFrom = entry.mailFrom
            recipients = entry.recipients
            releasedAt = entry.releasedAt
            tenants = entry.tenants
        }

        enum CodingKeys: String, CodingKey {
            case at, reason, recipients, tenants
            case scanID = "id"
            case queueID = "queue_id"
            case mailFrom = "mail_from"
            case releasedAt = "released_at"
        }
    }

    struct QuarantineDetail: Codable {
        var summary: QuarantineSummary
        var message: String?

        init(_ entry: QuarantineEntry) {
            summary = QuarantineSummary(entry)
            message = entry.raw.map { String(decoding: $0, as: UTF8.self) }
        }
    }

    // MARK: - Helpers

    /// Every engine of the running generation with its manifest facts and live figures.
    public func engines() -> [EngineView] {
        runtime.registry.snapshot.engines.map { registered in
            let m = registered.manifest
            return EngineView(
                name: m.name, adapter: m.adapter, state: m.state, weight: m.weight, timeoutMilliseconds: m.timeoutMilliseconds,
                onError: m.onError, removal: m.removal, status: registered.engine.status,
                statistics: supervisor.tracker.statistics(engine: m.name)
            )
        }
    }

    func ready() throws -> Response {
        let snapshot = runtime.registry.snapshot
        let ready = !snapshot.running.isEmpty
        let body = try Self.encoder.encode(["ready": ready ? "yes" : "no", "engines": "\(snapshot.running.count)", "generation": "\(snapshot.generation)"])
        return Response(status: ready ? .ok : .serviceUnavailable, headers: Self.jsonHeaders, body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    func feedback(_ body: () async throws -> EngineSupervisor.FeedbackResult) async throws -> EngineSupervisor.FeedbackResult {
        do {
            return try await body()
        } catch let error as EngineSupervisor.SupervisorError {
            throw HTTPError(.notFound, message: error.description)
        }
    }

    /// Releases a quarantined message for `caller` (through the release command), marks it released
    /// and records who did it; returns what the command printed.
    public func releaseQuarantined(_ id: String, caller: AdminCaller, actor: String) async throws -> String {
        guard let entry = try await supervisor.store.quarantined(scanID: id) else { throw HTTPError(.notFound, message: "no quarantined message \(id)") }
        try caller.requireSoleAccess(to: entry.tenants, "quarantined message \(id)")
        let output = try await release(entry)
        _ = try await supervisor.store.markReleased(scanID: id, at: Date())
        try await supervisor.store.recordQuarantineAction(QuarantineAction(scanID: id, kind: .release, actor: actor, detail: String(output.prefix(500))))
        logger.notice("quarantined message released", metadata: ["scan.id": "\(id)", "admin.actor": "\(actor)"])
        return output
    }

    /// Deletes a quarantined message's entry for `caller` and records who did it.
    public func deleteQuarantined(_ id: String, caller: AdminCaller, actor: String) async throws {
        if caller != .global {
            guard let entry = try await supervisor.store.quarantined(scanID: id) else { throw HTTPError(.notFound, message: "no quarantined message \(id)") }
            try caller.requireSoleAccess(to: entry.tenants, "quarantined message \(id)")
        }
        guard try await supervisor.store.deleteQuarantined(scanID: id) else { throw HTTPError(.notFound, message: "no quarantined message \(id)") }
        try await supervisor.store.recordQuarantineAction(QuarantineAction(scanID: id, kind: .delete, actor: actor))
        logger.notice("quarantined message deleted", metadata: ["scan.id": "\(id)", "admin.actor": "\(actor)"])
    }

    /// Releases a quarantined message: re-injected over SMTP from the store's copy when
    /// `release_smtp` is set (then `release_command`, if any, drops the MTA's held copy), otherwise
    /// through the release command (argument vector, no shell) acting on the MTA's hold queue.
    func release(_ entry: QuarantineEntry) async throws -> String {
        var output = ""
        if let address = settings.releaseSMTP, var smtp = SMTPReinjector(address: address) {
            smtp.helo = settings.releaseHelo
            guard let raw = entry.raw else {
                throw HTTPError(.conflict, message: "the store keeps no copy of this message (keep_quarantined_raw, quarantine_max_bytes or the quarantine key)")
            }
            do {
                output = try await smtp.send(raw, mailFrom: entry.mailFrom, recipients: entry.recipients)
            } catch {
                throw HTTPError(.badGateway, message: "re-injection to \(address) failed: \(error)")
            }
            logger.info("released message re-injected", metadata: ["scan.id": "\(entry.scanID)", "smtp.reply": "\(output)"])
            guard entry.queueID != nil else { return output }
        }
        guard let command = settings.releaseCommand, !command.isEmpty else { return output }
        guard let queueID = entry.queueID else { throw HTTPError(.conflict, message: "the entry has no MTA queue id to release") }
        let commandOutput: String = try await runtime.blocking.run {
            do {
                return try ExternalCommand(command).run(substitutions: ["queue_id": queueID])
            } catch {
                throw HTTPError(.badGateway, message: "release command failed: \(error)")
            }
        }
        return output.isEmpty ? commandOutput : output + "\n" + commandOutput
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }()

    static var jsonHeaders: HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return headers
    }

    static func json<T: Encodable>(_ value: T) throws -> Response {
        var data = try encoder.encode(value)
        data.append(0x0A)
        return Response(status: .ok, headers: jsonHeaders, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func decode<T: Decodable>(_ type: T.Type, _ request: Request, limit: Int) async throws -> T {
        var request = request
        let body = try await request.collectBody(upTo: limit)
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer: body))
        } catch {
            throw HTTPError(.badRequest, message: "invalid JSON body: \(error)")
        }
    }
}
