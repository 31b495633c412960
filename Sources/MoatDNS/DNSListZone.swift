import MoatCore

/// One DNS block list of a manifest (`[[options.dnsbl]]` of the auth engine, `[[options.uribl]]`
/// of the url engine): its zone, the score of a listing, and the return codes that count.
public struct DNSListZone: Sendable, Hashable {
    public var zone: String
    public var score: Double
    /// Return codes that count, with their meaning; empty: any 127.0.0.0/8 answer counts.
    public var codes: [String: String]

    public init(zone: String, score: Double, codes: [String: String]) {
        self.zone = zone
        self.score = score
        self.codes = codes
    }

    /// Reads an array of tables (`zone`, `score`, `codes` and the `extra` keys the caller reads
    /// itself), each with its table; unknown keys and malformed values are refused by path.
    public static func entries(
        _ value: ConfigValue, key: String, context: EngineBuildContext, extra: Set<String> = []
    ) throws -> [(list: DNSListZone, table: [String: ConfigValue])] {
        guard case .array(let items) = value else { throw context.invalid(key, "expected an array of tables ([[options.\(key)]])") }
        var entries: [(DNSListZone, [String: ConfigValue])] = []
        for (n, item) in items.enumerated() {
            guard case .table(let table) = item else { throw context.invalid("\(key)[\(n)]", "expected a table") }
            let allowed = extra.union(["zone", "score", "codes"])
            if let unknown = table.keys.sorted().first(where: { !allowed.contains($0) }) {
                throw context.invalid("\(key)[\(n)].\(unknown)", "unknown key (known: \(allowed.sorted().joined(separator: ", ")))")
            }
            guard let zone = table["zone"]?.stringValue, zone.contains("."), !zone.hasPrefix("."), !zone.contains(" ") else {
                throw context.invalid("\(key)[\(n)].zone", "expected a DNS zone such as \"zen.example.org\"")
            }
            var score = 1.0
            if let value = table["score"] {
                guard let number = value.doubleValue else { throw context.invalid("\(key)[\(n)].score", "expected a number") }
                score = number
            }
            var codes: [String: String] = [:]
            if let value = table["codes"] {
                guard case .table(let map) = value else { throw context.invalid("\(key)[\(n)].codes", "expected a table of \"127.0.0.x\" = \"meaning\"") }
                for (code, meaning) in map {
                    guard IPAddress.bytes(code)?.count == 4, let text = meaning.stringValue else {
                        throw context.invalid("\(key)[\(n)].codes.\(code)", "expected an IPv4 return code with a text meaning")
                    }
                    codes[code] = text
                }
            }
            var trimmed = zone.lowercased()
            if trimmed.hasSuffix(".") { trimmed.removeLast() }
            entries.append((DNSListZone(zone: trimmed, score: score, codes: codes), table))
        }
        return entries
    }

    /// The codes of an answer that count for this list ("127.0.0.2 spam source" with meanings).
    public func listed(_ answer: DNSAnswer) -> String? {
        let codes = answer.records.compactMap { if case .a(let code) = $0, code.hasPrefix("127.") { code } else { nil } }
        let counted = self.codes.isEmpty ? codes : codes.filter { self.codes[$0] != nil }
        guard !counted.isEmpty else { return nil }
        return counted.map { code in self.codes[code].map { "\(code) \($0)" } ?? code }.joined(separator: ", ")
    }
}
