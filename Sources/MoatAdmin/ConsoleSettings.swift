/// The operators' web console on the admin listener: whether it is served and how long a
/// sign-in lasts. It shares the admin API's listener, so it is on loopback unless `listen` says
/// otherwise.
public struct ConsoleSettings: Sendable, Hashable, Codable {
    public var enabled = true
    /// A session unused this long ends (the operator signs in again).
    public var sessionIdleSeconds = 1_800
    /// A session ends this long after sign-in, however busy.
    public var sessionLifetimeSeconds = 43_200
    /// Sessions kept at once; the least recently used goes first.
    public var maxSessions = 1_000
    /// Mark cookies `Secure` (set when the listener is behind a TLS proxy).
    public var secureCookie = false
    /// Failed sign-ins allowed per minute before the form answers 429 for the rest of it.
    public var signInAttemptsPerMinute = 20

    public init() {}

    enum CodingKeys: String, CodingKey {
        case enabled
        case sessionIdleSeconds = "session_idle_seconds"
        case sessionLifetimeSeconds = "session_lifetime_seconds"
        case maxSessions = "max_sessions"
        case secureCookie = "secure_cookie"
        case signInAttemptsPerMinute = "sign_in_attempts_per_minute"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ConsoleSettings()
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? d.enabled
        sessionIdleSeconds = try c.decodeIfPresent(Int.self, forKey: .sessionIdleSeconds) ?? d.sessionIdleSeconds
        sessionLifetimeSeconds = try c.decodeIfPresent(Int.self, forKey: .sessionLifetimeSeconds) ?? d.sessionLifetimeSeconds
        maxSessions = try c.decodeIfPresent(Int.self, forKey: .maxSessions) ?? d.maxSessions
        secureCookie = try c.decodeIfPresent(Bool.self, forKey: .secureCookie) ?? d.secureCookie
        signInAttemptsPerMinute = try c.decodeIfPresent(Int.self, forKey: .signInAttemptsPerMinute) ?? d.signInAttemptsPerMinute
        for (key, value) in [(CodingKeys.sessionIdleSeconds, sessionIdleSeconds), (.sessionLifetimeSeconds, sessionLifetimeSeconds),
                             (.maxSessions, maxSessions), (.signInAttemptsPerMinute, signInAttemptsPerMinute)] where value < 1 {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "must be at least 1")
        }
    }
}
