import Foundation
import MoatMessage
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
    /// The bytes the pattern stands for when it is a plain literal (the Received parser's format
    /// markers: `" SMTPSVC"`, `"Exim"`, `" \(Postfix\) with"`): `matches` then searches for them
    /// without PCRE2, a tenth of the cost of a match.
    let literal: [UInt8]?
    /// Bytes every match contains (`RequiredLiteral`): where they do not occur, there is no match
    /// and PCRE2 is not asked.
    let required: [UInt8]?

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
        // One reading of the pattern gives both: the whole literal, or the bytes a match needs.
        let reading = caseless || extended ? nil : RequiredLiteral.read(pattern)
        literal = reading?.plainLiteral
        required = literal ?? reading?.run(atLeast: 3)
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
        if let required, text.utf8.withContiguousStorageIfAvailable({ ByteSearch.occurs(required, in: $0) }) == false {
            return nil
        }
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
        // A match at or after `start` holds the required bytes there.
        if let required, start >= 0, start <= bytes.count,
           !bytes.withUnsafeBufferPointer({ ByteSearch.occurs(required, in: UnsafeBufferPointer(rebasing: $0[start...])) }) {
            return nil
        }
        let found = ScratchPool.shared.with(pairs: groups) { scratch in
            bytes.withUnsafeBufferPointer { compiled.captures(in: $0, from: start, scratch: scratch) }
        }
        return Self.match(found, groups: groups, bytes: bytes)
    }

    func matches(_ text: String) -> Bool {
        if let literal {
            let found = text.utf8.withContiguousStorageIfAvailable { ByteSearch.occurs(literal, in: $0) }
            return found ?? Array(text.utf8).withUnsafeBufferPointer { ByteSearch.occurs(literal, in: $0) }
        }
        if let required, text.utf8.withContiguousStorageIfAvailable({ ByteSearch.occurs(required, in: $0) }) == false {
            return false
        }
        return ScratchPool.shared.with(pairs: 1) { scratch in
            // Native strings are contiguous UTF-8: matched in place, without a copy.
            let inPlace = text.utf8.withContiguousStorageIfAvailable { compiled.firstMatch(in: $0, scratch: scratch) != nil }
            return inPlace ?? Array(text.utf8).withUnsafeBufferPointer { compiled.firstMatch(in: $0, scratch: scratch) != nil }
        }
    }

    /// Perl's `s/pattern/replacement/` (`global`: `/g`); returns whether anything was replaced.
    @discardableResult
    func replace(in text: inout String, global: Bool = false, with replacement: (Match) -> String) -> Bool {
        // The first match is looked for in place: most calls (clean-ups of Received fields, of
        // colours, of dates) find nothing, and then copy nothing.
        guard let first = match(text) else { return false }
        let bytes = first.bytes
        var out: [UInt8] = []
        var start = 0
        var next: Match? = first
        while let m = next {
            let r = m.range
            out.append(contentsOf: bytes[start..<r.lowerBound])
            out.append(contentsOf: Array(replacement(m).utf8))
            if r.isEmpty {
                if r.upperBound < bytes.count { out.append(bytes[r.upperBound]) }
                start = r.upperBound + 1
            } else {
                start = r.upperBound
            }
            next = global && start <= bytes.count ? match(bytes: bytes, from: start) : nil
        }
        if start < bytes.count { out.append(contentsOf: bytes[start...]) }
        text = String(decoding: out, as: UTF8.self)
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
/// most of the matches. Each thread keeps one scratch of its own (a pooled one behind a lock cost
/// two lock round trips per match, a tenth of a typical Received-parser match), so no two
/// matches ever share one: a match nested in another's (none does today) gets a fresh scratch.
final class ScratchPool: Sendable {
    static let shared = ScratchPool()
    /// Offset pairs every kept scratch holds; a pattern with more groups gets its own scratch.
    static let pairs: UInt32 = 16
    /// The thread's `PCRE2MatchScratchBox`, retained; released when the thread exits.
    private let key: pthread_key_t

    private init() {
        var key = pthread_key_t()
        let rc = pthread_key_create(&key) { box in
            guard let box else { return }
            Unmanaged<PCRE2MatchScratchBox>.fromOpaque(box).release()
        }
        precondition(rc == 0, "pthread_key_create: \(rc)")
        self.key = key
    }

    func with<T>(pairs: UInt32, _ body: (PCRE2MatchScratch) -> T) -> T {
        guard pairs <= Self.pairs else { return body(PCRE2MatchScratch(pairs: pairs)) }
        let box: PCRE2MatchScratchBox
        if let raw = pthread_getspecific(key) {
            box = Unmanaged<PCRE2MatchScratchBox>.fromOpaque(raw).takeUnretainedValue()
        } else {
            box = PCRE2MatchScratchBox(PCRE2MatchScratch(pairs: Self.pairs))
            pthread_setspecific(key, Unmanaged.passRetained(box).toOpaque())
        }
        guard !box.inUse else { return body(PCRE2MatchScratch(pairs: Self.pairs)) }
        box.inUse = true
        defer { box.inUse = false }
        return body(box.scratch)
    }
}

/// A thread's scratch, and whether a match on that thread holds it now.
final class PCRE2MatchScratchBox: @unchecked Sendable {
    // @unchecked: only its own thread reads or writes it (see `ScratchPool`).
    let scratch: PCRE2MatchScratch
    var inUse = false
    init(_ scratch: PCRE2MatchScratch) { self.scratch = scratch }
}
