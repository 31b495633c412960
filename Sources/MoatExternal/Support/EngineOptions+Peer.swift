import MoatCore

/// The options every adapter of a network peer shares, read the same way by each.
extension EngineOptions {
    /// `timeout_ms`, `retries`, `retry_backoff_ms`, `breaker_failures`, `breaker_probe_ms`.
    static let resilienceKeys: Set<String> = ["timeout_ms", "retries", "retry_backoff_ms", "breaker_failures", "breaker_probe_ms"]
    /// How a TCP or Unix peer is named: `host` + `port`, or `socket`.
    static let endpointKeys: Set<String> = ["host", "port", "socket"]

    /// The adapter's own I/O bound (`timeout_ms`), defaulting to the manifest's scan deadline.
    func timeout(manifest: EngineManifest) throws(ConfigurationError) -> Duration {
        .milliseconds(try integer("timeout_ms", in: 1...3_600_000) ?? manifest.timeoutMilliseconds)
    }

    /// `retries` (1), `retry_backoff_ms` (100), `breaker_failures` (5, 0 = never open),
    /// `breaker_probe_ms` (30000).
    func resilience() throws(ConfigurationError) -> ResilienceSettings {
        var settings = ResilienceSettings()
        if let retries = try integer("retries", in: 0...10) { settings.retries = retries }
        if let backoff = try integer("retry_backoff_ms", in: 0...60_000) { settings.backoff = .milliseconds(backoff) }
        if let failures = try integer("breaker_failures", in: 0...1000) { settings.breakerFailures = failures }
        if let probe = try integer("breaker_probe_ms", in: 1...3_600_000) { settings.breakerProbe = .milliseconds(probe) }
        return settings
    }

    /// `socket` (absolute Unix socket path) or `host` (default 127.0.0.1) and `port` (default `defaultPort`).
    func endpoint(defaultPort: Int) throws(ConfigurationError) -> PeerEndpoint {
        if let socket = try string("socket") {
            guard options["host"] == nil, options["port"] == nil else {
                throw context.invalid("socket", "set either socket or host and port, not both")
            }
            guard socket.hasPrefix("/") else { throw context.invalid("socket", "expected an absolute path") }
            return .unix(path: socket)
        }
        let host = try string("host") ?? "127.0.0.1"
        guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "/" }) else {
            throw context.invalid("host", "expected a host name or address")
        }
        return .tcp(host: host, port: try integer("port", in: 1...65535) ?? defaultPort)
    }
}
