/// What happens to a message; ordered by severity so the strictest applicable action wins.
public enum Action: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    /// Deliver unchanged except for Moat's headers.
    case accept
    /// Deliver with headers that mark it (for the recipient's filters).
    case tag
    /// Accept, but hold it for an operator (Postfix's hold queue).
    case quarantine
    /// Refuse for now; the sending MTA retries later.
    case tempfail
    /// Refuse permanently with an SMTP 5xx reply.
    case reject
    /// Accept and silently drop.
    case discard

    public static func < (lhs: Action, rhs: Action) -> Bool {
        lhs.severity < rhs.severity
    }

    private var severity: Int {
        switch self {
        case .accept: 0
        case .tag: 1
        case .quarantine: 2
        case .tempfail: 3
        case .reject: 4
        case .discard: 5
        }
    }
}
