import Logging
import MoatCore
import MoatMessage
import Synchronization

/// Scans messages or attachments with an ICAP service (RFC 3507 RESPMOD), e.g. c-icap's virus_scan.
///
/// The service's OPTIONS answer (preview size, `Allow: 204`, `ISTag`, `Max-Connections`) is cached
/// and fetched again after its TTL or when a RESPMOD answer carries a different ISTag. Content is
/// sent as an encapsulated `HTTP/1.1 200 OK` response with a chunked body, in a preview first when
/// the service asks for one; connections are kept alive and pooled up to `Max-Connections`. Threat
/// names from `X-Infection-Found`, `X-Violations-Found` or `X-Virus-ID`, or a replaced or modified
/// response, make a detection; any transport or service failure throws (an `error` verdict).
public final class ICAPEngine: ScanEngine {
    /// Everything the factory validated.
    struct Configuration: Sendable {
        var endpoint: PeerEndpoint
        var service: String
        var attachmentsOnly: Bool
        var timeout: Duration
        var maxConnections: Int
        /// Overrides the server's `Options-TTL` when set.
        var optionsTTL: Duration?
        var usePreview: Bool
        var category: VerdictCategory
        var score: Double
        var resilience: ResilienceSettings
    }

    private struct CachedOptions {
        var options: ICAPServiceOptions
        var fetched: ContinuousClock.Instant
    }

    let configuration: Configuration
    private let pool: ConnectionPool
    private let peerGuard: PeerGuard
    private let cache = Mutex<CachedOptions?>(nil)
    private let lastISTag = Mutex<String?>(nil)
    private let uri: String

    init(configuration: Configuration) {
        self.configuration = configuration
        self.pool = ConnectionPool(endpoint: configuration.endpoint, limit: configuration.maxConnections)
        self.peerGuard = PeerGuard(peer: "icap://\(configuration.endpoint.authority)/\(configuration.service)",
                                   settings: configuration.resilience)
        self.uri = "icap://\(configuration.endpoint.authority)/\(configuration.service)"
    }

    public func scan(_ input: ScanInput, context: ScanContext) async throws -> EngineReport {
        let subjects = ScanSubject.subjects(of: input.message, attachmentsOnly: configuration.attachmentsOnly)
        guard !subjects.isEmpty else { return .clean }
        let findings: [Finding] = try await peerGuard.run {
            var findings: [Finding] = []
            for subject in subjects {
                let options = try await self.serviceOptions()
                let answer = try await self.pool.withSocket(timeout: self.configuration.timeout) { socket in
                    let answer = try await ICAPExchange.respmod(on: socket, uri: self.uri, subject: subject, options: options,
                                                          usePreview: self.configuration.usePreview)
                    return (answer, answer.keepAlive)
                }
                if let istag = answer.head["ISTag"], istag != options.istag {
                    context.logger.info("ICAP service tag changed; options will be fetched again",
                                        metadata: ["icap.istag": "\(istag)", "scan.id": "\(input.id)"])
                    self.cache.withLock { $0 = nil }
                }
                guard let verdict = ICAPVerdict.interpret(answer, original: subject.bytes) else {
                    throw ExternalError.peerFailure(peer: self.uri, reason: "RESPMOD: \(answer.head.startLine)")
                }
                if case .infected(let threats) = verdict {
                    findings += threats.map {
                        Finding(code: "icap.threat", detail: $0, score: self.configuration.score, partPath: subject.partPath)
                    }
                }
            }
            return findings
        }
        guard !findings.isEmpty else { return .clean }
        return EngineReport(category: configuration.category, score: configuration.score, findings: findings)
    }

    /// The cached OPTIONS answer, fetched first when missing or older than its TTL.
    func serviceOptions() async throws -> ICAPServiceOptions {
        let now = ContinuousClock.now
        if let cached = cache.withLock({ $0 }) {
            let ttl = configuration.optionsTTL ?? .seconds(cached.options.ttl ?? 3600)
            if now - cached.fetched < ttl { return cached.options }
        }
        let uri = self.uri
        let options = try await pool.withSocket(timeout: configuration.timeout) { socket in
            let (options, keepAlive) = try await ICAPExchange.options(on: socket, uri: uri)
            return (options, keepAlive)
        }
        guard options.methods.contains("RESPMOD") else {
            throw ExternalError.peerFailure(peer: uri, reason: "service does not offer RESPMOD (Methods: \(options.methods.joined(separator: ", ")))")
        }
        pool.setLimit(min(configuration.maxConnections, options.maxConnections ?? configuration.maxConnections))
        let changed = lastISTag.withLock { last in
            defer { last = options.istag }
            return last != nil && last != options.istag
        }
        if changed { pool.drain() }
        cache.withLock { $0 = CachedOptions(options: options, fetched: now) }
        return options
    }

    /// Forgets the cached OPTIONS answer so the next scan asks the service again.
    public func refresh() async throws {
        cache.withLock { $0 = nil }
    }

    public var status: [String: String] {
        var status = peerGuard.status
        status["service"] = uri
        status["mode"] = configuration.attachmentsOnly ? "attachments" : "message"
        status["connections_max"] = "\(pool.limit)"
        if let cached = cache.withLock({ $0 }) {
            status["istag"] = cached.options.istag ?? "none"
            status["server"] = cached.options.service ?? "unknown"
            status["preview"] = cached.options.preview.map(String.init) ?? "none"
            status["allow_204"] = "\(cached.options.allows204)"
        } else if let istag = lastISTag.withLock({ $0 }) {
            status["istag"] = istag
        }
        return status
    }
}
