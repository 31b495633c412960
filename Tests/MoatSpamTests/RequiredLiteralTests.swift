import Foundation
import MailTestSupport
import Testing
@testable import MoatSpam

/// The bytes a pattern's every match contains, and the guard built on them: a pattern guarded
/// this way answers exactly as PCRE2 alone.
@Suite struct RequiredLiteralTests {
    private func required(_ pattern: String) -> String? {
        RequiredLiteral.longest(in: pattern).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test("the longest fixed run at the top level, or nil where none can be said")
    func extraction() {
        #expect(required(#"\) \(Authenticated sender: \S+\) by \S+ \(([^\)]+)\) with "#) == ") (Authenticated sender: ")
        #expect(required(#"^(\S+) \((\S+) \[(\d+)\]\) by (\S+) "#) == "]) by ")
        #expect(required(#"^(\S+) \((?:HELO|EHLO) (\S*)\) \((\d+)\) by (\S+) \(qpsmtpd\/\S+\) with (?:ESMTP|SMTP)"#) == " (qpsmtpd/")
        #expect(required("abcd?e") == "abc")
        #expect(required("abcde*f") == "abcd")
        #expect(required("xyzw+") == "xyz")
        #expect(required("abc{2}defg") == "defg")
        #expect(required("abcd{2,}?ef") == "abc")
        #expect(required("abc[xyz]defg") == "defg")
        #expect(required("ab.cd") == nil)
        #expect(required("abcdef|x") == nil)
        #expect(required("(?:abc|d)xyz") == "xyz")
        #expect(required("(?i)abcdef") == nil)
        #expect(required("(?i:abc)defgh") == nil)
        #expect(required(#"\Qabc|\Edefg"#) == nil)
        #expect(required("abcé") == nil)
        #expect(required("a{b,c}defg") == "defg")
        #expect(required(#"[\]|]abcd"#) == "abcd")
        #expect(required(#"(?<!x)from \S+ by"#) == "from ")
        #expect(required(#"ab\bcdef"#) == "cdef")
        #expect(required(#"\.\.\.x"#) == "...x")
        #expect(required("ab)cd") == nil)
    }

    @Test("a guarded pattern matches wherever PCRE2 alone does, with the same groups")
    func guardedMatchesEqualPCRE2() throws {
        // Each pattern with a text it matches; random texts mix whole samples, their thirds and
        // other pieces, so both answers come up.
        let patterns = [
            (#"^(\S+) \((\S+) \[(\d+\.\d+\.\d+\.\d+)\]\) by (\S+) "#, "mail (rdns [10.0.0.1]) by mx.example "),
            (#"\) \(Authenticated sender: \S+\) by \S+ \(([^\)]+)\) with "#, "x) (Authenticated sender: me) by mx (Postfix) with "),
            (#" id <?([^\s<>;]{3,})"#, "by mx id <abc123>"),
            (#"^from .*?(?:\]\)|\)\]) \(AUTH: (LOGIN|PLAIN) \S+(?:, .*?)?\) by "#, "from h ([1.2.3.4]) (AUTH: LOGIN u) by "),
            (#"by (\S+) \(Postfix\) with"#, "by mx.example (Postfix) with"),
            ("abcd+e?fgh", "abcddefgh"),
            (#"(?<=x)yzz{1,2}wvu"#, "xyzzzwvu"),
        ]
        let common = ["from ", "by ", " by ", "x", "(", ")", "[", "]", " ", "]) by ", "mx ", " id <", "10.0.0.1", "é"]
        var random = TestRandom(seed: 0x5E9E_17E5_0000_0004)
        for (pattern, sample) in patterns {
            let characters = Array(sample)
            let thirds = stride(from: 0, to: characters.count, by: max(1, characters.count / 3)).map {
                String(characters[$0..<min(characters.count, $0 + max(1, characters.count / 3))])
            }
            let pieces = common + [sample] + thirds
            let guarded = PerlPattern(pattern)
            #expect(guarded.required != nil, "\(pattern)")
            let plain = try PCRE2Pattern(pattern, options: [])
            let scratch = PCRE2MatchScratch(pairs: 16)
            var matched = 0
            for text in random.texts(from: pieces, count: 1_500, maxPieces: 9) {
                let bytes = Array(text.utf8)
                let expected = bytes.withUnsafeBufferPointer { plain.captures(in: $0, scratch: scratch) }
                let found = guarded.match(text)
                if expected != nil { matched += 1 }
                #expect(guarded.matches(text) == (expected != nil), "\(pattern) in \(text.debugDescription)")
                #expect(found?.ranges == expected.map { Array($0.prefix(found?.ranges.count ?? 0)) }, "\(pattern) in \(text.debugDescription)")
                let start = bytes.count / 2
                let fromHalf = bytes.withUnsafeBufferPointer { plain.captures(in: $0, from: start, scratch: scratch) }
                #expect((guarded.match(bytes: bytes, from: start) != nil) == (fromHalf != nil), "\(pattern) from \(start) in \(text.debugDescription)")
            }
            // Both answers are drawn: the texts hold matches too.
            #expect(matched > 10, "\(pattern): \(matched) matches")
        }
    }
}
