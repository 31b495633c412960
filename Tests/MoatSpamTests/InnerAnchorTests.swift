import MailTestSupport
import Testing
@testable import MoatSpam

/// Anchors Hyperscan refuses inside a pattern are dropped from its prefilter form: the rest
/// matches wherever the pattern did, ending at the same byte.
@Suite("Prefilter forms without inner anchors")
struct InnerAnchorTests {
    @Test("inner ^ and $ go; a leading ^, a final $, escaped ones, class members and option resets stay")
    func forms() {
        #expect(RegexText.withoutInnerAnchors(#"(?:$|\W)(?=o)opt(?:$|\W)"#) == #"(?:|\W)(?=o)opt(?:|\W)"#)
        #expect(RegexText.withoutInnerAnchors(#"^from (?:^|\s)x$"#) == #"^from (?:|\s)x$"#)
        #expect(RegexText.withoutInnerAnchors(#"^foo$"#) == #"^foo$"#)
        #expect(RegexText.withoutInnerAnchors(#"a\$b\^c[$^]d[^$]e"#) == #"a\$b\^c[$^]d[^$]e"#)
        #expect(RegexText.withoutInnerAnchors(#"[[:alpha:]$]x(?^i:y)$z"#) == #"[[:alpha:]$]x(?^i:y)z"#)
    }

    @Test("the relaxed form matches every text the pattern matches, ending at the same byte")
    func superset() throws {
        let patterns = [#"(?:^|\s)your\s(?:pass(?:word)?)\b"#, #"(?:$|\W)opt[-\s]?out(?:$|\W)"#, #"\w+(?:^|,)\d+$"#]
        var random = TestRandom(seed: 0xA1C4_0125)
        let pieces = ["your", " ", "pass", "word", "password", "opt", "out", "opt-out", "-", ",", "\n", "19", "x", "."]
        var matched = 0
        for expression in patterns {
            let exact = try PCRE2Pattern(expression, options: [.multiline])
            let relaxedEnding = try PCRE2Pattern("(?:" + RegexText.withoutInnerAnchors(expression) + #")\z"#, options: [.multiline])
            let scratch = PCRE2MatchScratch()
            for text in random.texts(from: pieces, count: 10_000, maxPieces: 12).map({ Array($0.utf8) }) {
                guard let found = exact.firstMatch(in: text, scratch: scratch) else { continue }
                matched += 1
                // Some match of the relaxed form ends where the exact one does (`\z` on the text up
                // to that end; none of these patterns looks past its end).
                let ends = text.withUnsafeBufferPointer { buffer in
                    relaxedEnding.firstMatch(in: UnsafeBufferPointer(rebasing: buffer[..<found.upperBound]), scratch: scratch) != nil
                }
                #expect(ends, "\(expression) on \(String(decoding: text, as: UTF8.self))")
            }
        }
        #expect(matched > 400)
    }

    /// Hyperscan refuses these rules as written; their fallback is compiled instead, so PCRE2
    /// checks them only where Hyperscan names them, with the hits PCRE2 alone finds.
    @Test("a rule Hyperscan refuses for an inner anchor is prefiltered through its fallback")
    func refusedRulesArePrefiltered() {
        let set = Fixtures.compile("""
            body OPTOUT_WORD /(?:$|\\W)opt[-\\s]?out(?:$|\\W)/i
            score OPTOUT_WORD 1.0
            body YOUR_PASSWORD /(?:^|\\s)your\\s(?:pass(?:word)?)\\b/i
            score YOUR_PASSWORD 1.0
            """)
        #expect(set.summary.pcreOnly == 0)
        #expect(set.summary.prefiltered == 2)
        let texts = ["Click to opt-out now", "your password please", "nothing here", "you may opt out.", "adopt outright",
                     "confirm your pass today"]
        var hits = 0
        for text in texts {
            let message = Fixtures.message("From: a@example.com\nTo: b@example.org\nSubject: x\n\n\(text)\n")
            let found = Fixtures.hits(set, message)
            #expect(found == Fixtures.hits(set, message, prefilter: false), "\(text)")
            hits += found.values.reduce(0, +)
        }
        #expect(hits == 4)
    }
}
