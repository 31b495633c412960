import MoatCore

/// Builds `ClamdEngine`s from manifests with `adapter = "clamd"`.
///
/// Options (defaults in brackets):
/// - `socket` (clamd's LocalSocket), or `host` ["127.0.0.1"] and `port` [3310] (its TCPSocket)
/// - `chunk_size` [65536]: INSTREAM chunk bytes
/// - `signature_score` [10], `heuristic_score` [3], `limit_score` [1]; which heuristics clamd
///   raises is set in clamd.conf, not here
/// - `timeout_ms` [the manifest's], `retries` [1], `retry_backoff_ms` [100], `breaker_failures` [5],
///   `breaker_probe_ms` [30000]
public struct ClamdEngineFactory: EngineFactory {
    public init() {}

    public var adapter: String { "clamd" }

    static let knownKeys: Set<String> = EngineOptions.resilienceKeys.union(EngineOptions.endpointKeys).union([
        "chunk_size", "signature_score", "heuristic_score", "limit_score",
    ])

    public func makeEngine(_ manifest: EngineManifest, context: EngineBuildContext) async throws -> any ScanEngine {
        let reader = EngineOptions(manifest.options, context: context)
        try reader.rejectUnknown(Self.knownKeys)
        return ClamdEngine(configuration: .init(
            endpoint: try reader.endpoint(defaultPort: 3310),
            timeout: try reader.timeout(manifest: manifest),
            chunkSize: try reader.integer("chunk_size", in: 1024...(16 << 20)) ?? 64 * 1024,
            signatureScore: try reader.number("signature_score", in: 0...1000) ?? 10,
            heuristicScore: try reader.number("heuristic_score", in: 0...1000) ?? 3,
            limitScore: try reader.number("limit_score", in: 0...1000) ?? 1,
            resilience: try reader.resilience()
        ))
    }
}
