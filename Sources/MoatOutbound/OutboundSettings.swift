import MoatCore

/// `[outbound]` in `moat.toml`: what Moat does about mail leaving the organisations behind it
/// (mail the policy calls outbound: an authenticated client, or one in `internal_networks`).
public struct OutboundSettings: Sendable, Hashable, Codable {
    /// Hijacked-account detection (`[outbound.hijack]`).
    public var hijack = HijackSettings()
    /// Send-hold and recall (`[outbound.hold]`).
    public var hold = SendHoldSettings()
    /// Mis-send guards (`[outbound.guards]`).
    public var guards = MisSendGuardSettings()
    /// How often changed sender counters are written to the store (they are also written at stop).
    public var saveIntervalSeconds: Double = 5

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case hijack, hold, guards
        case saveIntervalSeconds = "save_interval_seconds"
    }

    public init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, allowed: CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        hijack = try c.decodeIfPresent(HijackSettings.self, forKey: .hijack) ?? HijackSettings()
        hold = try c.decodeIfPresent(SendHoldSettings.self, forKey: .hold) ?? SendHoldSettings()
        guards = try c.decodeIfPresent(MisSendGuardSettings.self, forKey: .guards) ?? MisSendGuardSettings()
        saveIntervalSeconds = try c.decodeIfPresent(Double.self, forKey: .saveIntervalSeconds) ?? 5
        // At most a day: the loop sleeps for it in whole milliseconds, and 1e300 seconds trapped there.
        guard saveIntervalSeconds > 0, saveIntervalSeconds <= 86_400 else {
            throw DecodingError.dataCorruptedError(forKey: .saveIntervalSeconds, in: c, debugDescription: "must be above 0 and at most 86400")
        }
    }
}
