import CPCRE2

/// One compiled Perl-compatible regular expression (PCRE2, 8-bit, JIT when available).
///
/// The only owner of its `pcre2_code`: compiled code is read-only after JIT compilation, so one
/// pattern serves concurrent scans; each scan brings its own `PCRE2MatchScratch`.
final class PCRE2Pattern: @unchecked Sendable {
    // @unchecked: `code` is written once in init and only read afterwards; PCRE2 documents compiled
    // (and JIT-compiled) code as safe to share between threads.

    /// Compile options for the Perl modifiers Moat understands.
    struct Options: OptionSet, Sendable, Hashable {
        let rawValue: UInt32
        static let caseless = Options(rawValue: UInt32(PCRE2_CASELESS))
        static let dotAll = Options(rawValue: UInt32(PCRE2_DOTALL))
        static let extended = Options(rawValue: UInt32(PCRE2_EXTENDED))
        static let multiline = Options(rawValue: UInt32(PCRE2_MULTILINE))
        /// Matches only at the start offset (compiled in, so the JIT still runs it).
        static let anchored = Options(rawValue: UInt32(PCRE2_ANCHORED))
    }

    /// A pattern PCRE2 refused, with its message and offset.
    struct CompileError: Error, CustomStringConvertible, Sendable {
        var message: String
        var offset: Int
        var description: String { "PCRE2: \(message) at offset \(offset)" }
    }

    private let code: OpaquePointer
    /// Whether JIT compilation succeeded (matching then uses the JIT fast path).
    let isJIT: Bool
    /// Capture groups in the pattern (PCRE2_INFO_CAPTURECOUNT), for sizing match data.
    let captureCount: UInt32

    init(_ pattern: String, options: Options) throws {
        var errorCode: Int32 = 0
        var errorOffset = 0
        let bytes = Array(pattern.utf8)
        // NEVER_BACKSLASH_C: `\C` is unsafe in non-UTF mode engines; SpamAssassin rules do not need it.
        let flags = options.rawValue | UInt32(PCRE2_NEVER_BACKSLASH_C)
        let compiled = bytes.withUnsafeBufferPointer { buffer in
            pcre2_compile_8(buffer.baseAddress, buffer.count, flags, &errorCode, &errorOffset, nil)
        }
        guard let compiled else {
            var message = [UInt8](repeating: 0, count: 256)
            let n = pcre2_get_error_message_8(errorCode, &message, message.count)
            let text = n > 0 ? String(decoding: message[0..<Int(n)], as: UTF8.self) : "error \(errorCode)"
            throw CompileError(message: text, offset: errorOffset)
        }
        code = compiled
        isJIT = pcre2_jit_compile_8(compiled, UInt32(PCRE2_JIT_COMPLETE)) == 0
        var count: UInt32 = 0
        _ = pcre2_pattern_info_8(compiled, UInt32(PCRE2_INFO_CAPTURECOUNT), &count)
        captureCount = count
    }

    deinit { pcre2_code_free_8(code) }

    /// The byte range of the first match in `subject` at or after `start`, or nil.
    ///
    /// Match-limit errors count as no match: a rule never hangs or fails a scan.
    func firstMatch(in subject: UnsafeBufferPointer<UInt8>, from start: Int = 0, scratch: PCRE2MatchScratch) -> Range<Int>? {
        guard execute(subject, from: start, scratch: scratch) else { return nil }
        let ovector = pcre2_get_ovector_pointer_8(scratch.matchData)!
        let lower = ovector[0], upper = ovector[1]
        guard upper >= lower else { return lower..<lower }
        return lower..<upper
    }

    /// Runs the match; true when it matched (offsets are then in `scratch.matchData`).
    ///
    /// rc 0 is a match whose groups did not fit the match data (any pattern with more capture
    /// groups than `scratch` has pairs): the offsets that fit, the whole match first, are set.
    private func execute(_ subject: UnsafeBufferPointer<UInt8>, from start: Int, scratch: PCRE2MatchScratch) -> Bool {
        guard start <= subject.count else { return false }
        return match(subject, from: start, scratch: scratch) >= 0
    }

    /// PCRE2's return code for a match at or after `start` (at most `subject.count`).
    private func match(_ subject: UnsafeBufferPointer<UInt8>, from start: Int, scratch: PCRE2MatchScratch) -> Int32 {
        // A zero-length buffer may have a nil base address: PCRE2 needs a valid pointer.
        let empty: UInt8 = 0
        return withUnsafePointer(to: empty) { emptyPointer in
            let base = subject.baseAddress ?? emptyPointer
            return isJIT
                ? pcre2_jit_match_8(code, base, subject.count, start, 0, scratch.matchData, scratch.matchContext)
                : pcre2_match_8(code, base, subject.count, start, 0, scratch.matchData, scratch.matchContext)
        }
    }

    /// Whether a match may start at `start`, for a pattern compiled `anchored`: false only when
    /// PCRE2 answers that none does. A match-limit error answers true, since the caller then
    /// cannot rule the match out.
    func mayMatch(in subject: UnsafeBufferPointer<UInt8>, at start: Int, scratch: PCRE2MatchScratch) -> Bool {
        guard start <= subject.count else { return true }
        return match(subject, from: start, scratch: scratch) != PCRE2_ERROR_NOMATCH
    }

    /// Convenience for tests and small subjects.
    func firstMatch(in subject: [UInt8], scratch: PCRE2MatchScratch) -> Range<Int>? {
        subject.withUnsafeBufferPointer { firstMatch(in: $0, scratch: scratch) }
    }

    /// Byte ranges of the whole match (index 0) and each capture group of the first match at or
    /// after `start`, nil for a group that did not take part; nil when nothing matches. `scratch`
    /// needs room for the groups (`PCRE2MatchScratch(pairs:)`); groups beyond it read as nil.
    func captures(in subject: UnsafeBufferPointer<UInt8>, from start: Int = 0, scratch: PCRE2MatchScratch) -> [Range<Int>?]? {
        guard execute(subject, from: start, scratch: scratch) else { return nil }
        let pairs = Int(pcre2_get_ovector_count_8(scratch.matchData))
        let ovector = pcre2_get_ovector_pointer_8(scratch.matchData)!
        var groups: [Range<Int>?] = []
        groups.reserveCapacity(pairs)
        for i in 0..<pairs {
            let lower = ovector[2 * i], upper = ovector[2 * i + 1]
            // PCRE2_UNSET is ~0: an unset group.
            groups.append(lower == ~0 || upper < lower ? nil : lower..<upper)
        }
        return groups
    }

    /// Number of non-overlapping matches, at most `limit`.
    func countMatches(in subject: UnsafeBufferPointer<UInt8>, limit: Int, scratch: PCRE2MatchScratch) -> Int {
        var count = 0
        var start = 0
        while count < limit, let range = firstMatch(in: subject, from: start, scratch: scratch) {
            count += 1
            start = range.isEmpty ? range.upperBound + 1 : range.upperBound
            if start > subject.count { break }
        }
        return count
    }
}

/// Per-scan PCRE2 match state: match data with room for any pattern's whole-match offsets, and a
/// match context with limits so a pathological rule cannot stall a scan.
///
/// Not shareable between concurrent matches; one scan owns one.
final class PCRE2MatchScratch {
    fileprivate let matchData: OpaquePointer
    fileprivate let matchContext: OpaquePointer

    /// `pairs`: how many offset pairs to keep (1 for the whole match; more for capture groups).
    init(pairs: UInt32 = 1) {
        matchData = pcre2_match_data_create_8(pairs, nil)!
        matchContext = pcre2_match_context_create_8(nil)!
        pcre2_set_match_limit_8(matchContext, 1_000_000)
        pcre2_set_depth_limit_8(matchContext, 10_000)
        pcre2_set_heap_limit_8(matchContext, 20_000)
    }

    deinit {
        pcre2_match_data_free_8(matchData)
        pcre2_match_context_free_8(matchContext)
    }
}
