import Synchronization

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
        // Matched in place; the bytes are copied for the `Match` only when there is one (most
        // of the Received parser's hundreds of tries per message find nothing).
        let found = text.utf8.withContiguousStorageIfAvailable { buffer in
            ScratchPool.shared.with(pairs: groups) { compiled.captures(in: buffer, scratch: $0) }
        }
        guard let found else { return match(bytes: Array(text.utf8)) }
        return Self.match(found, groups: groups, bytes: Array(text.utf8))
    }

    /// The `Match` for PCRE2's capture ranges, nil when there was no match.
    private static func match(_ found: [Range<Int>?]?, groups: UInt32, bytes: @autoclosure () -> [UInt8]) -> Match? {
        // Groups past the pattern's own (a pooled scratch has room for more) are never set.
        guard var ranges = found, ranges.first != nil, ranges[0] != nil else { return nil }
        if ranges.count > Int(groups) { ranges.removeLast(ranges.count - Int(groups)) }
        return Match(bytes: bytes(), ranges: ranges)
    }

    func match(bytes: [UInt8], from start: Int = 0) -> Match? {
        let found = ScratchPool.shared.with(pairs: groups) { scratch in
            bytes.withUnsafeBufferPointer { compiled.captures(in: $0, from: start, scratch: scratch) }
        }
        return Self.match(found, groups: groups, bytes: bytes)
    }

    func matches(_ text: String) -> Bool {
        ScratchPool.shared.with(pairs: 1) { scratch in
            // Native strings are contiguous UTF-8: matched in place, without a copy.
            let inPlace = text.utf8.withContiguousStorageIfAvailable { compiled.firstMatch(in: $0, scratch: scratch) != nil }
            return inPlace ?? Array(text.utf8).withUnsafeBufferPointer { compiled.firstMatch(in: $0, scratch: scratch) != nil }
        }
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

/// Match scratch spaces reused across the evals' matches: creating and freeing PCRE2 match data
/// and a match context for every one of the hundreds of eval matches per message cost more than
/// most of the matches. Scratches are never used by two matches at once: each is taken out of the
/// pool for the duration of one match.
final class ScratchPool: Sendable {
    static let shared = ScratchPool()
    /// Offset pairs every pooled scratch holds; a pattern with more groups gets its own scratch.
    static let pairs: UInt32 = 16
    private let free = Mutex<[PCRE2MatchScratchBox]>([])

    func with<T>(pairs: UInt32, _ body: (PCRE2MatchScratch) -> T) -> T {
        guard pairs <= Self.pairs else { return body(PCRE2MatchScratch(pairs: pairs)) }
        let box = free.withLock { $0.popLast() } ?? PCRE2MatchScratchBox(PCRE2MatchScratch(pairs: Self.pairs))
        defer { free.withLock { if $0.count < 64 { $0.append(box) } } }
        return body(box.scratch)
    }
}

/// A scratch handed between threads through the pool, one user at a time.
final class PCRE2MatchScratchBox: @unchecked Sendable {
    // @unchecked: only the pool hands it out, and never to two matches at once.
    let scratch: PCRE2MatchScratch
    init(_ scratch: PCRE2MatchScratch) { self.scratch = scratch }
}
