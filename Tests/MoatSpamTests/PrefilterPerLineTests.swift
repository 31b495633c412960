import MoatCore
import Testing
@testable import MoatSpam

/// Body rules match each line (paragraph) alone, as SpamAssassin matches them; the Hyperscan
/// prefilter must never drop a rule PCRE2 would match on some line.
@Suite struct PrefilterPerLineTests {
    /// `\s` can eat a line's own newline and `$` then stands at the end of that line's text. The
    /// prefilter scans the lines joined into one text; when only one newline separated them, `$`
    /// stood before the next line's text there, and the rule was never a candidate: the stock rule
    /// `__FILL_THIS_FORM_LOAN1` (`…<FF_BLANK2>$`) missed "DESIRED WEEKLY INCOME (circle one)" in
    /// two corpus spams that way.
    @Test func aRuleEndingInWhitespaceThenDollarMatchesItsLine() {
        let rules = """
            body BLANK_AFTER_INCOME /income(?:\\s?[({][^)}]{1,30}[)}])?[\\s_]{1,100}$/i
            score BLANK_AFTER_INCOME 1.0
            body MULTI_DOTS /\\.{3,}\\s$/
            tflags MULTI_DOTS multiple
            score MULTI_DOTS 0.5
            """
        let message = Fixtures.message("""
            From: a@example.com
            To: b@example.org
            Subject: form

            DESIRED WEEKLY INCOME (circle one)

            $500 $1000 $2000

            Name ...

            Address ...

            Phone number
            """)
        let set = Fixtures.compile(rules)
        let subjects = RuleSubjects(message: message, envelope: Envelope(), maxBodyBytes: 1 << 20)
        let exact = Dictionary(uniqueKeysWithValues: set.evaluate(subjects, bayesProbability: nil, scoreSet: 0, prefilter: false).map { ($0.name, $0.count) })
        let fast = Dictionary(uniqueKeysWithValues: set.evaluate(subjects, bayesProbability: nil, scoreSet: 0, prefilter: true).map { ($0.name, $0.count) })
        #expect(exact["BLANK_AFTER_INCOME"] == 1)
        #expect(exact["MULTI_DOTS"] == 2)
        #expect(fast == exact)
        #expect(set.summary.prefiltered == 2)
    }

    /// Confirmation starts at the text holding the first prefilter match's last byte.
    @Test func joinedOffsetsMapToTheirText() {
        let ends = [4, 5, 12]  // "abc\n" "\n" "defghi\n"
        #expect(CompiledRuleSet.text(holding: -1, ends: ends) == 0)
        #expect(CompiledRuleSet.text(holding: 0, ends: ends) == 0)
        #expect(CompiledRuleSet.text(holding: 3, ends: ends) == 0)
        #expect(CompiledRuleSet.text(holding: 4, ends: ends) == 1)
        #expect(CompiledRuleSet.text(holding: 5, ends: ends) == 2)
        #expect(CompiledRuleSet.text(holding: 11, ends: ends) == 2)
        #expect(CompiledRuleSet.text(holding: 0, ends: []) == 0)
    }

    /// A `multiple` rule matching on several lines counts every one, whichever line the prefilter
    /// reported first.
    @Test func countsFromTheFirstReportedLineOn() {
        let rules = """
            body MANY_X /x\\d/
            tflags MANY_X multiple
            score MANY_X 0.1
            body LATE_Y /y(?=z)/
            score LATE_Y 0.1
            """
        let message = Fixtures.message("""
            From: a@example.com
            To: b@example.org
            Subject: no match here

            nothing on this line

            x1 and x2

            y then yz and x3

            last x4
            """)
        let set = Fixtures.compile(rules)
        let subjects = RuleSubjects(message: message, envelope: Envelope(), maxBodyBytes: 1 << 20)
        let exact = Dictionary(uniqueKeysWithValues: set.evaluate(subjects, bayesProbability: nil, scoreSet: 0, prefilter: false).map { ($0.name, $0.count) })
        let fast = Dictionary(uniqueKeysWithValues: set.evaluate(subjects, bayesProbability: nil, scoreSet: 0, prefilter: true).map { ($0.name, $0.count) })
        #expect(exact == ["MANY_X": 4, "LATE_Y": 1])
        #expect(fast == exact)
    }
}
