import MoatDNS

/// RFC 7489 DMARC: finds the From domain's policy (at the domain, else at its organisational
/// domain), checks SPF and DKIM alignment, and says which policy applies to a failing message.
public struct DMARCEvaluator: Sendable {
    public var dns: any DNSLookup
    /// The registrable (organisational) domain of a host, from the public suffix list.
    public var organizationalDomain: @Sendable (String) -> String?

    public init(dns: any DNSLookup, organizationalDomain: @escaping @Sendable (String) -> String?) {
        self.dns = dns
        self.organizationalDomain = organizationalDomain
    }

    public enum Result: String, Sendable, Hashable, CaseIterable {
        case pass, fail, none, temperror, permerror
    }

    public struct Outcome: Sendable, Hashable {
        public var result: Result
        /// The RFC5322.From domain.
        public var domain: String?
        /// The policy that applies to this message (`sp` for subdomains), when a record was found.
        public var policy: DMARCRecord.Policy?
        /// Whether `pct` sampling selected this message for the policy (always true at 100).
        public var sampled = true
        public var reason: String
    }

    /// Evaluates `fromDomain` with the SPF outcome (for the MAIL FROM domain) and the DKIM results.
    /// `sample` is a number in 0..<100 drawn per message (stable for one message), for `pct`.
    public func evaluate(fromDomain: String?, spf: SPFOutcome?, spfDomain: String?, dkim: [DKIMResult], sample: Int) async -> Outcome {
        guard let fromDomain, !fromDomain.isEmpty else {
            return Outcome(result: .none, domain: nil, reason: "no single From domain")
        }
        let domain = fromDomain.lowercased()
        let organizational = organizationalDomain(domain) ?? domain
        var found = await record(at: "_dmarc." + domain)
        var atOrganizational = false
        if case .missing = found, organizational != domain {
            found = await record(at: "_dmarc." + organizational)
            atOrganizational = true
        }
        let record: DMARCRecord
        switch found {
        case .missing: return Outcome(result: .none, domain: domain, reason: "no DMARC record")
        case .temporary(let why): return Outcome(result: .temperror, domain: domain, reason: why)
        case .found(let r): record = r
        }
        func aligned(_ other: String, strict: Bool) -> Bool {
            let other = other.lowercased()
            if strict { return other == domain }
            return (organizationalDomain(other) ?? other) == organizational
        }
        let spfAligned = spf?.result == .pass && spfDomain.map { aligned($0, strict: record.strictSPF) } == true
        let dkimAligned = dkim.contains { $0.status == .pass && $0.domain.map { aligned($0, strict: record.strictDKIM) } == true }
        let policy = atOrganizational && domain != organizational ? (record.subdomainPolicy ?? record.policy) : record.policy
        if spfAligned || dkimAligned {
            let how = [spfAligned ? "SPF" : nil, dkimAligned ? "DKIM" : nil].compactMap { $0 }.joined(separator: " and ")
            return Outcome(result: .pass, domain: domain, policy: policy, reason: "aligned \(how)")
        }
        var outcome = Outcome(result: .fail, domain: domain, policy: policy, reason: "no aligned SPF or DKIM pass")
        outcome.sampled = sample < record.percent
        return outcome
    }

    private enum Found {
        case found(DMARCRecord)
        case missing
        case temporary(String)
    }

    private func record(at name: String) async -> Found {
        let answer = await dns.lookup(name, .txt)
        switch answer {
        case .records:
            let records = answer.texts.filter(DMARCRecord.isDMARC)
            // 6.6.3: more than one record, or none that parses, is no policy.
            guard records.count == 1, let parsed = try? DMARCRecord(parsing: records[0]) else { return .missing }
            return .found(parsed)
        case .nxdomain, .noData: return .missing
        case .failure(let why): return .temporary("DNS: \(why)")
        case .timedOut: return .temporary("DNS: timeout")
        case .budgetExhausted: return .temporary("DNS: message budget spent")
        }
    }
}
