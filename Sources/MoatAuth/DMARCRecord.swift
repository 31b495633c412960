import Foundation

/// A DMARC policy record (RFC 7489 6.3): `v=DMARC1; p=...; sp=...; pct=...; adkim=...; aspf=...`.
public struct DMARCRecord: Sendable, Hashable {
    public enum Policy: String, Sendable, Hashable {
        case none, quarantine, reject
    }

    public var policy: Policy
    /// For subdomains of the organisational domain (defaults to `policy`).
    public var subdomainPolicy: Policy?
    /// Share of failing mail the policy applies to (0...100).
    public var percent: Int = 100
    /// Strict (`s`) or relaxed (`r`, the default) alignment.
    public var strictDKIM = false
    public var strictSPF = false

    public struct Invalid: Error, Hashable {
        public var reason: String
    }

    /// Whether a TXT string is a DMARC record at all (`v=DMARC1` first).
    static func isDMARC(_ text: String) -> Bool {
        guard let first = text.split(separator: ";").first else { return false }
        return first.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: " ", with: "") == "v=DMARC1"
    }

    public init(parsing text: String) throws(Invalid) {
        var tags: [String: String] = [:]
        for part in text.split(separator: ";") {
            let pair = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, !pair[0].isEmpty else { continue }
            tags[pair[0].lowercased()] = pair[1]
        }
        guard tags["v"] == "DMARC1" else { throw Invalid(reason: "not v=DMARC1") }
        // 6.6.3: a missing or invalid p= makes the record unusable (unless rua= is given, in which
        // case p=none applies; Moat sends no reports, so p=none either way).
        guard let p = tags["p"], let policy = Policy(rawValue: p.lowercased()) else {
            if tags["rua"] != nil {
                self.policy = .none
                return
            }
            throw Invalid(reason: "no valid p= tag")
        }
        self.policy = policy
        if let sp = tags["sp"] { subdomainPolicy = Policy(rawValue: sp.lowercased()) }
        if let pct = tags["pct"], let value = Int(pct), (0...100).contains(value) { percent = value }
        strictDKIM = tags["adkim"]?.lowercased() == "s"
        strictSPF = tags["aspf"]?.lowercased() == "s"
    }
}
