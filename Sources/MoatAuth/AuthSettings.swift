import Foundation
import MoatCore

/// The `auth` adapter's options, validated once when the engine is built; unknown keys are refused.
public struct AuthSettings: Sendable {
    /// What a DMARC failure under `p=reject` or `p=quarantine` does.
    public enum DMARCMode: String, Sendable {
        /// The domain's policy is the engine's requested action (reject or quarantine).
        case honour
        /// A `policy` detection that only tags.
        case tag
        /// Reported, not acted on.
        case ignore
    }

    /// The authserv-id in `Authentication-Results` (RFC 8601 2.5): this gateway's name.
    public var authservID = ProcessInfo.processInfo.hostName
    /// Upstream DNS servers (`address` or `address@port`); empty: the system resolver.
    public var dnsServers: [String] = []
    public var dnsTimeout: Duration = .seconds(2)
    /// Queries one message may cause (SPF includes, DKIM keys, DMARC records).
    public var maxDNSQueries = 30
    public var publicSuffixList = "url/public_suffix_list.dat"
    public var dmarcMode = DMARCMode.honour
    /// Finding weights by code (`spf_fail`, `dkim_pass`, `dmarc_fail`...); unlisted codes weigh 0.
    public var scores: [String: Double] = [
        "spf_fail": 1.0, "spf_softfail": 0.5, "spf_permerror": 0.3, "spf_pass": -0.2,
        "dkim_fail": 1.0, "dkim_pass": -0.2, "dkim_permerror": 0.2,
        "dmarc_fail": 2.0, "dmarc_pass": -0.5,
    ]

    public init() {}

    public init(options: [String: ConfigValue], context: EngineBuildContext) throws {
        let known: Set<String> = ["authserv_id", "dns_servers", "dns_timeout_ms", "max_dns_queries", "public_suffix_list", "dmarc_policy", "scores"]
        if let unknown = options.keys.sorted().first(where: { !known.contains($0) }) {
            throw context.invalid(unknown, "unknown option (known: \(known.sorted().joined(separator: ", ")))")
        }
        if let value = options["authserv_id"] {
            guard let text = value.stringValue, !text.isEmpty, !text.contains(where: { $0 == ";" || $0.isWhitespace }) else {
                throw context.invalid("authserv_id", "expected a host name without spaces or ';'")
            }
            authservID = text
        }
        if let value = options["dns_servers"] {
            guard case .array(let items) = value else { throw context.invalid("dns_servers", "expected an array of addresses") }
            dnsServers = try items.map { item in
                guard let text = item.stringValue, !text.isEmpty else { throw context.invalid("dns_servers", "expected address strings") }
                return text
            }
        }
        if let value = options["dns_timeout_ms"] {
            guard let n = value.intValue, n > 0, n <= 60_000 else { throw context.invalid("dns_timeout_ms", "expected 1...60000") }
            dnsTimeout = .milliseconds(n)
        }
        if let value = options["max_dns_queries"] {
            guard let n = value.intValue, n > 0 else { throw context.invalid("max_dns_queries", "expected a positive integer") }
            maxDNSQueries = n
        }
        if let value = options["public_suffix_list"] {
            guard let path = value.stringValue, !path.isEmpty else { throw context.invalid("public_suffix_list", "expected a file path") }
            publicSuffixList = path
        }
        if let value = options["dmarc_policy"] {
            guard let text = value.stringValue, let mode = DMARCMode(rawValue: text) else {
                throw context.invalid("dmarc_policy", "expected \"honour\", \"tag\" or \"ignore\"")
            }
            dmarcMode = mode
        }
        if let value = options["scores"] {
            guard case .table(let table) = value else { throw context.invalid("scores", "expected a table") }
            for (key, v) in table {
                guard let n = v.doubleValue else { throw context.invalid("scores.\(key)", "expected a number") }
                scores[key] = n
            }
        }
    }
}
