import Testing
@testable import MoatSpam

@Suite("Perl patterns for evals")
struct PerlPatternTests {
    @Test("match data is sized by the real capture groups, not by every parenthesis")
    func captureCount() throws {
        let pattern = try PCRE2Pattern(#"(?:a|b)(c)(?:d(?:e))\((f)\)"#, options: [])
        #expect(pattern.captureCount == 2)
        let perl = PerlPattern(#"(?:a|b)(c)(?:d(?:e))\((f)\)"#)
        let match = try #require(perl.match("xacde(f)y"))
        #expect(match.text(0) == "acde(f)")
        #expect(match.text(1) == "c")
        #expect(match.text(2) == "f")
        #expect(match[3] == nil)
    }
}
