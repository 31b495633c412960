import MailTestSupport
import Testing
@testable import MoatSpam

/// Anchors Hyperscan refuses inside a pattern are dropped from its prefilter form: the rest
/// matches wherever the pattern did, ending at the same byte.
@Suite("Prefilter forms without inner anchors")
struct InnerAnchorTests {
    @Test("inner ^ and $ go; a leading ^, a final $, escaped ones, class members and option resets stay")
    func forms() {
        #expect(CompiledRuleSet.withoutInnerAnchors(#"(?:$|\W)(?=o)opt(?:$|\W)"#) == #"(?:|\W)(?=o)opt(?:|\W)"#)
        #expect(CompiledRuleSet.withoutInnerAnchors(#"^from (?:^|\s)x$"#) == #"^from (?:|\s)x$"#)
        #expect(CompiledRuleSet.withoutInnerAnchors(#"^foo$"#) == #"^foo$"#)
        #expect(CompiledRuleSet.withoutInnerAnchors(#"a\$b\^c[$^]d[^$]e"#) == #"a\$b\^c[$^]d[^$]e"#)
        #expect(CompiledRuleSet.withoutInnerAnchors(#"[[:alpha:]$]x(?^i:y)$z"#) == #"[[:alpha:]$]x(?^i:y)z"#)
    }

    @Test("the relaxed form matches every text the pattern matches, ending at the same byte")
    func superset() throws {
        let patterns = [#"(?:^|\s)your\s(?:pass(?:word)?)\b"#, #"(?:$|\W)opt[-\s]?out(?:$|\W)"#, #"\w+(?:^|,)\d+$"#]
        var random = TestRandom(seed: 0xA1C4_0125)
        let pieces = ["your", " ", "pass", "word", "password", "opt", "out", "opt-out", "-", ",", "\n", "19", "x", "."]
        var matched = 0
        for expression in patterns {
            let exact = try PCRE2Pattern(expression, options: [.multiline])
            let relaxedEnding = try PCRE2Pattern("(?:" + CompiledRuleSet.withoutInnerAnchors(expression) + #")\z"#, options: [.multiline])
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
}
