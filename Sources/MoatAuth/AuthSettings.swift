import Foundation
import MoatCore
import MoatDNS

/// The `auth` adapter's options, validated once when the engine is built; unknown keys are refused.
public struct AuthSettings: Sendable {
    /// What a DMARC failure under `p=reject` or `p=quarantine` does.
    public enum DMARCMode: String, Sendable, CaseIterable {
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
        "dmarc_fail": 2.0, "dmarc_pass": -0.5, "arc_fail": 0.3,
    ]

    /// Every finding code a `scores` key may name, so a typo is refused rather than weighing 0.
    static var scoredCodes: Set<String> {
        var codes: Set<String> = ["dns_budget"]
        for result in SPFResult.allCases { codes.insert("spf_" + result.rawValue) }
        for status in DKIMResult.Status.allCases { codes.insert("dkim_" + status.rawValue) }
        for result in DMARCEvaluator.Result.allCases { codes.insert("dmarc_" + result.rawValue) }
        for status in ARCChainStatus.allCases { codes.insert("arc_" + status.rawValue) }
        return codes
    }

    /// A DNS block list (RFC 5782): an IP list queried with the client's reversed address, or a
    /// domain list queried with the sender's and author's registrable domains.
    public struct BlockList: Sendable, Hashable {
        public enum Kind: String, Sendable { case ip, domain }
        public var list: DNSListZone
        public var kind: Kind

        public init(zone: String, kind: Kind, score: Double, codes: [String: String]) {
            list = DNSListZone(zone: zone, score: score, codes: codes)
            self.kind = kind
        }

        public init(_ list: DNSListZone, kind: Kind) {
            self.list = list
            self.kind = kind
        }
    }

    public var blockLists: [BlockList] = []
    /// ARC sealing of delivered mail (RFC 8617): nil leaves mail unsealed.
    public var arcSealer: ARCSealer?

    public init() {}

    /// The DNS settings as `DNSOptions` (no servers: the system resolver).
    public var dnsOptions: DNSOptions { DNSOptions(servers: dnsServers, timeout: dnsTimeout, maxQueries: maxDNSQueries) }

    public init(options: [String: ConfigValue], context: EngineBuildContext) throws {
        let reader = EngineOptions(options, context: context)
        try reader.rejectUnknown(DNSOptions.keys.union(["authserv_id", "public_suffix_list", "dmarc_policy", "scores", "dnsbl", "arc_seal"]))
        if let value = options["authserv_id"] {
            guard let text = value.stringValue, !text.isEmpty, !text.contains(where: { $0 == ";" || $0.isWhitespace }) else {
                throw context.invalid("authserv_id", "expected a host name without spaces or ';'")
            }
            authservID = text
        }
        let dns = try DNSOptions(options, context: context, defaults: dnsOptions)
        dnsServers = dns.servers ?? []
        dnsTimeout = dns.timeout
        maxDNSQueries = dns.maxQueries
        publicSuffixList = try reader.nonEmptyString("public_suffix_list") ?? publicSuffixList
        dmarcMode = try reader.choice("dmarc_policy", DMARCMode.self) ?? dmarcMode
        if let value = options["dnsbl"] {
            for (list, table) in try DNSListZone.entries(value, key: "dnsbl", context: context, extra: ["kind"]) {
                var kind = BlockList.Kind.ip
                if let text = table["kind"] {
                    guard let value = text.stringValue, let parsed = BlockList.Kind(rawValue: value) else {
                        throw context.invalid("dnsbl.kind", "expected \"ip\" or \"domain\"")
                    }
                    kind = parsed
                }
                blockLists.append(BlockList(list, kind: kind))
            }
        }
        if let value = options["arc_seal"] {
            guard case .table(let table) = value, let domain = table["domain"]?.stringValue, let selector = table["selector"]?.stringValue,
                  let keyFile = table["key_file"]?.stringValue else {
                throw context.invalid("arc_seal", "expected { domain = \"...\", selector = \"...\", key_file = \"...\" }")
            }
            let path = context.resolve(keyFile)
            guard let pem = try? String(contentsOfFile: path, encoding: .utf8) else { throw context.invalid("arc_seal.key_file", "cannot read \(path)") }
            do {
                arcSealer = try ARCSealer(domain: domain.lowercased(), selector: selector.lowercased(), authservID: authservID, pem: pem)
            } catch {
                throw context.invalid("arc_seal.key_file", "\(error)")
            }
        }
        scores.merge(try reader.weights("scores", known: Self.scoredCodes, in: -1000...1000)) { $1 }
    }
}
