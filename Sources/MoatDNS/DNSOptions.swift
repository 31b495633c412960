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
        if let value = options["dns_servers"] {
            guard case .array(let items) = value else { throw context.invalid("dns_servers", "expected an array of addresses ([] for the system resolver)") }
            servers = try items.map { item in
                guard let text = item.stringValue, !text.isEmpty else { throw context.invalid("dns_servers", "expected address strings") }
                return text
            }
        }
        if let value = options["dns_timeout_ms"] {
            guard let n = value.intValue, n > 0, n <= 60_000 else { throw context.invalid("dns_timeout_ms", "expected 1...60000") }
            timeout = .milliseconds(n)
        }
        if let value = options["max_dns_queries"] {
            guard let n = value.intValue, n > 0 else { throw context.invalid("max_dns_queries", "expected a positive integer") }
            maxQueries = n
        }
    }

    /// The resolver these options describe (`.system` when `servers` is nil or empty).
    public func makeResolver() throws -> UnboundResolver {
        try UnboundResolver(upstream: (servers ?? []).isEmpty ? .system : .forwarders(servers ?? []), timeout: timeout)
    }
}
