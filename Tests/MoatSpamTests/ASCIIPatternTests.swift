import MailTestSupport
import Testing
@testable import MoatSpam

/// Narrowing a Hyperscan expression to ASCII text: what it keeps and drops, and (against Hyperscan
/// itself) the same matches at the same offsets on ASCII text as the expression it came from.
@Suite struct ASCIIPatternTests {
    @Test func narrowsWhatCannotMatchASCII() {
        let cases: [(String, ASCIIPattern.Narrowed)] = [
            (#"[a4\xE0-\xE6@]x"#, .narrowed("[a4@]x")),
            (#"(?:[goO0u\xbc]|[\xc3][\x92\x93])x"#, .narrowed("(?:[goO0u])x")),
            (#"(?:\xe9|e)t"#, .narrowed("(?:e)t")),
            (#"caf\xe9?s"#, .narrowed("cafs")),
            (#"a(?!\xc3)b"#, .narrowed("ab")),
            (#"a[\x20-\xff]"#, .narrowed(#"a[\x20-\x7f]"#)),
            (#"\xe9abc"#, .impossible),
            (#"a(?=\xc3)b"#, .impossible),
            ("é", .impossible),
            (#"x|\xe9"#, .narrowed("x")),
            (#"[^\x80-\xff]x"#, .unchanged),
            (#"\bv[i1!|l]agra{2,}\b"#, .unchanged),
            // Not understood: left as written.
            (#"[[:alpha:]]\xe9"#, .unchanged),
            (#"(a)\1\xe9"#, .unchanged),
            (#"(?i)\xe9"#, .unchanged),
            (#"\Q\xe9\E"#, .unchanged),
        ]
        for (expression, expected) in cases {
            #expect(ASCIIPattern.narrow(expression) == expected, "\(expression)")
        }
    }

    /// Look-alike spellings as the stock rules write them, matched by Hyperscan (every end, exact)
    /// on random ASCII text: the narrowed database reports what the original reports.
    @Test func sameMatchesOnASCIIText() throws {
        let expressions = [
            #"\b_{0,}v[_\W]?[i1!|l\xEC-\xEF][_\W]?[a4\xE0-\xE6@][_\W]?g[_\W]?r[_\W]?[a4\xE0-\xE6@]_{0,}\b"#,
            // (Lookarounds, which Hyperscan builds only in prefilter mode, are in the cases above.)
            #"(?:^|\W)(?:[oO0\xd2-\xd6]|[\xc3][\x92-\x96])(?:[pP\xfe]|[\xce][\xa1])(?:[tT\xd4]|[\xc5][\xa2-\xa7])[-\s]?(?:[oO0]|\xc3\x96)(?:[uU\xb5]|[\xc5][\xa8-\xb3])(?:[tT]|[\xcd][\xb2])(?:$|\W)"#,
            #"(?:\b|\s)[_\W]{0,}(?:\\/|V)[_\W]{0,}[a4\xE0-\xE6@][_\W]{0,}[l|][_\W]{0,}[i1!|l\xEC-\xEF][_\W]{0,}[u\xB5\xF9-\xFC][_\W]{0,}m\b"#,
            #"(?:\xa3|\$|EUR|\xe2\x82\xac)\s?\d{2,}"#,
            #"mill(?:[goO0u\xbc]|\xc3\xb6)ns?"#,
            #"[^\x80-\xff]{3}x"#,
            #"caf\xe9?s"#,
            #"\xe9t\xe9"#,
        ]
        let patterns = expressions.enumerated().map { HyperscanPrefilter.Pattern(id: UInt32($0), expression: $1, caseless: true, dotAll: false, everyEnd: true, exact: true) }
        var narrowed: [HyperscanPrefilter.Pattern] = []
        for pattern in patterns {
            switch ASCIIPattern.narrow(pattern.expression) {
            case .unchanged: narrowed.append(pattern)
            case .narrowed(let expression):
                var copy = pattern
                copy.expression = expression
                narrowed.append(copy)
            case .impossible: break
            }
        }
        #expect(narrowed.count == patterns.count - 1)
        let original = HyperscanPrefilter(patterns)
        let twin = HyperscanPrefilter(narrowed)
        #expect(original.rejected.isEmpty, "\(original.rejected)")
        #expect(twin.rejected.isEmpty, "\(twin.rejected)")
        var random = TestRandom(seed: 23)
        let pieces = ["v", "V", "i", "1", "!", "|", "l", "a", "4", "@", "g", "r", "_", " ", "-", "\n", "opt", "out", "0", "O", "p", "t", "u",
                      "\\/", "m", "$", "EUR", "12", "345", "mill", "on", "ons", "cafs", "x", "e", ".", "viagra", "v1agra", "0pt-0ut"]
        var matched = 0
        for text in random.texts(from: pieces, count: 3000, maxPieces: 12) {
            let bytes = Array(text.utf8)
            let a = try #require(bytes.withUnsafeBufferPointer { original.candidates(in: $0) })
            let b = try #require(bytes.withUnsafeBufferPointer { twin.candidates(in: $0) })
            #expect(a.map { "\($0.id):\($0.firstEnd)" }.sorted() == b.map { "\($0.id):\($0.firstEnd)" }.sorted(), "\(text)")
            if !a.isEmpty { matched += 1 }
        }
        #expect(matched > 300)
    }
}

/// The same narrowing for the rules' PCRE2 patterns (byte mode, as the rules are compiled):
/// the first match on ASCII text is the same range, lookarounds and captures included.
@Suite struct ASCIIPCREPatternTests {
    @Test func sameFirstMatchOnASCIIText() throws {
        let expressions = [
            #"(?:^|\W)(?=(?:[oO0\xd2-\xd6]|[\xc3][\x92-\x96]))(?!opt[-\s]?out)(?:[oO0\xd2-\xd6]|[\xc3][\x92-\x96])(?:[pP\xfe]|[\xce][\xa1])(?:[tT\xd4]|[\xc5][\xa2-\xa7])[-\s]?(?:[oO0]|\xc3\x96)(?:[uU\xb5]|[\xc5][\xa8-\xb3])(?:[tT]|[\xcd][\xb2])(?:$|\W)"#,
            #"\bfull(?:st[\xe4]ndigt)?\s?(name|nom)\b"#,
            #"(?<![\xe0-\xff])v[i1!|l\xEC-\xEF]agra(?=\W|$)"#,
            #"(a|\xe9)(b)\2"#,
            #"caf\xe9?s|\xe9t\xe9"#,
        ]
        var random = TestRandom(seed: 31)
        let pieces = ["o", "O", "0", "p", "P", "t", "T", "-", " ", "u", "U", "opt", "out", "full", "st", "name", "nom", "v", "i", "1", "!",
                      "agra", "a", "b", "bb", "caf", "s", "x", "\n", ".", " 0ptout ", " OPTOUT", "opt out", " full name", "fullnom ",
                      " viagra ", "v1agra", "abb", "cafs", "xcafs"]
        let texts = random.texts(from: pieces, count: 2000, maxPieces: 10)
        var narrowedCount = 0
        var matched = 0
        for expression in expressions {
            let original = try PCRE2Pattern(expression, options: .caseless)
            let narrowed: PCRE2Pattern
            switch ASCIIPattern.narrow(expression) {
            case .unchanged: narrowed = original
            case .narrowed(let text):
                narrowed = try PCRE2Pattern(text, options: .caseless)
                narrowedCount += 1
            case .impossible: narrowed = try PCRE2Pattern("(?!)", options: .caseless)
            }
            let scratch = PCRE2MatchScratch()
            for text in texts {
                let bytes = Array(text.utf8)
                let a = bytes.withUnsafeBufferPointer { original.firstMatch(in: $0, scratch: scratch) }
                let b = bytes.withUnsafeBufferPointer { narrowed.firstMatch(in: $0, scratch: scratch) }
                #expect(a == b, "\(expression) on \(text)")
                if a != nil { matched += 1 }
            }
        }
        #expect(narrowedCount == 4)
        #expect(matched > 1000)
    }
}
