/// RFC 7208 2.6: the seven results of `check_host()`.
public enum SPFResult: String, Sendable, Hashable, Codable, CaseIterable {
    case none, neutral, pass, fail, softfail, temperror, permerror
}

/// A `check_host()` outcome with what decided it, for findings and `Authentication-Results`.
public struct SPFOutcome: Sendable, Hashable {
    public var result: SPFResult
    /// The domain whose policy was evaluated (the MAIL FROM domain, or the HELO name).
    public var domain: String
    /// The mechanism that matched (`ip4:192.0.2.0/24`, `include:_spf.example.com`), or why none did.
    public var reason: String
    /// The `exp=` explanation of a `fail`, expanded.
    public var explanation: String?
    /// DNS queries that counted against the limit of 10.
    public var lookups: Int

    public init(result: SPFResult, domain: String, reason: String, explanation: String? = nil, lookups: Int = 0) {
        self.result = result
        self.domain = domain
        self.reason = reason
        self.explanation = explanation
        self.lookups = lookups
    }
}
