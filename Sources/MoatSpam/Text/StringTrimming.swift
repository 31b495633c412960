import Foundation

extension StringProtocol {
    /// `trimmingCharacters(in: .whitespacesAndNewlines)`, answered without Foundation's string
    /// search when neither end is whitespace, which is nearly always (addresses, links): the
    /// Foundation call bridged and searched every string and cost 2.5 % of a spam scan.
    func trimmingWhitespaceAndNewlines() -> String {
        guard let first = unicodeScalars.first, let last = unicodeScalars.last else { return "" }
        let spaces = CharacterSet.whitespacesAndNewlines
        if !spaces.contains(first), !spaces.contains(last) { return String(self) }
        return trimmingCharacters(in: spaces)
    }
}

extension StringProtocol {
    /// `trimmingCharacters(in: .whitespaces)`, with the same fast path: address parts are split
    /// and trimmed several times per header (`RuleSubjects.parseAddresses`).
    func trimmingWhitespaces() -> String {
        guard let first = unicodeScalars.first, let last = unicodeScalars.last else { return "" }
        let spaces = CharacterSet.whitespaces
        if !spaces.contains(first), !spaces.contains(last) { return String(self) }
        return trimmingCharacters(in: spaces)
    }
}
