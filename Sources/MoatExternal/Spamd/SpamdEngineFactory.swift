import MoatCore

/// Builds `SpamdEngine`s from manifests with `adapter = "spamd"`.
///
/// Options (defaults in brackets):
/// - `host` ["127.0.0.1"] and `port` [783], or `socket` (spamd's `--socketpath`)
/// - `command` ["symbols"]: `"symbols"` (rule names) or `"report"` (rules with their points)
/// - `user` [none]: the `User` header, for spamd's per-user preferences
/// - `max_size` [512000]: larger messages are not sent (spamc's default limit)
/// - `category` ["spam"]
/// - `timeout_ms` [the manifest's], `retries` [1], `retry_backoff_ms` [100], `breaker_failures` [5],
///   `breaker_probe_ms` [30000]
public struct SpamdEngineFactory: EngineFactory {
    public init() {}

    public var adapter: String { "spamd" }

    static let knownKeys: Set<String> = EngineOptions.resilienceKeys.union(EngineOptions.endpointKeys).union([
        "command", "user", "max_size", "category",
    ])

    public func makeEngine(_ manifest: EngineManifest, context: EngineBuildContext) async throws -> any ScanEngine {
        let reader = EngineOptions(manifest.options, context: context)
        try reader.rejectUnknown(Self.knownKeys)
        let user = try reader.string("user")
        if let user, user.isEmpty || user.contains(where: { $0.isNewline || $0 == "\r" }) {
            throw context.invalid("user", "expected a user name")
        }
        let command = try (reader.choice("command", among: ["symbols", "report"]) ?? "symbols")
        return SpamdEngine(configuration: .init(
            endpoint: try reader.endpoint(defaultPort: 783),
            command: command == "report" ? .report : .symbols,
            user: user,
            maxSize: try reader.integer("max_size", in: 1...(256 << 20)) ?? 512_000,
            timeout: try reader.timeout(manifest: manifest),
            category: try (reader.choice("category", VerdictCategory.self) ?? .spam),
            resilience: try reader.resilience()
        ))
    }
}
