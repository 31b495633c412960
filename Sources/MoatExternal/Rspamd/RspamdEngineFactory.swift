import MoatCore

/// Builds `RspamdEngine`s from manifests with `adapter = "rspamd"`.
///
/// Options (defaults in brackets):
/// - `host` ["127.0.0.1"] and `port` [11333], or `socket`: rspamd's normal worker
/// - `path` ["/checkv2"], `password` [none]: sent as rspamd's `Password` header
/// - `max_connections` [4]: kept-alive connections
/// - `spam_category` ["spam"]: for reject, add header and rewrite subject
/// - `greylist_as` ["suspicious"], `soft_reject_as` ["clean"]: a category name, or "clean"
/// - `timeout_ms` [the manifest's], `retries` [1], `retry_backoff_ms` [100], `breaker_failures` [5],
///   `breaker_probe_ms` [30000]
public struct RspamdEngineFactory: EngineFactory {
    public init() {}

    public var adapter: String { "rspamd" }

    static let knownKeys: Set<String> = EngineOptions.resilienceKeys.union(EngineOptions.endpointKeys).union([
        "path", "password", "max_connections", "spam_category", "greylist_as", "soft_reject_as",
    ])

    public func makeEngine(_ manifest: EngineManifest, context: EngineBuildContext) async throws -> any ScanEngine {
        let reader = EngineOptions(manifest.options, context: context)
        try reader.rejectUnknown(Self.knownKeys)
        let path = try reader.string("path") ?? "/checkv2"
        guard path.hasPrefix("/"), !path.contains(where: { $0 == " " || $0.isNewline }) else {
            throw context.invalid("path", "expected an absolute HTTP path such as /checkv2")
        }
        let choices = ["clean"] + VerdictCategory.allCases.map(\.rawValue)
        func optionalCategory(_ key: String, _ fallback: String) throws -> VerdictCategory? {
            VerdictCategory(rawValue: try reader.choice(key, among: choices) ?? fallback)
        }
        return RspamdEngine(configuration: .init(
            endpoint: try reader.endpoint(defaultPort: 11333),
            path: path,
            password: try reader.string("password"),
            maxConnections: try reader.integer("max_connections", in: 1...256) ?? 4,
            timeout: try reader.timeout(manifest: manifest),
            actions: RspamdActionMap(spam: try (reader.choice("spam_category", VerdictCategory.self) ?? .spam),
                                     greylist: try optionalCategory("greylist_as", "suspicious"),
                                     softReject: try optionalCategory("soft_reject_as", "clean")),
            resilience: try reader.resilience()
        ))
    }
}
