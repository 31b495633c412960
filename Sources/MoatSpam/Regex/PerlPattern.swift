/// A Perl regular expression used by native evals (the Received-header parser, FreeMail, header
/// checks): PCRE2 with capture groups, matched on the UTF-8 bytes of a string as Perl matches
/// SpamAssassin's byte strings, so the eval ports can keep SpamAssassin's patterns verbatim.
///
/// Compiled once (static tables); each match allocates its own small match data, so one pattern
/// serves concurrent scans.
struct PerlPattern: Sendable {
    private let compiled: PCRE2Pattern
    private let groups: UInt32

    /// `pattern` in PCRE2 syntax, fixed in the source: one that does not compile is a programming error.
    init(_ pattern: String, caseless: Bool = false, extended: Bool = false, multiline: Bool = false) {
        guard let compiled = PerlPattern(compiling: pattern, caseless: caseless, extended: extended, multiline: multiline) else {
            fatalError("PerlPattern does not compile: \(pattern)")
        }
        self = compiled
    }

    /// `pattern` from data (rule arguments); nil when PCRE2 rejects it.
    init?(compiling pattern: String, caseless: Bool = false, extended: Bool = false, multiline: Bool = false) {
        var options: PCRE2Pattern.Options = []
        if multiline { options.insert(.multiline) }
        if caseless { options.insert(.caseless) }
        if extended { options.insert(.extended) }
        guard let compiled = try? PCRE2Pattern(pattern, options: options) else { return nil }
        self.compiled = compiled
        groups = compiled.captureCount + 1
    }

    /// One match: the whole text (index 0) and each group, nil when a group did not take part.
    struct Match {
        let bytes: [UInt8]
        let ranges: [Range<Int>?]

        subscript(_ i: Int) -> String? {
            guard i < ranges.count, let r = ranges[i] else { return nil }
            return String(decoding: bytes[r], as: UTF8.self)
        }

        /// Group `i`, or "" when it did not take part (Perl's undef in string context).
        func text(_ i: Int) -> String { self[i] ?? "" }

        var range: Range<Int> { ranges[0]! }
    }

    func match(_ text: String) -> Match? {
        match(bytes: Array(text.utf8))
    }

    func match(bytes: [UInt8], from start: Int = 0) -> Match? {
        let scratch = PCRE2MatchScratch(pairs: groups)
        guard let ranges = bytes.withUnsafeBufferPointer({ compiled.captures(in: $0, from: start, scratch: scratch) }),
              ranges.first != nil, ranges[0] != nil else { return nil }
        return Match(bytes: bytes, ranges: ranges)
    }

    func matches(_ text: String) -> Bool {
        let scratch = PCRE2MatchScratch()
        return Array(text.utf8).withUnsafeBufferPointer { compiled.firstMatch(in: $0, scratch: scratch) } != nil
    }

    /// Perl's `s/pattern/replacement/` (`global`: `/g`); returns whether anything was replaced.
    @discardableResult
    func replace(in text: inout String, global: Bool = false, with replacement: (Match) -> String) -> Bool {
        var bytes = Array(text.utf8)
        var out: [UInt8] = []
        var start = 0
        var replaced = false
        while start <= bytes.count, let m = match(bytes: bytes, from: start) {
            let r = m.range
            out.append(contentsOf: bytes[start..<r.lowerBound])
            out.append(contentsOf: Array(replacement(m).utf8))
            replaced = true
            if r.isEmpty {
                if r.upperBound < bytes.count { out.append(bytes[r.upperBound]) }
                start = r.upperBound + 1
            } else {
                start = r.upperBound
            }
            if !global { break }
        }
        guard replaced else { return false }
        if start < bytes.count { out.append(contentsOf: bytes[start...]) }
        bytes = out
        text = String(decoding: bytes, as: UTF8.self)
        return true
    }

    /// `s/pattern/literal/`.
    @discardableResult
    func replace(in text: inout String, global: Bool = false, with literal: String) -> Bool {
        replace(in: &text, global: global) { _ in literal }
    }
}
