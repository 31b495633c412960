import MoatCore
import MoatDNS

/// The `[options]` of a spam engine manifest, with defaults.
public struct SpamOptions: Sendable, Hashable {
    /// Rule files or directories, in load order (relative paths resolve against the rules directory).
    public var rules: [String] = ["/usr/share/spamassassin", "spam"]
    /// SQLite file for Bayes tokens (nil: Bayes off).
    public var bayesPath: String?
    /// Score at or above which the message is spam; overrides `required_score` from the rule files.
    public var requiredScore: Double = 5.0
    /// Body bytes scanned at most; a longer body is scanned in part and reported.
    public var maxBodyBytes: Int = 512 * 1024
    public var useBayes = true
    /// Seconds the Bayes store's cached counts answer before it asks SQLite whether another process
    /// trained it (`BayesStore.recheckInterval`; 0: every message).
    public var bayesRecheckSeconds: Double = 1
    /// A seed file (`moat bayes export`) loaded into the store while it has learned nothing, so a
    /// fresh gateway's Bayes votes from its first message (nil: start empty).
    public var bayesSeed: String?
    /// Directory for compiled Hyperscan databases, reused while the rules are unchanged
    /// (nil: compile at every load, which takes tens of seconds for the stock rules).
    public var cacheDirectory: String?
    /// DNS for SpamAssassin's DNS block list rules (`check_rbl`, `check_rbl_sub`): nil keeps them
    /// skipped (offline, score sets 0 and 2); a list (empty: the system resolver) runs them and
    /// scores with sets 1 and 3, as SpamAssassin does with network tests on.
    public var dnsServers: [String]?
    public var dnsTimeout: Duration = .seconds(2)
    public var maxDNSQueries = 50

    public init() {}

    /// Reads options, resolving paths; throws `ConfigurationError` naming the key.
    public init(_ options: [String: ConfigValue], context: EngineBuildContext) throws {
        let reader = EngineOptions(options, context: context)
        try reader.rejectUnknown(DNSOptions.keys.union(["rules", "bayes_path", "bayes_seed", "required_score", "max_body_bytes", "use_bayes", "bayes_recheck_seconds", "cache_dir"]))
        if let list = try reader.strings("rules") {
            guard !list.isEmpty, !list.contains("") else { throw context.invalid("rules", "expected a list of paths") }
            rules = list
        }
        rules = rules.map { context.resolve($0) }
        // State, not rules: relative to the daemon's working directory, like the store.
        bayesPath = try reader.nonEmptyString("bayes_path") ?? bayesPath
        // Relative to the working directory, like bayes_path; "" means no seed.
        if let seed = try reader.string("bayes_seed") { bayesSeed = seed.isEmpty ? nil : seed }
        requiredScore = try reader.number("required_score", in: -1000...1000) ?? requiredScore
        maxBodyBytes = try reader.integer("max_body_bytes", in: 1...Int.max) ?? maxBodyBytes
        useBayes = try reader.bool("use_bayes") ?? useBayes
        bayesRecheckSeconds = try reader.number("bayes_recheck_seconds", in: 0...3600) ?? bayesRecheckSeconds
        cacheDirectory = try reader.nonEmptyString("cache_dir") ?? cacheDirectory
        let dns = try DNSOptions(options, context: context, defaults: DNSOptions(servers: dnsServers, timeout: dnsTimeout, maxQueries: maxDNSQueries))
        dnsServers = dns.servers
        dnsTimeout = dns.timeout
        maxDNSQueries = dns.maxQueries
    }
}
