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
        let exact = Fixtures.hits(set, message, prefilter: false)
        let fast = Fixtures.hits(set, message, prefilter: true)
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
        let exact = Fixtures.hits(set, message, prefilter: false)
        let fast = Fixtures.hits(set, message, prefilter: true)
        #expect(exact == ["MANY_X": 4, "LATE_Y": 1])
        #expect(fast == exact)
    }

    /// Text anchors become line anchors for the joined texts; what cannot be read safely is left
    /// to PCRE2 alone.
    @Test func textAnchorsBecomeLineAnchors() {
        #expect(CompiledRuleSet.lineAnchored(#"(?:\A|[\s,])cialis\b"#) == #"(?:^|[\s,])cialis\b"#)
        #expect(CompiledRuleSet.lineAnchored(#"^[a-z0-9]{6,24}\s*\z"#) == #"^[a-z0-9]{6,24}\s*$"#)
        #expect(CompiledRuleSet.lineAnchored(#"end\Z"#) == #"end$"#)
        #expect(CompiledRuleSet.lineAnchored(#"a\\Ab"#) == #"a\\Ab"#)
        #expect(CompiledRuleSet.lineAnchored(#"[]\A]x"#) == nil)
        #expect(CompiledRuleSet.lineAnchored(#"[[:alpha:]\]]\z"#) == #"[[:alpha:]\]]$"#)
        #expect(CompiledRuleSet.lineAnchored(#"\Gfoo"#) == nil)
        #expect(CompiledRuleSet.lineAnchored(#"\Qa\Ab\E"#) == nil)
        #expect(CompiledRuleSet.lineAnchored("plain") == "plain")
    }

    /// Rules anchored to a line's start or end are prefiltered and still hit where PCRE2 alone
    /// says they do, on any line.
    @Test func anchoredRulesArePrefilteredAndExact() {
        let rules = #"""
            body START_WORD /(?:\A|\s)zz[a-z]+/
            score START_WORD 1.0
            body WHOLE_LINE /\A[a-z0-9]{6,24}\s*\z/
            score WHOLE_LINE 1.0
            body ENDS_DOTS /\.{3}\Z/
            score ENDS_DOTS 1.0
            body NEVER /\Aqqq\z/
            score NEVER 1.0
            """#
        let message = Fixtures.message("""
            From: a@example.com
            To: b@example.org
            Subject: hello

            first line of text

            zzbottom starts this one

            abcdef1234567890

            it trails off...
            """)
        let set = Fixtures.compile(rules)
        #expect(set.summary.prefiltered == 4)
        let exact = Fixtures.hits(set, message, prefilter: false)
        let fast = Fixtures.hits(set, message, prefilter: true)
        #expect(exact == ["START_WORD": 1, "WHOLE_LINE": 1, "ENDS_DOTS": 1])
        #expect(fast == exact)
    }
}
