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

    /// One tenant's decision (nil: mail of no tenant, the global policy).
    public func decide(
        tenant: Tenant?, scanID: String, verdicts: [EngineVerdict], manifests: [String: EngineManifest], messageFindings: [Finding],
        sender: String?, precision: (_ engine: String, _ category: VerdictCategory) -> Double? = { _, _ in nil }
    ) -> Decision {
        let policy = directory.policy(for: tenant?.id)
        let aggregator = Aggregator(policy: policy)
        guard let tenant else {
            return aggregator.decide(scanID: scanID, verdicts: verdicts, manifests: manifests, messageFindings: messageFindings, precision: precision)
        }
        let rules = tenant.policy
        var manifests = manifests
        var adjusted = verdicts
        for i in adjusted.indices {
            let name = adjusted[i].engine
            if let change = rules.engines[name] {
                if let vote = change.vote, adjusted[i].state != .disabled { adjusted[i].state = vote ? .active : .shadow }
                if let weight = change.weight { manifests[name]?.weight = weight }
            }
            if let mode = rules.macroMode, manifests[name]?.adapter == "macro" {
                Self.applyMacroMode(mode, to: &adjusted[i])
            }
        }
        var decision = aggregator.decide(scanID: scanID, verdicts: adjusted, manifests: manifests, messageFindings: messageFindings, precision: precision)
        if TenantPolicy.matches(sender, rules.blockSenders) {
            decision.reasons.append(.init(engine: "tenant", label: "policy", weightedScore: 0, counted: true, action: .reject,
                                          note: "sender \(sender ?? "") is on tenant \(tenant.id)'s block list"))
            decision.action = max(decision.action, .reject)
            decision.category = max(decision.category ?? .policy, .policy)
            decision.replacements = []
        } else if TenantPolicy.matches(sender, rules.allowSenders), decision.action > .accept, decision.action != .tempfail,
                  decision.category != .malware, decision.category != .policy {
            decision.reasons.append(.init(engine: "tenant", label: "allow", weightedScore: 0, counted: true, action: .accept,
                                          note: "sender \(sender ?? "") is on tenant \(tenant.id)'s allow list (was \(decision.action.rawValue))"))
            decision.action = .accept
        }
        decision.smtpReply = nil
        decision.quarantineReason = nil
        aggregator.finish(&decision, failures: adjusted.filter { $0.votes && $0.isFailure }.map(\.engine),
                          notReady: adjusted.filter { if case .notReady = $0.outcome { $0.votes } else { false } }.map(\.engine))
        decision.tenant = tenant.id
        decision.headers.insert(.init(name: "\(policy.headerPrefix)-Tenant", value: tenant.id), at: min(1, decision.headers.count))
        return decision
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
    public func decideAll(
        scanID: String, verdicts: [EngineVerdict], manifests: [String: EngineManifest], messageFindings: [Finding],
        sender: String?, recipients: [String], precision: (_ engine: String, _ category: VerdictCategory) -> Double? = { _, _ in nil }
    ) -> Decision {
        let groups = directory.group(recipients)
        let decisions = (groups.isEmpty ? [(tenant: nil, recipients: [])] : groups).map { group in
            (group.recipients, decide(tenant: group.tenant, scanID: scanID, verdicts: verdicts, manifests: manifests,
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
