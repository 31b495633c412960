import MoatCore

/// Builds `ClamdEngine`s from manifests with `adapter = "clamd"`.
///
/// Options: `socket` (Unix socket path) or `host` + `port` (TCP), `timeout_ms` (default 30000),
/// `chunk_size` (INSTREAM chunk bytes, default 65536), `signature_score` (10), `heuristic_score` (3),
/// `limit_score` (1). Which heuristics clamd raises is set in clamd.conf, not here.
public struct ClamdEngineFactory: EngineFactory {
    public init() {}

    public var adapter: String { "clamd" }

    static let knownKeys: Set<String> = ["socket", "host", "port", "timeout_ms", "chunk_size", "signature_score", "heuristic_score", "limit_score"]

    public func makeEngine(_ manifest: EngineManifest, context: EngineBuildContext) async throws -> any ScanEngine {
        let options = manifest.options
        let reader = OptionReader(options: options, context: context)
        try reader.rejectUnknown(Self.knownKeys)
        let endpoint: ClamdEndpoint
        switch (options["socket"], options["host"]) {
        case (let socket?, nil):
            guard let path = socket.stringValue, path.hasPrefix("/") else {
                throw context.invalid("socket", "expected an absolute path to clamd's LocalSocket")
            }
            endpoint = .unix(path: path)
        case (nil, let host?):
            guard let name = host.stringValue, !name.isEmpty else { throw context.invalid("host", "expected a host name or address") }
            guard let port = try reader.count("port", range: 1...65535) else {
                throw context.invalid("port", "required with host (clamd's TCPSocket, usually 3310)")
            }
            endpoint = .tcp(host: name, port: port)
        case (nil, nil):
            throw context.invalid("socket", "set socket (Unix) or host and port (TCP)")
        case (.some, .some):
            throw context.invalid("host", "set either socket or host, not both")
        }
        let timeout = try reader.count("timeout_ms", range: 1...3_600_000) ?? 30_000
        let chunkSize = try reader.count("chunk_size", range: 1024...(16 << 20)) ?? 64 * 1024
        return ClamdEngine(endpoint: endpoint, timeout: .milliseconds(timeout), chunkSize: chunkSize,
                           signatureScore: try reader.score("signature_score") ?? 10,
                           heuristicScore: try reader.score("heuristic_score") ?? 3,
                           limitScore: try reader.score("limit_score") ?? 1)
    }
}
