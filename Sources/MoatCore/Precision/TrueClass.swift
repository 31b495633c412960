/// What a message really was, as an operator, a user report or a labelled corpus says.
public enum TrueClass: String, Sendable, Hashable, Codable, CaseIterable {
    case ham
    case spam
    case malware
    case phishing

    /// The verdict category a correct engine would have reported (nil for ham: clean).
    public var expectedCategory: VerdictCategory? {
        switch self {
        case .ham: nil
        case .spam: .spam
        case .malware: .malware
        case .phishing: .phishing
        }
    }
}
