import MoatCore

/// The DNS keys an engine manifest may carry (`dns_servers`, `dns_timeout_ms`,
/// `max_dns_queries`), read one way for every engine that asks DNS (auth, spam).
public struct DNSOptions: Sendable, Hashable {
    /// nil: the key is absent; empty: the system resolver; else `address` or `address@port` forwarders.
    public var servers: [String]?
    public var timeout: Duration = .seconds(2)
    public var maxQueries: Int

    public static let keys: Set<String> = ["dns_servers", "dns_timeout_ms", "max_dns_queries"]

    public init(servers: [String]? = nil, timeout: Duration = .seconds(2), maxQueries: Int) {
        self.servers = servers
        self.timeout = timeout
        self.maxQueries = maxQueries
    }

    /// Reads the keys from `options`, keeping `defaults` for those absent.
    public init(_ options: [String: ConfigValue], context: EngineBuildContext, defaults: DNSOptions) throws {
        self = defaults
        let reader = EngineOptions(options, context: context)
        if let list = try reader.strings("dns_servers") {
            guard !list.contains("") else { throw context.invalid("dns_servers", "expected address strings ([] for the system resolver)") }
            servers = list
        }
        if let milliseconds = try reader.integer("dns_timeout_ms", in: 1...60_000) { timeout = .milliseconds(milliseconds) }
        maxQueries = try reader.integer("max_dns_queries", in: 1...Int.max) ?? maxQueries
    }

    /// The resolver these options describe (`.system` when `servers` is nil or empty).
    public func makeResolver() throws -> UnboundResolver {
        try UnboundResolver(upstream: (servers ?? []).isEmpty ? .system : .forwarders(servers ?? []), timeout: timeout)
    }
}
