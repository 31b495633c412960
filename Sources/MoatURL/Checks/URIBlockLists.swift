import MoatCore
import MoatDNS

/// URI DNS block lists (URIBL, SURBL, Spamhaus DBL style): the registrable domain of every link is
/// asked of each list as `<domain>.<zone>`, and an answer in 127.0.0.0/8 with a documented code
/// lists it. The registrable domain is what these lists hold (`login.paypal.example.co.uk` is
/// asked as `example.co.uk`), taken from the public suffix list the normaliser already uses.
public final class URIBlockLists: Sendable {
    public let lists: [DNSListZone]
    /// Distinct domains asked per message (the rest are not asked: a finding says so).
    public let maxDomains: Int
    private let resolver: UnboundResolver
    private let maxQueries: Int

    public init(lists: [DNSListZone], dns: DNSOptions, maxDomains: Int) throws {
        self.lists = lists
        self.maxDomains = maxDomains
        maxQueries = dns.maxQueries
        resolver = try dns.makeResolver()
    }

    deinit { resolver.shutdown() }

    /// Findings for the links of one message: `url.uribl_listed` (the list's score once per list),
    /// `url.uribl_temperror` when a list could not be asked, `url.uribl_limit` when domains were left out.
    public func findings(for urls: [ExtractedURL]) async -> [Finding] {
        var domains: [String] = []
        var seen: Set<String> = []
        for url in urls where !url.isIPHost {
            let domain = (url.registrableDomain ?? url.host).lowercased()
            guard !domain.isEmpty, seen.insert(domain).inserted else { continue }
            domains.append(domain)
        }
        var findings: [Finding] = []
        if domains.count > maxDomains {
            findings.append(Finding(code: "url.uribl_limit", detail: "\(domains.count) link domains; the first \(maxDomains) asked (max_uribl_domains)"))
            domains = Array(domains.prefix(maxDomains))
        }
        let dns = BudgetedLookup(resolver, limit: maxQueries)
        let answers = await withTaskGroup(of: (Int, String, DNSAnswer).self) { group in
            for (index, list) in lists.enumerated() {
                for domain in domains {
                    group.addTask { (index, domain, await dns.lookup(domain + "." + list.zone, .a)) }
                }
            }
            var all: [(Int, String, DNSAnswer)] = []
            for await answer in group { all.append(answer) }
            return all.sorted { ($0.0, $0.1) < ($1.0, $1.1) }
        }
        var scored: Set<Int> = []
        for (index, domain, answer) in answers {
            let list = lists[index]
            switch answer {
            case .records:
                guard let meanings = list.listed(answer) else { continue }
                findings.append(Finding(code: "url.uribl_listed", detail: "\(domain) listed in \(list.zone) (\(meanings))",
                                        score: scored.insert(index).inserted ? list.score : 0))
            case .nxdomain, .noData:
                continue
            case .failure, .timedOut, .budgetExhausted:
                findings.append(Finding(code: "url.uribl_temperror", detail: "\(list.zone) for \(domain): \(answer)"))
            }
        }
        return findings
    }
}
