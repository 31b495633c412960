import MoatDNS

/// SpamAssassin's URI block list rules (`Plugin/URIDNSBL.pm`): `eval:check_uridnsbl('NAME')` hits
/// when a domain or IP literal of the message's links is listed in the zone of the rule's
/// `urirhssub`/`urirhsbl` (the domain itself) or `uridnssub`/`uridnsbl` line (the addresses of its
/// name servers, or with tflags `a` of the domain). The answers are fetched before the rules run;
/// each distinct question is asked once per message, within the message's DNS budget.
struct URIDNSBL: Sendable {
    /// One rule's list, with the tflags that narrow what it is asked about.
    struct List: Sendable {
        var rule: URIListRule
        /// `domains_only` leaves out IP literals; `ips_only` leaves out domains.
        var domains = true
        var addresses = true
        /// tflags `a`: an address list checks the domain's own A records, not its name servers'.
        var ownRecords = false
    }

    /// Lists by rule name.
    var lists: [String: List] = [:]
    var skipDomains: Set<String> = []
    var maxDomains = 20
    var registry = RegistryBoundaries()

    static let evalName = "check_uridnsbl"

    /// The key of a rule's answers in the evals' `netAnswers`.
    static func answerKey(_ rule: String) -> String { "uri:" + rule }

    /// The eval for rule `name`, its subtest parsed once.
    static func function(_ name: String, subtest: String?) -> EvalLibrary.Function {
        let key = answerKey(name)
        guard let subtest else { return { ctx, _ in !(ctx.netAnswers[key] ?? []).isEmpty } }
        let parsed = RBLEvals.Subtest(subtest)
        return { ctx, _ in (ctx.netAnswers[key] ?? []).contains { parsed.matches($0) } }
    }

    /// The registrable domains (in order of appearance, skip list applied, at most `maxDomains`)
    /// and the public IPv4 literals of the links.
    func targets(_ uris: [[UInt8]]) -> (domains: [String], ips: [String]) {
        var domains: [String] = [], ips: [String] = []
        var seen = Set<String>()
        for uri in uris {
            guard let host = URIHost.of(uri), seen.insert(host).inserted else { continue }
            if IPAddress.v4(Substring(host)) != nil {
                if !ReceivedParser.privateIP.matches(host) { ips.append(host) }
                continue
            }
            guard domains.count < maxDomains, let domain = registry.trim(host), !skipDomains.contains(domain),
                  !domains.contains(domain) else { continue }
            domains.append(domain)
        }
        return (domains, ips)
    }

    /// Each rule's listing answers (`127.x.y.z` codes), keyed by ``answerKey(_:)``; `lists` holds
    /// A lists only (the rule set leaves the others out when it compiles).
    func answers(_ uris: [[UInt8]], dns: any DNSLookup) async -> [String: [String]] {
        let active = lists
        guard !active.isEmpty else { return [:] }
        let (domains, ips) = targets(uris)
        guard !domains.isEmpty || !ips.isEmpty else { return [:] }
        // Name servers or own addresses of each domain, for the address lists.
        let needNS = active.values.contains { $0.rule.kind == .address && !$0.ownRecords && $0.domains }
        let needOwn = active.values.contains { $0.rule.kind == .address && $0.ownRecords && $0.domains }
        let nsAddresses = needNS ? await nameServerAddresses(domains, dns: dns) : [:]
        let ownAddresses = needOwn ? await addresses(of: domains, dns: dns) : [:]
        // The questions each rule needs, and the distinct questions.
        var questions: [String: [String]] = [:]
        for (name, list) in active {
            var asked: [String] = []
            switch list.rule.kind {
            case .domain:
                if list.domains { asked += domains }
                if list.addresses { asked += ips.compactMap { IPAddress.v4(Substring($0)).map(IPAddress.reversed) } }
            case .address:
                var found: [String] = list.addresses ? ips : []
                if list.domains {
                    for domain in domains { found += (list.ownRecords ? ownAddresses[domain] : nsAddresses[domain]) ?? [] }
                }
                var seen = Set<String>()
                asked += found.filter { seen.insert($0).inserted && !ReceivedParser.privateIP.matches($0) }
                    .compactMap { IPAddress.v4(Substring($0)).map(IPAddress.reversed) }
            }
            questions[name] = asked.map { $0 + "." + list.rule.zone }
        }
        let distinct = Set(questions.values.joined())
        let codes = await withTaskGroup(of: (String, [String]).self) { group in
            for name in distinct {
                group.addTask { (name, await RBLEvals.listingCodes(name, dns: dns)) }
            }
            var codes: [String: [String]] = [:]
            for await (name, found) in group where !found.isEmpty { codes[name] = found }
            return codes
        }
        var answers: [String: [String]] = [:]
        for (rule, names) in questions {
            let found = names.flatMap { codes[$0] ?? [] }
            if !found.isEmpty { answers[Self.answerKey(rule)] = found }
        }
        return answers
    }

    /// The IPv4 addresses of each domain's A records.
    private func addresses(of domains: [String], dns: any DNSLookup) async -> [String: [String]] {
        await withTaskGroup(of: (String, [String]).self) { group in
            for domain in domains {
                group.addTask { (domain, await Self.ipv4(domain, dns: dns)) }
            }
            var out: [String: [String]] = [:]
            for await (domain, found) in group { out[domain] = found }
            return out
        }
    }

    /// The IPv4 addresses of each domain's name servers (at most four per domain, as a rule of
    /// thumb that bounds the queries one link can cost).
    private func nameServerAddresses(_ domains: [String], dns: any DNSLookup) async -> [String: [String]] {
        await withTaskGroup(of: (String, [String]).self) { group in
            for domain in domains {
                group.addTask {
                    let servers = await dns.lookup(domain, .ns).records.compactMap { record -> String? in
                        if case .ns(let host) = record { host } else { nil }
                    }
                    var found: [String] = []
                    for server in servers.prefix(4) { found += await Self.ipv4(server, dns: dns) }
                    return (domain, found)
                }
            }
            var out: [String: [String]] = [:]
            for await (domain, found) in group { out[domain] = found }
            return out
        }
    }

    private static func ipv4(_ name: String, dns: any DNSLookup) async -> [String] {
        await dns.lookup(name, .a).records.compactMap { record -> String? in
            if case .a(let address) = record { address } else { nil }
        }
    }
}
