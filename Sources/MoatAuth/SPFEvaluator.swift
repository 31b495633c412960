import MoatDNS

/// RFC 7208 `check_host()`: evaluates a domain's SPF policy for a client address, with the
/// processing limits of section 4.6.4 (10 DNS-querying terms, 2 void lookups, 10 MX or PTR names).
public struct SPFEvaluator: Sendable {
    public var dns: any DNSLookup
    public var lookupLimit = 10
    public var voidLookupLimit = 2
    /// The receiving host's name, for `%{r}` in explanations.
    public var receiver = "unknown"

    public init(dns: any DNSLookup) {
        self.dns = dns
    }

    /// Evaluates the MAIL FROM identity (or `postmaster@helo` for the null sender, 2.4).
    public func check(ip: String, mailFrom: String?, helo: String) async -> SPFOutcome {
        let sender: String
        if let mailFrom, !mailFrom.isEmpty {
            sender = mailFrom.contains("@") ? mailFrom : "postmaster@" + mailFrom
        } else {
            sender = "postmaster@" + helo
        }
        let domain = String(sender[sender.index(after: sender.lastIndex(of: "@")!)...])
        return await checkHost(ip: ip, domain: domain, sender: sender, helo: helo)
    }

    /// `check_host(ip, domain, sender)`.
    public func checkHost(ip: String, domain: String, sender: String, helo: String) async -> SPFOutcome {
        guard var address = IPAddress.bytes(ip) else {
            return SPFOutcome(result: .permerror, domain: domain, reason: "not an IP address: \(ip)")
        }
        // An IPv4-mapped IPv6 client is the IPv4 client (4.1, 5).
        if address.count == 16, address[0..<10].allSatisfy({ $0 == 0 }), address[10] == 0xFF, address[11] == 0xFF {
            address = Array(address[12...])
        }
        let state = EvaluationState()
        let context = SPFMacro.Context(sender: sender, domain: domain, ip: address, helo: helo, receiver: receiver)
        var outcome = await evaluate(domain: domain, context: context, state: state, depth: 0)
        outcome.lookups = state.lookups
        return outcome
    }

    private final class EvaluationState: @unchecked Sendable {
        // @unchecked: one evaluation runs sequentially (each await finishes before the next term).
        var lookups = 0
        var voids = 0
    }

    private struct Abort: Error {
        var result: SPFResult
        var reason: String
    }

    private func evaluate(domain: String, context: SPFMacro.Context, state: EvaluationState, depth: Int, explains: Bool = true) async -> SPFOutcome {
        var context = context
        context.domain = domain
        // 4.3: a malformed or single-label domain has no policy.
        guard Self.isValidDomain(domain) else {
            return SPFOutcome(result: .none, domain: domain, reason: "not a valid domain name")
        }
        guard depth < 20 else { return SPFOutcome(result: .permerror, domain: domain, reason: "include/redirect loop") }
        let answer = await dns.lookup(domain, .txt)
        switch answer {
        case .nxdomain, .noData:
            return SPFOutcome(result: .none, domain: domain, reason: "no SPF record")
        case .failure(let why):
            return SPFOutcome(result: .temperror, domain: domain, reason: "DNS: \(why)")
        case .timedOut, .budgetExhausted:
            return SPFOutcome(result: .temperror, domain: domain, reason: "DNS: \(answer == .timedOut ? "timeout" : "message DNS budget spent")")
        case .records:
            break
        }
        let spf = answer.texts.filter(SPFRecord.isSPF)
        guard !spf.isEmpty else { return SPFOutcome(result: .none, domain: domain, reason: "no SPF record") }
        guard spf.count == 1 else { return SPFOutcome(result: .permerror, domain: domain, reason: "\(spf.count) SPF records") }
        let record: SPFRecord
        do {
            record = try SPFRecord(parsing: spf[0])
        } catch let error as SPFRecord.SyntaxError {
            return SPFOutcome(result: .permerror, domain: domain, reason: error.message)
        } catch let error as SPFMacro.Invalid {
            return SPFOutcome(result: .permerror, domain: domain, reason: error.message)
        } catch {
            return SPFOutcome(result: .permerror, domain: domain, reason: "\(error)")
        }
        do {
            for directive in record.directives {
                if try await matches(directive.mechanism, context: context, state: state, depth: depth) {
                    var outcome = SPFOutcome(result: directive.qualifier.result, domain: domain, reason: directive.text)
                    // 6.2: the explanation of the record that decided, unless an include evaluated it.
                    if outcome.result == .fail, explains, let exp = record.explanation {
                        outcome.explanation = await explanation(exp, context: context, state: state)
                    }
                    return outcome
                }
            }
            if let redirect = record.redirect {
                try count(state)
                let target = SPFMacro.truncated(try SPFMacro.expand(redirect, context: context))
                var outcome = await evaluate(domain: target, context: context, state: state, depth: depth + 1, explains: explains)
                // 6.1: a redirect to a domain without a policy is a permanent error.
                if outcome.result == .none {
                    outcome.result = .permerror
                    outcome.reason = "redirect=\(target) has no SPF record"
                }
                return outcome
            }
            return SPFOutcome(result: .neutral, domain: domain, reason: "no mechanism matched")
        } catch let abort as Abort {
            return SPFOutcome(result: abort.result, domain: domain, reason: abort.reason)
        } catch let error as SPFMacro.Invalid {
            return SPFOutcome(result: .permerror, domain: domain, reason: error.message)
        } catch {
            return SPFOutcome(result: .permerror, domain: domain, reason: "\(error)")
        }
    }

    private func count(_ state: EvaluationState) throws {
        state.lookups += 1
        if state.lookups > lookupLimit {
            throw Abort(result: .permerror, reason: "more than \(lookupLimit) DNS-querying terms")
        }
    }

    /// A lookup for a mechanism: temporary errors abort with `temperror`; an empty answer counts
    /// toward the void-lookup limit (4.6.4).
    private func query(_ name: String, _ type: DNSRecordType, state: EvaluationState, countsVoid: Bool = true) async throws -> [DNSRecord] {
        let answer = await dns.lookup(name, type)
        switch answer {
        case .records(let records):
            return records
        case .nxdomain, .noData:
            if countsVoid {
                state.voids += 1
                if state.voids > voidLookupLimit {
                    throw Abort(result: .permerror, reason: "more than \(voidLookupLimit) void lookups")
                }
            }
            return []
        case .failure(let why):
            throw Abort(result: .temperror, reason: "DNS \(type) \(name): \(why)")
        case .timedOut:
            throw Abort(result: .temperror, reason: "DNS \(type) \(name): timeout")
        case .budgetExhausted:
            throw Abort(result: .temperror, reason: "DNS \(type) \(name): message DNS budget spent")
        }
    }

    private func target(_ spec: String?, _ context: SPFMacro.Context) throws -> String {
        guard let spec else { return context.domain }
        return SPFMacro.truncated(try SPFMacro.expand(spec, context: context))
    }

    /// `target` for a spec that may use `%{p}`, which costs DNS queries only when present.
    private func expandedTarget(_ spec: String?, _ context: SPFMacro.Context) async throws -> String {
        guard let spec, spec.contains("%{p") || spec.contains("%{P") else { return try target(spec, context) }
        var context = context
        context.validatedName = await validatedName(context)
        return try target(spec, context)
    }

    private func addresses(of host: String, family: Int, state: EvaluationState, countsVoid: Bool = true) async throws -> [[UInt8]] {
        let records = try await query(host, family == 4 ? .a : .aaaa, state: state, countsVoid: countsVoid)
        return records.compactMap { record in
            switch record {
            case .a(let text), .aaaa(let text): IPAddress.bytes(text)
            default: nil
            }
        }
    }

    private func matches(_ mechanism: SPFRecord.Mechanism, context: SPFMacro.Context, state: EvaluationState, depth: Int) async throws -> Bool {
        let ip = context.ip
        let family = ip.count == 4 ? 4 : 6
        switch mechanism {
        case .all:
            return true
        case .ip4(let network, let length):
            return ip.count == 4 && IPAddress.matches(ip, network, prefix: length)
        case .ip6(let network, let length):
            return ip.count == 16 && IPAddress.matches(ip, network, prefix: length)
        case .include(let spec):
            try count(state)
            let domain = try await expandedTarget(spec, context)
            let inner = await evaluate(domain: domain, context: context, state: state, depth: depth + 1, explains: false)
            switch inner.result {
            case .pass: return true
            case .fail, .softfail, .neutral: return false
            case .temperror: throw Abort(result: .temperror, reason: "include:\(domain): \(inner.reason)")
            case .permerror, .none: throw Abort(result: .permerror, reason: "include:\(domain): \(inner.reason)")
            }
        case .a(let spec, let v4, let v6):
            try count(state)
            let host = try await expandedTarget(spec, context)
            guard Self.isValidDomain(host) else { return false }
            let prefix = family == 4 ? v4 : v6
            return try await addresses(of: host, family: family, state: state).contains { IPAddress.matches(ip, $0, prefix: prefix) }
        case .mx(let spec, let v4, let v6):
            try count(state)
            let host = try await expandedTarget(spec, context)
            guard Self.isValidDomain(host) else { return false }
            let exchanges = try await query(host, .mx, state: state).compactMap { record -> String? in
                if case .mx(_, let exchange) = record { exchange } else { nil }
            }
            guard exchanges.count <= 10 else { throw Abort(result: .permerror, reason: "more than 10 MX names for \(host)") }
            let prefix = family == 4 ? v4 : v6
            for exchange in exchanges where !exchange.isEmpty {
                if try await addresses(of: exchange, family: family, state: state, countsVoid: false).contains(where: { IPAddress.matches(ip, $0, prefix: prefix) }) {
                    return true
                }
            }
            return false
        case .ptr(let spec):
            try count(state)
            let domain = try await expandedTarget(spec, context).lowercased()
            let names: [String]
            do {
                names = try await query(IPAddress.reverseName(ip), .ptr, state: state).compactMap { record -> String? in
                    if case .ptr(let name) = record { name } else { nil }
                }
            } catch let abort as Abort where abort.result == .temperror {
                return false  // 5.5: a PTR failure is simply no match.
            }
            for name in names.prefix(10) {
                guard let validated = try? await addresses(of: name, family: family, state: state, countsVoid: false),
                      validated.contains(ip) else { continue }
                let lower = name.lowercased()
                if lower == domain || lower.hasSuffix("." + domain) { return true }
            }
            return false
        case .exists(let spec):
            try count(state)
            let host = try await expandedTarget(spec, context)
            guard Self.isValidDomain(host) else { return false }
            return try await !query(host, .a, state: state).isEmpty
        }
    }

    private func explanation(_ spec: String, context: SPFMacro.Context, state: EvaluationState) async -> String? {
        var context = context
        if spec.contains("%{p") || spec.contains("%{P") { context.validatedName = await validatedName(context) }
        guard let domain = try? target(spec, context), Self.isValidDomain(domain) else { return nil }
        let texts = await dns.lookup(domain, .txt).texts
        guard texts.count == 1 else { return nil }
        if texts[0].contains("%{p") || texts[0].contains("%{P") { context.validatedName = await validatedName(context) }
        return try? SPFMacro.expand(texts[0], context: context, forExplanation: true)
    }

    /// `%{p}` (5.5, 7.3): a PTR name of the client that resolves back to it, preferring the
    /// current domain or one of its subdomains; "unknown" when there is none.
    private func validatedName(_ context: SPFMacro.Context) async -> String {
        let names = await dns.lookup(IPAddress.reverseName(context.ip), .ptr).records.compactMap { record -> String? in
            if case .ptr(let name) = record { name } else { nil }
        }
        var validated: [String] = []
        for name in names.prefix(10) {
            let answer = await dns.lookup(name, context.ip.count == 4 ? .a : .aaaa)
            let addresses = answer.records.compactMap { record -> [UInt8]? in
                switch record {
                case .a(let text), .aaaa(let text): IPAddress.bytes(text)
                default: nil
                }
            }
            if addresses.contains(context.ip) { validated.append(name) }
        }
        let domain = context.domain.lowercased()
        if let exact = validated.first(where: { $0 == domain }) { return exact }
        if let sub = validated.first(where: { $0.hasSuffix("." + domain) }) { return sub }
        return validated.first ?? "unknown"
    }

    /// 4.3: at least two labels, none empty (except a trailing dot) or over 63 octets.
    static func isValidDomain(_ domain: String) -> Bool {
        var text = Substring(domain)
        if text.hasSuffix(".") { text = text.dropLast() }
        guard text.utf8.count <= 253 else { return false }
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 2 && labels.allSatisfy { !$0.isEmpty && $0.utf8.count <= 63 }
    }
}
