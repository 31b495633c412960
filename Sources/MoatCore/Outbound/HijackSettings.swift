import Foundation

/// `[outbound.hijack]`: when an authenticated sender's mail departs from its own history far enough
/// to look like a stolen account, and what Moat then does with that sender's mail.
///
/// Two tests, both per window of `window_seconds`: an absolute cap that holds from the first
/// message (a new account has no history), and, once `learning_windows` windows are known, a
/// factor over the sender's decayed average (with a floor, so a quiet user sending twelve
/// messages instead of one is not called hijacked).
public struct HijackSettings: Sendable, Hashable, Codable {
    public var enabled: Bool = true
    public var windowSeconds: Double = 3600
    /// How fast old windows stop counting in the baseline: a window this old weighs half.
    public var halfLifeSeconds: Double = 7 * 86_400
    /// Windows of history before the baseline test applies (before that, only the caps).
    public var learningWindows: Int = 24
    /// A window above `factor` times the baseline (and above `floor`) is a departure.
    public var factor: Double = 10
    public var floor = OutboundCounts(messages: 20, recipients: 40, recipientDomains: 10, badVerdicts: 3)
    /// Above these in one window is a departure whatever the history.
    public var caps = OutboundCounts(messages: 300, recipients: 1000, recipientDomains: 200, badVerdicts: 10)
    /// What happens to the sender's mail once it departed: `tempfail` (the default), `quarantine`
    /// (the MTA's hold queue, for an operator) or `tag`.
    public var action: Action = .tempfail
    /// How long the action applies after a departure (an operator can clear it sooner).
    public var blockSeconds: Double = 3600
    /// The reply the sender's client sees for `tempfail`.
    public var reply = "451 4.7.1 Unusual volume of mail from this account: sending is paused, contact your mail administrator"
    /// Senders remembered at most (the least recently seen are forgotten first).
    public var maxSenders: Int = 100_000
    /// Distinct recipients and domains remembered per sender and window; counts saturate above.
    public var maxDistinct: Int = 5_000

    public init() {}

    /// The weight a window keeps after one more window: 0.5 per half-life.
    public var decay: Double {
        guard halfLifeSeconds > 0 else { return 0 }
        return pow(0.5, windowSeconds / halfLifeSeconds)
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case enabled, factor, floor, caps, action, reply
        case windowSeconds = "window_seconds"
        case halfLifeSeconds = "half_life_seconds"
        case learningWindows = "learning_windows"
        case blockSeconds = "block_seconds"
        case maxSenders = "max_senders"
        case maxDistinct = "max_distinct"
    }

    public init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, allowed: CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = HijackSettings()
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? d.enabled
        windowSeconds = try c.decodeIfPresent(Double.self, forKey: .windowSeconds) ?? d.windowSeconds
        halfLifeSeconds = try c.decodeIfPresent(Double.self, forKey: .halfLifeSeconds) ?? d.halfLifeSeconds
        learningWindows = try c.decodeIfPresent(Int.self, forKey: .learningWindows) ?? d.learningWindows
        factor = try c.decodeIfPresent(Double.self, forKey: .factor) ?? d.factor
        if c.contains(.floor) {
            floor = try OutboundCounts(from: c.superDecoder(forKey: .floor), defaults: d.floor)
        }
        if c.contains(.caps) {
            caps = try OutboundCounts(from: c.superDecoder(forKey: .caps), defaults: d.caps)
        }
        action = try c.decodeIfPresent(Action.self, forKey: .action) ?? d.action
        blockSeconds = try c.decodeIfPresent(Double.self, forKey: .blockSeconds) ?? d.blockSeconds
        reply = try c.decodeIfPresent(String.self, forKey: .reply) ?? d.reply
        maxSenders = try c.decodeIfPresent(Int.self, forKey: .maxSenders) ?? d.maxSenders
        maxDistinct = try c.decodeIfPresent(Int.self, forKey: .maxDistinct) ?? d.maxDistinct
        guard windowSeconds > 0, halfLifeSeconds > 0, blockSeconds >= 0, factor > 0, learningWindows >= 0, maxSenders > 0, maxDistinct > 0 else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription:
                "window_seconds, half_life_seconds, factor, max_senders and max_distinct must be positive; learning_windows and block_seconds not negative"))
        }
        guard [.tempfail, .quarantine, .tag].contains(action) else {
            throw DecodingError.dataCorruptedError(forKey: .action, in: c, debugDescription: "action must be tempfail, quarantine or tag")
        }
        guard reply.hasPrefix("4") else {
            throw DecodingError.dataCorruptedError(forKey: .reply, in: c, debugDescription: "reply must be a 4xx SMTP reply")
        }
    }
}
