/// Which tenant a recipient belongs to, and the policy that applies to it: built once per change
/// of the tenants or of the global policy (never per message), shared by every scan.
///
/// Lookup is a hash probe per candidate key (the address, then the domain and each parent
/// domain), so 10,000 tenants cost what one does.
public struct TenantDirectory: Sendable {
    public let tenants: [String: Tenant]
    private let byAddress: [String: String]
    private let byDomain: [String: String]
    /// Each tenant's effective policy (the global one with its overrides applied).
    private let policies: [String: Policy]
    /// The global policy, for mail of no tenant.
    public let global: Policy
    /// The rules and the policy in force for each direction that has a section
    /// (`[policy.inbound]`/`[policy.outbound]`): for mail of no tenant, and per tenant (its keys
    /// layered over the section's).
    private let sectionRules: [MessageDirection: Resolved]
    private let sectionTenantRules: [MessageDirection: [String: Resolved]]

    /// The tenant policy keys that apply to a message (nil: none, the global policy alone) and the
    /// policy they make.
    public struct Resolved: Sendable {
        public var rules: TenantPolicy?
        public var policy: Policy
    }

    public init(_ tenants: [Tenant] = [], global: Policy = Policy()) {
        var all: [String: Tenant] = [:], byAddress: [String: String] = [:], byDomain: [String: String] = [:]
        var policies: [String: Policy] = [:]
        for tenant in tenants {
            all[tenant.id] = tenant
            for address in tenant.addresses { byAddress[address] = tenant.id }
            for domain in tenant.domains { byDomain[domain] = tenant.id }
            policies[tenant.id] = tenant.policy.applied(to: global)
        }
        var sectionRules: [MessageDirection: Resolved] = [:]
        var sectionTenantRules: [MessageDirection: [String: Resolved]] = [:]
        for direction in [MessageDirection.inbound, .outbound] {
            guard let section = global.section(direction) else { continue }
            sectionRules[direction] = Resolved(rules: section, policy: section.applied(to: global))
            sectionTenantRules[direction] = all.mapValues { Self.layered($0, over: section, global: global) }
        }
        self.tenants = all
        self.byAddress = byAddress
        self.byDomain = byDomain
        self.policies = policies
        self.global = global
        self.sectionRules = sectionRules
        self.sectionTenantRules = sectionTenantRules
    }

    private static func layered(_ tenant: Tenant, over section: TenantPolicy, global: Policy) -> Resolved {
        let rules = tenant.policy.layered(over: section)
        return Resolved(rules: rules, policy: rules.applied(to: global))
    }

    /// What decides a message of `tenant` (nil: of no tenant) going `direction`: built when the
    /// tenants or the policy change, looked up per message.
    public func resolve(tenant: Tenant?, direction: MessageDirection?) -> Resolved {
        guard let direction, let section = sectionRules[direction] else {
            guard let tenant else { return Resolved(rules: nil, policy: global) }
            return Resolved(rules: tenant.policy, policy: policies[tenant.id] ?? tenant.policy.applied(to: global))
        }
        guard let tenant else { return section }
        if let known = sectionTenantRules[direction]?[tenant.id], tenants[tenant.id] == tenant { return known }
        return section.rules.map { Self.layered(tenant, over: $0, global: global) } ?? section
    }

    public var isEmpty: Bool { tenants.isEmpty }

    /// The tenant of a recipient address: the address itself, else its domain, else the nearest
    /// parent domain a tenant owns; nil for mail of no tenant.
    public func tenant(of recipient: String) -> Tenant? {
        guard !tenants.isEmpty, let at = recipient.lastIndex(of: "@") else { return nil }
        // One spelling per mailbox: `"Ceo"@Example.ORG.` is `ceo@example.org`, so quoting or a
        // trailing dot cannot move an address from its owner to its domain's owner.
        var local = Substring(recipient[..<at].lowercased())
        if local.count >= 2, local.hasPrefix("\""), local.hasSuffix("\"") { local = local.dropFirst().dropLast() }
        var domain = Substring(recipient[recipient.index(after: at)...].lowercased())
        while domain.hasSuffix(".") { domain = domain.dropLast() }
        if let id = byAddress[local + "@" + domain] { return tenants[id] }
        while !domain.isEmpty {
            if let id = byDomain[String(domain)] { return tenants[id] }
            guard let dot = domain.firstIndex(of: ".") else { break }
            domain = domain[domain.index(after: dot)...]
        }
        return nil
    }

    /// The policy for a tenant (the global one for nil or an unknown id).
    public func policy(for tenant: String?) -> Policy {
        tenant.flatMap { policies[$0] } ?? global
    }

    /// The recipients grouped by tenant, in the order each tenant first appears (nil: no tenant).
    public func group(_ recipients: [String]) -> [(tenant: Tenant?, recipients: [String])] {
        var order: [String?] = []
        var groups: [String?: [String]] = [:]
        for recipient in recipients {
            let id = tenant(of: recipient)?.id
            if groups[id] == nil { order.append(id) }
            groups[id, default: []].append(recipient)
        }
        return order.map { id in (id.flatMap { tenants[$0] }, groups[id] ?? []) }
    }

    /// What the tenant's policy changes, key by key, as `key: global → tenant` lines.
    public func difference(for id: String) -> [String] {
        tenants[id].map { difference(of: $0.policy) } ?? []
    }

    /// What `overrides` would change against this directory's global policy, as `key: global → tenant`
    /// lines (also for a policy not yet in force, so a change can be logged as it will read).
    public func difference(of overrides: TenantPolicy) -> [String] {
        let effective = overrides.applied(to: global)
        var lines: [String] = []
        func show(_ value: Double?) -> String { value.map { String(format2: $0) } ?? "never" }
        if effective.tagScore != global.tagScore { lines.append("tag_score: \(show(global.tagScore)) → \(show(effective.tagScore))") }
        if effective.quarantineScore != global.quarantineScore {
            lines.append("quarantine_score: \(show(global.quarantineScore)) → \(show(effective.quarantineScore))")
        }
        if effective.rejectScore != global.rejectScore { lines.append("reject_score: \(show(global.rejectScore)) → \(show(effective.rejectScore))") }
        for category in VerdictCategory.allCases where effective.onDetect[category] != global.onDetect[category] {
            lines.append("on_detect.\(category.rawValue): \(global.onDetect[category]?.rawValue ?? "-") → \(effective.onDetect[category]?.rawValue ?? "-")")
        }
        if (effective.model == nil) != (global.model == nil) { lines.append("use_model: \(global.model != nil) → \(effective.model != nil)") }
        if effective.rejectReply != global.rejectReply { lines.append("reject_reply: \(global.rejectReply) → \(effective.rejectReply)") }
        for (engine, change) in overrides.engines.sorted(by: { $0.key < $1.key }) {
            if let vote = change.vote { lines.append("engines.\(engine).vote: global state → \(vote)") }
            if let weight = change.weight { lines.append("engines.\(engine).weight: manifest → \(String(format2: weight))") }
        }
        if let mode = overrides.macroMode { lines.append("macro_mode: engine's mode → \(mode.rawValue)") }
        if !overrides.allowSenders.isEmpty { lines.append("allow_senders: \(overrides.allowSenders.joined(separator: ", "))") }
        if !overrides.blockSenders.isEmpty { lines.append("block_senders: \(overrides.blockSenders.joined(separator: ", "))") }
        for (key, list) in [("block_types", overrides.blockTypes), ("allow_types", overrides.allowTypes),
                            ("block_urls", overrides.blockURLs), ("allow_urls", overrides.allowURLs)] where !list.isEmpty {
            lines.append("\(key): \(list.joined(separator: ", "))")
        }
        if let days = overrides.quarantineRetentionDays { lines.append("quarantine_retention_days: store's → \(days)") }
        return lines
    }
}
