/// What the keyword scan found in one project's source.
public struct MacroSourceScan: Sendable, Hashable {
    public var autoExec: [String] = []
    public var suspicious: [(keyword: String, reason: String)] = []

    public static func == (a: MacroSourceScan, b: MacroSourceScan) -> Bool {
        a.autoExec == b.autoExec && a.suspicious.map(\.keyword) == b.suspicious.map(\.keyword)
    }

    public func hash(into h: inout Hasher) {
        h.combine(autoExec)
        h.combine(suspicious.map(\.keyword))
    }

    /// Scans source text: identifiers match as whole words (case-insensitive), dotted names as
    /// substrings; string literals are checked for long Base64 runs.
    public init(source: String) {
        let lower = source.lowercased()
        let words = Set(Self.identifiers(lower))
        for name in MacroKeywords.autoExec where words.contains(name.lowercased()) {
            autoExec.append(name)
        }
        for word in words.sorted() where !MacroKeywords.autoExec.contains(where: { $0.lowercased() == word }) {
            let isHandler = MacroKeywords.autoExecSuffixes.contains { word.hasSuffix($0.lowercased()) && word.count > $0.count }
            if isHandler, lower.contains("sub " + word) { autoExec.append(word) }
        }
        for (keyword, reason) in MacroKeywords.suspicious {
            let k = keyword.lowercased()
            let hit = k.contains(".") ? lower.contains(k) : words.contains(k)
            if hit { suspicious.append((keyword, reason)) }
        }
        if Self.hasBase64Literal(source) { suspicious.append(("Base64 Strings", "Base64-encoded strings were detected")) }
    }

    private static func identifiers(_ text: String) -> [String] {
        var out: [String] = []
        var current = ""
        for ch in text.unicodeScalars {
            if ch.properties.isAlphabetic || ch == "_" || (ch >= "0" && ch <= "9") {
                current.unicodeScalars.append(ch)
            } else {
                if !current.isEmpty { out.append(current) }
                current = ""
            }
        }
        if !current.isEmpty { out.append(current) }
        return out
    }

    private static func hasBase64Literal(_ source: String) -> Bool {
        for literal in source.split(separator: "\"", omittingEmptySubsequences: false).enumerated() where literal.offset % 2 == 1 {
            let s = literal.element
            guard s.count >= 20, s.count % 4 == 0 else { continue }
            let ok = s.unicodeScalars.allSatisfy { ($0 >= "A" && $0 <= "Z") || ($0 >= "a" && $0 <= "z") || ($0 >= "0" && $0 <= "9") || $0 == "+" || $0 == "/" || $0 == "=" }
            let mixed = s.contains(where: \.isLowercase) && s.contains(where: \.isUppercase)
            if ok && mixed { return true }
        }
        return false
    }
}
