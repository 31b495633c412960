import MoatCore
import MoatDNS
import MoatMessage

/// The `auth` engine: SPF for the envelope sender (or HELO), DKIM signatures, and DMARC for the
/// From domain, each a finding with its own weight; the verdict carries the
/// `Authentication-Results` header (RFC 8601) and, per `dmarc_policy`, acts on the domain's policy.
///
/// DNS goes through one `UnboundResolver` per engine (cache shared by all scans), with a per-message
/// query budget; DNS trouble is a `temperror` finding, never a hang: every query has a timeout.
public final class AuthEngine: ScanEngine {
    public let settings: AuthSettings
    private let resolver: UnboundResolver
    private let organizationalDomain: @Sendable (String) -> String?

    public init(settings: AuthSettings, organizationalDomain: @escaping @Sendable (String) -> String?) throws {
        self.settings = settings
        self.organizationalDomain = organizationalDomain
        resolver = try settings.dnsOptions.makeResolver()
    }

    deinit { resolver.shutdown() }

    public var status: [String: String] {
        let stats = resolver.statistics
        return [
            "authserv_id": settings.authservID,
            "dns": settings.dnsServers.isEmpty ? "system resolver" : settings.dnsServers.joined(separator: ","),
            "dns.queries": "\(stats.queries)", "dns.answered": "\(stats.answered)",
            "dns.timed_out": "\(stats.timedOut)", "dns.failed": "\(stats.failed)",
            "dmarc_policy": settings.dmarcMode.rawValue,
        ]
    }

    public func scan(_ input: ScanInput, context: ScanContext) async throws -> EngineReport {
        let message = input.message
        let envelope = input.envelope
        let dns = BudgetedLookup(resolver, limit: settings.maxDNSQueries)
        var findings: [Finding] = []
        func add(_ code: String, _ detail: String) {
            findings.append(Finding(code: "auth." + code, detail: detail, score: settings.scores[code] ?? 0))
        }
        var results: [String] = []

        // SPF: the envelope sender (or the HELO name for bounces) against the connecting client.
        let mailFrom = envelope.mailFrom.map(Self.bareAddress)
        let helo = envelope.helo ?? ""
        var spf: SPFOutcome?
        var spfDomain: String?
        if let client = envelope.clientAddress, IPAddress.bytes(client) != nil {
            var evaluator = SPFEvaluator(dns: dns)
            evaluator.receiver = settings.authservID
            let outcome = await evaluator.check(ip: client, mailFrom: mailFrom, helo: helo)
            spf = outcome
            spfDomain = outcome.domain
            add("spf_" + outcome.result.rawValue, "\(outcome.domain): \(outcome.reason)" + (outcome.explanation.map { " (\($0))" } ?? ""))
            let property = mailFrom?.isEmpty == false ? "smtp.mailfrom=\(mailFrom!)" : "smtp.helo=\(helo)"
            results.append("spf=\(outcome.result.rawValue) (\(Self.comment(outcome.reason))) \(property)")
        } else {
            results.append("spf=none (no client address) smtp.mailfrom=\(mailFrom ?? "")")
        }

        // DKIM: every signature, keys from DNS.
        let dkim = await DKIMVerifier().verify(message) { selector, domain async throws(DKIMError) -> String in
            try await Self.key(selector, domain, dns: dns)
        }
        if dkim.isEmpty { results.append("dkim=none") }
        for result in dkim {
            add("dkim_" + result.status.rawValue, "\(result.domain ?? "?") s=\(result.selector ?? "?"): \(result.reason)")
            var entry = "dkim=\(result.status.rawValue)"
            if result.status != .pass { entry += " (\(Self.comment(result.reason)))" }
            if let d = result.domain { entry += " header.d=\(d)" }
            if let s = result.selector { entry += " header.s=\(s)" }
            results.append(entry)
        }

        // DMARC: the From domain's policy, SPF and DKIM alignment.
        let fromDomain = Self.fromDomain(message)
        let sample = Int(Self.stableSample(message))
        let dmarc = await DMARCEvaluator(dns: dns, organizationalDomain: organizationalDomain)
            .evaluate(fromDomain: fromDomain, spf: spf, spfDomain: spfDomain, dkim: dkim, sample: sample)
        var detail = "\(dmarc.domain ?? "no From domain"): \(dmarc.reason)"
        if let policy = dmarc.policy { detail += ", p=\(policy.rawValue)" + (dmarc.sampled ? "" : " (not sampled by pct)") }
        add("dmarc_" + dmarc.result.rawValue, detail)
        var dmarcEntry = "dmarc=\(dmarc.result.rawValue)"
        if let policy = dmarc.policy { dmarcEntry += " (p=\(policy.rawValue))" }
        if let domain = dmarc.domain { dmarcEntry += " header.from=\(domain)" }
        results.append(dmarcEntry)
        // ARC: the chain of earlier intermediaries (forwarders, lists), for the record and the seal.
        let arc = await ARCVerifier().verify(message) { selector, domain async throws(DKIMError) -> String in
            try await Self.key(selector, domain, dns: dns)
        }
        if arc.status != .none { add("arc_" + arc.status.rawValue, "\(arc.instances) set(s), latest by \(arc.domain ?? "?")" + (arc.reason.isEmpty ? "" : ": \(arc.reason)")) }
        results.append("arc=\(arc.status.rawValue)" + (arc.status == .fail ? " (\(Self.comment(arc.reason)))" : "") + (arc.instances > 0 ? " arc.chain=\(arc.instances)" : ""))

        for list in settings.blockLists {
            findings += await Self.blockListFindings(list, client: envelope.clientAddress,
                                                     domains: [spfDomain, fromDomain].compactMap { $0 }, dns: dns,
                                                     organizationalDomain: organizationalDomain)
        }
        if dns.exhausted { add("dns_budget", "more than \(settings.maxDNSQueries) DNS queries for one message") }

        var report = EngineReport(score: findings.reduce(0) { $0 + $1.score }, findings: findings)
        if dmarc.result == .fail, dmarc.sampled, let policy = dmarc.policy, policy != .none, settings.dmarcMode != .ignore {
            report.category = .policy
            report.requestedAction = settings.dmarcMode == .tag ? .tag : (policy == .reject ? .reject : .quarantine)
        }
        report.headers = [Decision.Header(name: "Authentication-Results",
                                          value: ([settings.authservID] + results).joined(separator: ";\n\t"))]
        if let sealer = settings.arcSealer {
            do {
                for header in try sealer.seal(message, results: results.joined(separator: ";\n\t"), chain: arc) {
                    report.headers.append(Decision.Header(name: header.name, value: header.value))
                }
            } catch {
                report.findings.append(Finding(code: "auth.arc_seal_error", detail: "\(error)"))
            }
        }
        return report
    }

    /// One block list's findings: `auth.dnsbl_listed` per listed client address or domain (with
    /// the return code's meaning), `auth.dnsbl_temperror` when the list could not be asked.
    static func blockListFindings(
        _ blockList: AuthSettings.BlockList, client: String?, domains: [String], dns: any DNSLookup,
        organizationalDomain: @Sendable (String) -> String?
    ) async -> [Finding] {
        var queries: [(subject: String, name: String)] = []
        let list = blockList.list
        switch blockList.kind {
        case .ip:
            // Loopback and private clients are never listed; asking would only leak them.
            if let client, let bytes = IPAddress.bytes(client), !Self.isPrivate(bytes) {
                queries.append((client, IPAddress.reversed(bytes) + "." + list.zone))
            }
        case .domain:
            var seen: Set<String> = []
            for domain in domains {
                let registrable = organizationalDomain(domain.lowercased()) ?? domain.lowercased()
                guard seen.insert(registrable).inserted, SPFEvaluator.isValidDomain(registrable) else { continue }
                queries.append((registrable, registrable + "." + list.zone))
            }
        }
        var findings: [Finding] = []
        for query in queries {
            let answer = await dns.lookup(query.name, .a)
            switch answer {
            case .records:
                guard let meanings = list.listed(answer) else { continue }
                // The list's score once, however many subjects it lists (a temperror before it does not count).
                let first = !findings.contains { $0.code == "auth.dnsbl_listed" }
                findings.append(Finding(code: "auth.dnsbl_listed", detail: "\(query.subject) listed in \(list.zone) (\(meanings))",
                                        score: first ? list.score : 0))
            case .nxdomain, .noData:
                continue
            case .failure, .timedOut, .budgetExhausted:
                findings.append(Finding(code: "auth.dnsbl_temperror", detail: "\(list.zone) for \(query.subject): \(answer)"))
            }
        }
        return findings
    }

    /// RFC 1918, loopback, link-local, CGNAT and IPv6 loopback/ULA/link-local addresses.
    static func isPrivate(_ bytes: [UInt8]) -> Bool {
        if bytes.count == 4 {
            return bytes[0] == 10 || bytes[0] == 127 || (bytes[0] == 172 && bytes[1] & 0xF0 == 16) || (bytes[0] == 192 && bytes[1] == 168)
                || (bytes[0] == 169 && bytes[1] == 254) || (bytes[0] == 100 && bytes[1] & 0xC0 == 64) || bytes[0] == 0
        }
        guard bytes.count == 16 else { return true }
        return bytes[0..<15].allSatisfy { $0 == 0 } || bytes[0] & 0xFE == 0xFC || (bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80)
    }

    /// A DKIM (or ARC) key record from `<selector>._domainkey.<domain>`.
    static func key(_ selector: String, _ domain: String, dns: any DNSLookup) async throws(DKIMError) -> String {
        let answer = await dns.lookup("\(selector)._domainkey.\(domain)", .txt)
        switch answer {
        case .records:
            guard let key = answer.texts.first else { throw .permanent("no key record at \(selector)._domainkey.\(domain)") }
            return key
        case .nxdomain, .noData: throw .permanent("no key record at \(selector)._domainkey.\(domain)")
        case .failure(let why): throw .temporary("DNS: \(why)")
        case .timedOut: throw .temporary("DNS timeout")
        case .budgetExhausted: throw .temporary("message DNS budget spent")
        }
    }

    /// `<user@example.com>` → `user@example.com`; `<>` → "".
    static func bareAddress(_ text: String) -> String {
        var text = Substring(text.trimmingCharacters(in: .whitespaces))
        if text.hasPrefix("<"), let close = text.firstIndex(of: ">") { text = text[text.index(after: text.startIndex)..<close] }
        return String(text)
    }

    /// The domain of the one RFC5322.From address; nil for none, several addresses or several
    /// From fields (RFC 7489 6.6.1: such messages have no single author domain).
    static func fromDomain(_ message: Message) -> String? {
        let fields = message.headers.all("From")
        guard fields.count == 1, let value = fields.first?.value else { return nil }
        var text = value
        // Comments and display names: the address is in the last <...>, or the whole value.
        if let open = text.lastIndex(of: "<"), let close = text[open...].firstIndex(of: ">") {
            text = String(text[text.index(after: open)..<close])
        } else if text.contains(",") {
            return nil
        }
        guard let at = text.lastIndex(of: "@") else { return nil }
        let domain = text[text.index(after: at)...].trimmingCharacters(in: .whitespaces).lowercased()
        guard !domain.isEmpty, !domain.contains(where: { $0 == " " || $0 == "," || $0 == "<" || $0 == ">" }) else { return nil }
        return domain
    }

    /// A number in 0..<100 fixed for a message (FNV-1a of its raw bytes), so DMARC `pct` sampling
    /// gives the same answer when the same message is scanned again.
    static func stableSample(_ message: Message) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in message.raw.prefix(65_536) {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return hash % 100
    }

    /// Text safe inside an RFC 8601 comment (no parentheses or line breaks), shortened.
    static func comment(_ text: String) -> String {
        String(text.map { "()\r\n\\".contains($0) ? " " : $0 }.prefix(120))
    }
}

/// Builds `AuthEngine`s from manifests with `adapter = "auth"`. The public suffix list reader is
/// lent by the adapter catalogue (the url engine owns the parser; engines never import each other).
public struct AuthEngineFactory: EngineFactory {
    public typealias SuffixListReader = @Sendable (_ path: String) throws -> @Sendable (String) -> String?
    let readSuffixList: SuffixListReader

    public init(readSuffixList: @escaping SuffixListReader) {
        self.readSuffixList = readSuffixList
    }

    public var adapter: String { "auth" }

    public func makeEngine(_ manifest: EngineManifest, context: EngineBuildContext) async throws -> any ScanEngine {
        let settings = try AuthSettings(options: manifest.options, context: context)
        let path = context.resolve(settings.publicSuffixList)
        let organizational: @Sendable (String) -> String?
        do {
            organizational = try readSuffixList(path)
        } catch {
            throw context.invalid("public_suffix_list", "cannot read \(path): \(error)")
        }
        do {
            return try AuthEngine(settings: settings, organizationalDomain: organizational)
        } catch {
            throw context.invalid("dns_servers", "\(error)")
        }
    }
}
