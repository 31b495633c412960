/// What one sender's outbound mail amounts to over a window: the quantities a hijacked account
/// drives up (volume, spread over recipients and domains, and mail the engines call bad).
public struct OutboundCounts: Sendable, Hashable, Codable {
    public var messages: Double
    /// Distinct recipients.
    public var recipients: Double
    /// Distinct recipient domains.
    public var recipientDomains: Double
    /// Messages decided spam, phishing or malware.
    public var badVerdicts: Double

    public init(messages: Double = 0, recipients: Double = 0, recipientDomains: Double = 0, badVerdicts: Double = 0) {
        self.messages = messages
        self.recipients = recipients
        self.recipientDomains = recipientDomains
        self.badVerdicts = badVerdicts
    }

    /// The quantities by name, in a fixed order (the names are the configuration keys). Key paths
    /// are immutable values that the compiler does not mark Sendable yet.
    nonisolated(unsafe) public static let metrics: [(name: String, key: WritableKeyPath<OutboundCounts, Double>)] = [
        ("messages", \.messages), ("recipients", \.recipients), ("recipient_domains", \.recipientDomains), ("bad_verdicts", \.badVerdicts),
    ]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case messages, recipients
        case recipientDomains = "recipient_domains"
        case badVerdicts = "bad_verdicts"
    }

    /// Missing keys keep `defaults` (so `caps = { messages = 100 }` keeps the other caps); unknown
    /// keys are refused.
    public init(from decoder: any Decoder, defaults: OutboundCounts) throws {
        try StrictKeys.check(decoder, allowed: CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        messages = try c.decodeIfPresent(Double.self, forKey: .messages) ?? defaults.messages
        recipients = try c.decodeIfPresent(Double.self, forKey: .recipients) ?? defaults.recipients
        recipientDomains = try c.decodeIfPresent(Double.self, forKey: .recipientDomains) ?? defaults.recipientDomains
        badVerdicts = try c.decodeIfPresent(Double.self, forKey: .badVerdicts) ?? defaults.badVerdicts
    }

    public init(from decoder: any Decoder) throws {
        try self.init(from: decoder, defaults: OutboundCounts())
    }
}
