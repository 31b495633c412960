/// What one tenant changes in the gateway's policy, section by section; everything left out is
/// the global policy's (`moat.toml`), so a change there reaches every tenant that did not override it.
///
/// Decoded strictly (JSON from the admin API, TOML from `moat tenants set-policy`): an unknown key
/// or a wrong type is refused with its path, and the running policy stays.
public struct TenantPolicy: Sendable, Hashable, Codable {
    /// One engine, as this tenant counts it.
    public struct EngineOverride: Sendable, Hashable, Codable {
        /// false: the engine runs for the tenant's mail but does not vote (shadow for this tenant);
        /// true: it votes even where the global state is shadow. A disabled engine does not run.
        public var vote: Bool?
        /// Replaces the manifest's weight.
        public var weight: Double?

        public init(vote: Bool? = nil, weight: Double? = nil) {
            self.vote = vote
            self.weight = weight
        }

        public init(from decoder: any Decoder) throws {
            try StrictKeys.check(decoder, known: ["vote", "weight"])
            let c = try decoder.container(keyedBy: CodingKeys.self)
            vote = try c.decodeIfPresent(Bool.self, forKey: .vote)
            weight = try c.decodeIfPresent(Double.self, forKey: .weight)
            if let weight, !(weight >= 0 && weight.isFinite) {
                throw DecodingError.dataCorruptedError(forKey: .weight, in: c, debugDescription: "a weight is a number of 0 or more")
            }
        }
    }

    /// What happens to Office documents with macros for this tenant. The macro engine disarms
    /// (its global mode must be `disarm` for `disarm` to have a document to deliver); `detect`
    /// delivers the original, `reject` refuses the message for this tenant's recipients.
    public enum MacroMode: String, Sendable, Hashable, Codable, CaseIterable {
        case detect, disarm, reject
    }

    public var engines: [String: EngineOverride]
    /// Thresholds for the hand-set policy; 0 or below means never.
    public var tagScore: Double?
    public var quarantineScore: Double?
    public var rejectScore: Double?
    /// Per-category actions (merged over the global `on_detect`).
    public var onDetect: [VerdictCategory: Action]
    /// false: this tenant is decided by the hand-set thresholds even where the global policy uses
    /// the learned combiner.
    public var useModel: Bool?
    public var macroMode: MacroMode?
    /// Envelope senders (`user@example.org`, or `@example.org` for a whole domain) whose mail is
    /// never refused or held as spam, phishing or suspicious (malware and policy detections still are).
    public var allowSenders: [String]
    /// Envelope senders whose mail is refused for this tenant's recipients.
    public var blockSenders: [String]
    /// Attachment classes (names from the filetype engine's policy, e.g. `windows-executable`) this
    /// tenant refuses, among those the global policy marks blocked or suspicious.
    public var blockTypes: [String]
    /// Attachment classes this tenant accepts although the global policy blocks or suspects them.
    public var allowTypes: [String]
    /// Link hosts (a host covers its subdomains) whose presence refuses a message for this tenant.
    public var blockURLs: [String]
    /// Link hosts this tenant trusts: when every link of a message is on the list, the url
    /// engine's detection does not count for this tenant.
    public var allowURLs: [String]
    /// Days this tenant's quarantined messages are kept (nil: the store's retention).
    public var quarantineRetentionDays: Int?
    public var rejectReply: String?

    public init(engines: [String: EngineOverride] = [:], tagScore: Double? = nil, quarantineScore: Double? = nil,
                rejectScore: Double? = nil, onDetect: [VerdictCategory: Action] = [:], useModel: Bool? = nil,
                macroMode: MacroMode? = nil, allowSenders: [String] = [], blockSenders: [String] = [],
                blockTypes: [String] = [], allowTypes: [String] = [], blockURLs: [String] = [], allowURLs: [String] = [],
                quarantineRetentionDays: Int? = nil, rejectReply: String? = nil) {
        self.engines = engines
        self.tagScore = tagScore
        self.quarantineScore = quarantineScore
        self.rejectScore = rejectScore
        self.onDetect = onDetect
        self.useModel = useModel
        self.macroMode = macroMode
        self.allowSenders = allowSenders
        self.blockSenders = blockSenders
        self.blockTypes = blockTypes
        self.allowTypes = allowTypes
        self.blockURLs = blockURLs
        self.allowURLs = allowURLs
        self.quarantineRetentionDays = quarantineRetentionDays
        self.rejectReply = rejectReply
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case engines
        case tagScore = "tag_score"
        case quarantineScore = "quarantine_score"
        case rejectScore = "reject_score"
        case onDetect = "on_detect"
        case useModel = "use_model"
        case macroMode = "macro_mode"
        case allowSenders = "allow_senders"
        case blockSenders = "block_senders"
        case blockTypes = "block_types"
        case allowTypes = "allow_types"
        case blockURLs = "block_urls"
        case allowURLs = "allow_urls"
        case quarantineRetentionDays = "quarantine_retention_days"
        case rejectReply = "reject_reply"
    }

    public init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, known: Set(CodingKeys.allCases.map(\.rawValue)))
        let c = try decoder.container(keyedBy: CodingKeys.self)
        engines = try c.decodeIfPresent([String: EngineOverride].self, forKey: .engines) ?? [:]
        tagScore = try c.decodeIfPresent(Double.self, forKey: .tagScore)
        quarantineScore = try c.decodeIfPresent(Double.self, forKey: .quarantineScore)
        rejectScore = try c.decodeIfPresent(Double.self, forKey: .rejectScore)
        var onDetect: [VerdictCategory: Action] = [:]
        for (key, action) in try c.decodeIfPresent([String: Action].self, forKey: .onDetect) ?? [:] {
            guard let category = VerdictCategory(rawValue: key) else {
                throw DecodingError.dataCorruptedError(forKey: .onDetect, in: c, debugDescription:
                    "unknown category '\(key)' (expected one of \(VerdictCategory.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            onDetect[category] = action
        }
        self.onDetect = onDetect
        useModel = try c.decodeIfPresent(Bool.self, forKey: .useModel)
        macroMode = try c.decodeIfPresent(MacroMode.self, forKey: .macroMode)
        allowSenders = try c.decodeIfPresent([String].self, forKey: .allowSenders) ?? []
        blockSenders = try c.decodeIfPresent([String].self, forKey: .blockSenders) ?? []
        for (key, list) in [(CodingKeys.allowSenders, allowSenders), (.blockSenders, blockSenders)] {
            if let bad = list.first(where: { !Self.isSenderPattern($0) }) {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "'\(bad)' is not an address or @domain")
            }
        }
        blockTypes = try c.decodeIfPresent([String].self, forKey: .blockTypes) ?? []
        allowTypes = try c.decodeIfPresent([String].self, forKey: .allowTypes) ?? []
        blockURLs = try c.decodeIfPresent([String].self, forKey: .blockURLs)?.map { $0.lowercased() } ?? []
        allowURLs = try c.decodeIfPresent([String].self, forKey: .allowURLs)?.map { $0.lowercased() } ?? []
        for (key, list) in [(CodingKeys.blockURLs, blockURLs), (.allowURLs, allowURLs)] {
            if let bad = list.first(where: { !Tenant.isValidDomain($0) }) {
                throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "'\(bad)' is not a host name (no scheme, no path)")
            }
        }
        for (key, list) in [(CodingKeys.blockTypes, blockTypes), (.allowTypes, allowTypes)] where list.contains(where: \.isEmpty) {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "an empty attachment class name")
        }
        quarantineRetentionDays = try c.decodeIfPresent(Int.self, forKey: .quarantineRetentionDays)
        if let days = quarantineRetentionDays, days < 1 {
            throw DecodingError.dataCorruptedError(forKey: .quarantineRetentionDays, in: c, debugDescription: "at least 1 day")
        }
        rejectReply = try c.decodeIfPresent(String.self, forKey: .rejectReply)
        if let reply = rejectReply, !(reply.count >= 3 && reply.hasPrefix("5") && reply.prefix(3).allSatisfy(\.isNumber)) {
            throw DecodingError.dataCorruptedError(forKey: .rejectReply, in: c, debugDescription: "must start with a 5xx SMTP code")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        if !engines.isEmpty { try c.encode(engines, forKey: .engines) }
        try c.encodeIfPresent(tagScore, forKey: .tagScore)
        try c.encodeIfPresent(quarantineScore, forKey: .quarantineScore)
        try c.encodeIfPresent(rejectScore, forKey: .rejectScore)
        if !onDetect.isEmpty {
            try c.encode(Dictionary(uniqueKeysWithValues: onDetect.map { ($0.key.rawValue, $0.value) }), forKey: .onDetect)
        }
        try c.encodeIfPresent(useModel, forKey: .useModel)
        try c.encodeIfPresent(macroMode, forKey: .macroMode)
        if !allowSenders.isEmpty { try c.encode(allowSenders, forKey: .allowSenders) }
        if !blockSenders.isEmpty { try c.encode(blockSenders, forKey: .blockSenders) }
        if !blockTypes.isEmpty { try c.encode(blockTypes, forKey: .blockTypes) }
        if !allowTypes.isEmpty { try c.encode(allowTypes, forKey: .allowTypes) }
        if !blockURLs.isEmpty { try c.encode(blockURLs, forKey: .blockURLs) }
        if !allowURLs.isEmpty { try c.encode(allowURLs, forKey: .allowURLs) }
        try c.encodeIfPresent(quarantineRetentionDays, forKey: .quarantineRetentionDays)
        try c.encodeIfPresent(rejectReply, forKey: .rejectReply)
    }

    /// These overrides on top of `base` (a direction's section): every key set here wins, lists
    /// of refusals add up, allow lists here replace the base's.
    public func layered(over base: TenantPolicy) -> TenantPolicy {
        var result = base
        result.engines.merge(engines) { _, mine in mine }
        result.tagScore = tagScore ?? base.tagScore
        result.quarantineScore = quarantineScore ?? base.quarantineScore
        result.rejectScore = rejectScore ?? base.rejectScore
        result.onDetect.merge(onDetect) { _, mine in mine }
        result.useModel = useModel ?? base.useModel
        result.macroMode = macroMode ?? base.macroMode
        result.allowSenders = allowSenders.isEmpty ? base.allowSenders : allowSenders
        result.blockSenders = base.blockSenders + blockSenders
        result.blockTypes = base.blockTypes + blockTypes
        result.allowTypes = allowTypes.isEmpty ? base.allowTypes : allowTypes
        result.blockURLs = base.blockURLs + blockURLs
        result.allowURLs = allowURLs.isEmpty ? base.allowURLs : allowURLs
        result.quarantineRetentionDays = quarantineRetentionDays ?? base.quarantineRetentionDays
        result.rejectReply = rejectReply ?? base.rejectReply
        return result
    }

    /// The global policy with this tenant's overrides applied.
    public func applied(to global: Policy) -> Policy {
        var policy = global
        if let tagScore { policy.tagScore = tagScore > 0 ? tagScore : nil }
        if let quarantineScore { policy.quarantineScore = quarantineScore > 0 ? quarantineScore : nil }
        if let rejectScore { policy.rejectScore = rejectScore > 0 ? rejectScore : nil }
        for (category, action) in onDetect { policy.onDetect[category] = action }
        if useModel == false { policy.model = nil }
        if let rejectReply { policy.rejectReply = rejectReply }
        return policy
    }

    /// Whether `sender` (an envelope address) is on `list`: an exact address, or `@domain` for
    /// the domain itself; case-insensitive.
    static func matches(_ sender: String?, _ list: [String]) -> Bool {
        guard let sender = sender?.lowercased(), !sender.isEmpty, !list.isEmpty else { return false }
        let domain = sender.split(separator: "@").last.map { "@" + $0 }
        return list.contains { pattern in
            let pattern = pattern.lowercased()
            return pattern == sender || pattern == domain
        }
    }

    /// Whether `host` is one of `hosts` or a subdomain of one.
    static func hostMatches(_ host: String, _ hosts: [String]) -> Bool {
        hosts.contains { host == $0 || host.hasSuffix("." + $0) }
    }

    static func isSenderPattern(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[1].isEmpty, !parts[1].contains(" ") else { return false }
        return true
    }
}
