/// What kind of harm an engine says it found; the policy maps each category to an action.
public enum VerdictCategory: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case suspicious
    case policy
    case spam
    case phishing
    case malware

    /// Severity order, so the worst category among several detections can be picked.
    public static func < (lhs: VerdictCategory, rhs: VerdictCategory) -> Bool {
        lhs.rank < rhs.rank
    }

    private var rank: Int {
        switch self {
        case .suspicious: 0
        case .policy: 1
        case .spam: 2
        case .phishing: 3
        case .malware: 4
        }
    }
}
