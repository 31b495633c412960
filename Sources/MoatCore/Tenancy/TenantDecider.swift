/// Decides one scanned message for every tenant among its recipients: the engines ran once, each
/// tenant's policy reads the same verdicts, and the decisions are merged into what one SMTP
/// transaction can carry.
///
/// Merging: recipients of a tenant whose decision is reject or discard are removed (milter
/// DELRCPT) and the message goes on for the others; it is refused only when every tenant refuses
/// it. For the tenants that keep it, the strictest remaining action applies to the one copy
/// (tempfail over quarantine over tag), disarmed parts any of them asked for replace the
/// originals for all (a disarmed document is safe for every reader), and where their headers
/// differ each tenant's verdict header is added with `tenant=<id>`.
public struct TenantDecider: Sendable {
    public let directory: TenantDirectory

    public init(directory: TenantDirectory) {
        self.directory = directory
    }

    /// One tenant's decision (nil: mail of no tenant, the global policy), under the section of the
    /// message's direction (`[policy.inbound]`/`[policy.outbound]`) when it has one; the tenant's
    /// own keys win over the section's.
    public func decide(
        tenant: Tenant?, direction: MessageDirection? = nil, scanID: String, verdicts: [EngineVerdict], manifests: [String: EngineManifest],
        messageFindings: [Finding], sender: String?, precision: (_ engine: String, _ category: VerdictCategory) -> Double? = { _, _ in nil }
    ) -> Decision {
        let resolved = directory.resolve(tenant: tenant, direction: direction)
        let policy = resolved.policy
        let aggregator = Aggregator(policy: policy)
        guard let rules = resolved.rules else {
            var decision = aggregator.decide(scanID: scanID, verdicts: verdicts, manifests: manifests, messageFindings: messageFindings, precision: precision)
            Self.mark(&decision, direction: direction, prefix: policy.headerPrefix)
            return decision
        }
        let whose = tenant.map { "tenant \($0.id)'s" } ?? "the \(direction?.rawValue ?? "global") policy's"
        var manifests = manifests
        var adjusted = verdicts
        for i in adjusted.indices {
            let name = adjusted[i].engine
            if let change = rules.engines[name] {
                if let vote = change.vote, adjusted[i].state != .disabled { adjusted[i].state = vote ? .active : .shadow }
                if let weight = change.weight { manifests[name]?.weight = weight }
            }
            switch manifests[name]?.adapter {
            case "macro": if let mode = rules.macroMode { Self.applyMacroMode(mode, to: &adjusted[i]) }
            case "filetype": if !rules.allowTypes.isEmpty { Self.allowTypes(rules.allowTypes, in: &adjusted[i]) }
            case "url":
                let hosts = Self.linkHosts(adjusted[i])
                if !rules.allowURLs.isEmpty, !hosts.isEmpty, hosts.allSatisfy({ TenantPolicy.hostMatches($0, rules.allowURLs) }),
                   case .detected = adjusted[i].outcome {
                    adjusted[i].outcome = .clean
                    adjusted[i].score = 0
                    adjusted[i].findings.append(Finding(code: "url.allowed_by_tenant", detail: "every link is on \(whose) allow list"))
                }
            default: break
            }
        }
        var decision = aggregator.decide(scanID: scanID, verdicts: adjusted, manifests: manifests, messageFindings: messageFindings, precision: precision)
        if let refusal = Self.refusal(rules, whose: whose, sender: sender, verdicts: adjusted, manifests: manifests) {
            decision.reasons.append(.init(engine: "tenant", label: "policy", weightedScore: 0, counted: true, action: .reject, note: refusal))
            decision.action = max(decision.action, .reject)
            decision.category = max(decision.category ?? .policy, .policy)
            decision.replacements = []
        } else if TenantPolicy.matches(sender, rules.allowSenders), decision.action > .accept, decision.action != .tempfail,
                  decision.category != .malware, decision.category != .policy {
            decision.reasons.append(.init(engine: "tenant", label: "allow", weightedScore: 0, counted: true, action: .accept,
                                          note: "sender \(sender ?? "") is on \(whose) allow list (was \(decision.action.rawValue))"))
            decision.action = .accept
        }
        decision.smtpReply = nil
        decision.quarantineReason = nil
        aggregator.finish(&decision, failures: adjusted.filter { $0.votes && $0.isFailure }.map(\.engine),
                          notReady: adjusted.filter { if case .notReady = $0.outcome { $0.votes } else { false } }.map(\.engine))
        decision.tenant = tenant?.id
        // The engines' own verdicts are what the log, the precision figures and training read: a
        // tenant's view of them (its overrides) shows in the reasons and headers only.
        decision.verdicts = verdicts
        // The features the tenant's decision scored came from its view; the record's come from these.
        decision.features = nil
        if let tenant {
            decision.headers.insert(.init(name: "\(policy.headerPrefix)-Tenant", value: tenant.id), at: min(1, decision.headers.count))
        }
        Self.mark(&decision, direction: direction, prefix: policy.headerPrefix)
        return decision
    }

    /// Records the direction, and says it in `X-Moat-Direction`.
    static func mark(_ decision: inout Decision, direction: MessageDirection?, prefix: String) {
        guard let direction else { return }
        decision.direction = direction
        decision.headers.insert(.init(name: "\(prefix)-Direction", value: direction.rawValue), at: min(1, decision.headers.count))
    }

    /// Why this tenant's own lists refuse the message (a blocked sender, attachment class or link
    /// host), or nil.
    static func refusal(_ rules: TenantPolicy, whose: String, sender: String?, verdicts: [EngineVerdict],
                        manifests: [String: EngineManifest]) -> String? {
        if TenantPolicy.matches(sender, rules.blockSenders) { return "sender \(sender ?? "") is on \(whose) block list" }
        for verdict in verdicts {
            switch manifests[verdict.engine]?.adapter {
            case "filetype":
                if let type = attachmentClasses(verdict).first(where: { rules.blockTypes.contains($0.name) }) {
                    return "attachment class \(type.name) is on \(whose) block list"
                }
            case "url":
                if let host = linkHosts(verdict).first(where: { TenantPolicy.hostMatches($0, rules.blockURLs) }) {
                    return "a link to \(host) is on \(whose) block list"
                }
            default: continue
            }
        }
        return nil
    }

    /// The filetype engine's class findings (blocked or suspicious, by true type or extension) with
    /// the class each names (the detail ends in `(class)`), by finding index.
    static func attachmentClasses(_ verdict: EngineVerdict) -> [(index: Int, name: String)] {
        let codes: Set<String> = ["filetype.blocked_type", "filetype.blocked_extension", "filetype.suspicious_type", "filetype.suspicious_extension"]
        return verdict.findings.enumerated().compactMap { index, finding in
            guard codes.contains(finding.code), finding.detail.hasSuffix(")"), let open = finding.detail.lastIndex(of: "(") else { return nil }
            let name = finding.detail[finding.detail.index(after: open)..<finding.detail.index(before: finding.detail.endIndex)]
            return name.isEmpty ? nil : (index, String(name))
        }
    }

    /// Drops the filetype findings of classes the tenant allows, and with them the verdict's
    /// detection when nothing blocked or scored is left.
    static func allowTypes(_ allowed: [String], in verdict: inout EngineVerdict) {
        let waived = Set(attachmentClasses(verdict).filter { allowed.contains($0.name) }.map(\.index))
        guard !waived.isEmpty else { return }
        let removedScore = waived.reduce(0.0) { $0 + verdict.findings[$1].score }
        verdict.findings = verdict.findings.enumerated().filter { !waived.contains($0.offset) }.map(\.element)
        verdict.score = max(0, verdict.score - removedScore)
        let stillBlocked = verdict.findings.contains { $0.code.hasPrefix("filetype.blocked_") }
        if !stillBlocked {
            verdict.requestedAction = nil
            verdict.outcome = verdict.score > 0 ? .detected(.suspicious) : .clean
        }
        verdict.findings.append(Finding(code: "filetype.allowed_by_tenant", detail: "\(waived.count) class finding(s) waived by the tenant's allow list"))
    }

    /// The hosts of the links the url engine listed (`url.extracted`: `source URL`), lower-case.
    static func linkHosts(_ verdict: EngineVerdict) -> [String] {
        verdict.findings.compactMap { finding -> String? in
            guard finding.code == "url.extracted", let space = finding.detail.firstIndex(of: " ") else { return nil }
            let link = finding.detail[finding.detail.index(after: space)...]
            guard let scheme = link.range(of: "://") else { return nil }
            var authority = link[scheme.upperBound...].prefix { !"/?#\\".contains($0) }
            if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
            if let colon = authority.firstIndex(of: ":") { authority = authority[..<colon] }
            let host = authority.lowercased()
            return host.isEmpty ? nil : host
        }
    }

    /// The macro engine ran once in its own (global) mode; a tenant's mode reinterprets its verdict:
    /// `detect` keeps the original document, `reject` turns active content into a refusal.
    static func applyMacroMode(_ mode: TenantPolicy.MacroMode, to verdict: inout EngineVerdict) {
        let activeContent = !verdict.replacements.isEmpty || verdict.findings.contains { $0.code == "macro.not_disarmed" }
        switch mode {
        case .disarm:
            break
        case .detect:
            verdict.replacements = []
        case .reject:
            verdict.replacements = []
            guard activeContent else { return }
            verdict.outcome = .detected(.malware)
            verdict.requestedAction = .reject
            verdict.findings.append(Finding(code: "macro.rejected_by_tenant", detail: "the tenant's macro_mode is reject"))
        }
    }

    /// Decides for every tenant among `recipients` and merges (see the type's description). With
    /// one group (the usual case) the result is that group's decision itself.
    /// Outbound mail is one tenant's, the sender's (its recipients are other people's).
    public func decideAll(
        scanID: String, verdicts: [EngineVerdict], manifests: [String: EngineManifest], messageFindings: [Finding],
        sender: String?, recipients: [String], direction: MessageDirection? = nil,
        precision: (_ engine: String, _ category: VerdictCategory) -> Double? = { _, _ in nil }
    ) -> Decision {
        let groups: [(tenant: Tenant?, recipients: [String])] = direction == .outbound
            ? [(sender.flatMap { directory.tenant(of: $0) }, recipients)] : directory.group(recipients)
        let decisions = (groups.isEmpty ? [(tenant: nil, recipients: [])] : groups).map { group in
            (group.recipients, decide(tenant: group.tenant, direction: direction, scanID: scanID, verdicts: verdicts, manifests: manifests,
                                      messageFindings: messageFindings, sender: sender, precision: precision))
        }
        let outcomes = decisions.map { recipients, decision in
            TenantOutcome(tenant: decision.tenant, recipients: recipients, action: decision.action, score: decision.score,
                          category: decision.category, smtpReply: decision.smtpReply)
        }
        guard decisions.count > 1 else {
            var only = decisions[0].1
            if only.tenant != nil { only.tenants = outcomes }
            return only
        }
        let refusing = decisions.filter { $0.1.action == .reject || $0.1.action == .discard }
        let keeping = decisions.filter { $0.1.action != .reject && $0.1.action != .discard }
        // Everyone refuses: the strictest refusal, with that tenant's reply.
        guard let first = keeping.map(\.1).max(by: { $0.action < $1.action }) else {
            var merged = refusing.map(\.1).max(by: { $0.action < $1.action }) ?? decisions[0].1
            merged.tenants = outcomes
            merged.tenant = nil
            return merged
        }
        var merged = first
        merged.tenant = nil
        merged.tenants = outcomes
        merged.removedRecipients = refusing.flatMap(\.0)
        merged.removalReply = refusing.map(\.1).max(by: { $0.action < $1.action })?.smtpReply
        var seen = Set<PartReplacement>()
        merged.replacements = keeping.flatMap(\.1.replacements).filter { seen.insert($0).inserted }
        let prefix = directory.global.headerPrefix
        func isVerdictHeader(_ header: Decision.Header) -> Bool {
            [prefix + "-Verdict", prefix + "-Score", prefix + "-Tenant"].contains(header.name)
        }
        var perTenant: [Decision.Header] = []
        let differ = Set(keeping.map { $0.1.headers.filter { $0.name != prefix + "-Tenant" } }).count > 1
        for (_, decision) in keeping {
            if let tenant = decision.tenant { perTenant.append(.init(name: prefix + "-Tenant", value: tenant)) }
            guard differ else { continue }
            // One copy, several verdicts: each tenant's verdict line says whose it is.
            for header in decision.headers where isVerdictHeader(header) && header.name != prefix + "-Tenant" {
                perTenant.append(.init(name: header.name, value: header.value + " tenant=\(decision.tenant ?? "-")"))
            }
        }
        let kept = merged.headers.filter { !(isVerdictHeader($0) && ($0.name == prefix + "-Tenant" || differ)) }
        merged.headers = Array(kept.prefix(1)) + perTenant + kept.dropFirst()
        return merged
    }
}
