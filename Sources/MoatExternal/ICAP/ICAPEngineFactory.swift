import MoatCore

/// Builds `ICAPEngine`s from manifests with `adapter = "icap"`.
///
/// Options (defaults in brackets):
/// - `host` ["127.0.0.1"] and `port` [1344], or `socket` (a Unix socket path)
/// - `service` ["avscan"]: the service path, as in `icap://host:port/avscan`
/// - `mode` ["message"]: `"message"` sends the raw message, `"attachments"` each decoded attachment
/// - `max_connections` [4]: pooled connections, further capped by the server's `Max-Connections`
/// - `options_ttl` [the server's `Options-TTL`, else 3600]: seconds an OPTIONS answer is trusted
/// - `preview` [true]: send a preview when the service asks for one
/// - `category` ["malware"], `score` [10]
/// - `timeout_ms` [the manifest's `timeout_ms`]: bound on one exchange (connect, send, answer)
/// - `retries` [1], `retry_backoff_ms` [100], `breaker_failures` [5], `breaker_probe_ms` [30000]
///
/// Building does no network I/O; the first scan fetches OPTIONS.
public struct ICAPEngineFactory: EngineFactory {
    public init() {}

    public var adapter: String { "icap" }

    static let knownKeys: Set<String> = EngineOptions.resilienceKeys.union(EngineOptions.endpointKeys).union([
        "service", "mode", "max_connections", "options_ttl", "preview", "category", "score",
    ])

    public func makeEngine(_ manifest: EngineManifest, context: EngineBuildContext) async throws -> any ScanEngine {
        let reader = EngineOptions(manifest.options, context: context)
        try reader.rejectUnknown(Self.knownKeys)
        let service = try reader.string("service") ?? "avscan"
        guard !service.isEmpty, service.allSatisfy({ $0.isLetter || $0.isNumber || "-_./?=&%".contains($0) }), !service.hasPrefix("/") else {
            throw context.invalid("service", "expected a service path such as \"avscan\" (no leading slash, no spaces)")
        }
        let configuration = ICAPEngine.Configuration(
            endpoint: try reader.endpoint(defaultPort: 1344),
            service: service,
            attachmentsOnly: try (reader.choice("mode", among: ["message", "attachments"]) ?? "message") == "attachments",
            timeout: try reader.timeout(manifest: manifest),
            maxConnections: try reader.integer("max_connections", in: 1...256) ?? 4,
            optionsTTL: try reader.integer("options_ttl", in: 1...86_400 * 7).map { .seconds($0) },
            usePreview: try reader.bool("preview") ?? true,
            category: try (reader.choice("category", VerdictCategory.self) ?? .malware),
            score: try reader.number("score", in: 0...1000) ?? 10,
            resilience: try reader.resilience()
        )
        return ICAPEngine(configuration: configuration)
    }
}
