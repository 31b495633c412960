/// How a ClamAV alert name is reported: a signature, a heuristic, or a limit reached. Shared by
/// the in-process `clamav` adapter and the `clamd` client, which must report alike.
public enum ClamAVAlert: Equatable, Sendable {
    /// A database signature matched (`Win.Trojan...`, `Moat.Test.EICAR.Body.UNOFFICIAL`).
    case signature(String)
    /// A `Heuristics.*` alert: encrypted archive, broken executable, phishing, macros.
    case heuristic(String)
    /// `Heuristics.Limits.Exceeded.*`: the content was not fully scanned.
    case limit(String)

    public init(name: String) {
        if name.hasPrefix("Heuristics.Limits.Exceeded") {
            self = .limit(name)
        } else if name.hasPrefix("Heuristics.") {
            self = .heuristic(name)
        } else {
            self = .signature(name)
        }
    }

    /// Finding code: `clamav.signature`, `clamav.heuristic` or `clamav.limit`.
    public var code: String {
        switch self {
        case .signature: "clamav.signature"
        case .heuristic: "clamav.heuristic"
        case .limit: "clamav.limit"
        }
    }

    public var name: String {
        switch self {
        case .signature(let name), .heuristic(let name), .limit(let name): name
        }
    }
}
