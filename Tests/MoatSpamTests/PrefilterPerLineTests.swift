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

    /// A group counted three times and relaxed to once is a candidate on any line holding one
    /// field; such rules are reported at every match end and confirmed only on the lines where
    /// one ends. Hits stay those of PCRE2 alone: with Hyperscan matching the count exactly
    /// (`THREE_FIELDS`), relaxed where it cannot build the exact pattern (a lookahead,
    /// `LOOKED_FIELDS`), counted on each line for a `multiple` rule; never for a pattern that can
    /// match empty (`EMPTY_OK`), which would be reported at every offset.
    @Test func countedGroupsAreConfirmedWhereMatchesEnd() {
        let rules = """
            body THREE_FIELDS /(?:(?:name|phone|e-?mail)[:\\s]{1,5}){3}/i
            score THREE_FIELDS 1.0
            body LOOKED_FIELDS /(?:(?=[np])(?:name|phone)\\W{1,3}){2}/i
            tflags LOOKED_FIELDS multiple
            score LOOKED_FIELDS 0.5
            body EMPTY_OK /(?:x?){3}q?/
            score EMPTY_OK 0.1
            """
        let message = Fixtures.message("""
            From: a@example.com
            To: b@example.org
            Subject: your details

            Our name: is Acme and you can call our phone line.

            Send name: phone: email: to us today

            Nothing here at all

            Name, Phone, and again phone... name, phone

            e-mail only
            """)
        let set = Fixtures.compile(rules)
        let exact = Fixtures.hits(set, message, prefilter: false)
        let fast = Fixtures.hits(set, message, prefilter: true)
        #expect(exact["THREE_FIELDS"] == 1)
        #expect(exact["LOOKED_FIELDS"] == 3)
        #expect(exact["EMPTY_OK"] == 1)
        #expect(fast == exact)
        let reported = set.rules.indices.filter { set.confirmedWhereMatchesEnd[$0] }.map { set.rules[$0].name }
        #expect(Set(reported) == ["THREE_FIELDS", "LOOKED_FIELDS"])
        // The relaxed `(…){2}` is confirmed only on lines with two distinct match ends; the exact
        // `{3}` and the pattern that can match empty need no such count.
        let ends = Dictionary(uniqueKeysWithValues: set.rules.indices.map { (set.rules[$0].name, set.endsPerConfirmedText[$0]) })
        #expect(ends["LOOKED_FIELDS"] == 2)
        #expect(ends["THREE_FIELDS"] == 1)
        #expect(ends["EMPTY_OK"] == 1)
        // Hyperscan builds the counted form of THREE_FIELDS exactly; LOOKED_FIELDS's lookahead
        // exists only in prefilter mode, so that one stays relaxed.
        func exactBuilds(_ pattern: String) -> Bool {
            guard let form = CompiledRuleSet.prefilterForm(pattern, loosenGroupCounts: false) else { return false }
            return HyperscanPrefilter.compilesAlone(.init(id: 0, expression: form.expression, caseless: true, dotAll: false,
                                                         everyEnd: true, exact: true), cacheDirectory: nil)
        }
        #expect(exactBuilds(#"(?:(?:name|phone|e-?mail)[:\s]{1,5}){3}"#))
        #expect(!exactBuilds(#"(?:(?=[np])(?:name|phone)\W{1,3}){2}"#))
    }

    /// A relaxed `(X){3}` reported at every end is searched only in texts where the other two
    /// groups follow one of those ends (`repeatTails`): a text with three scattered fields and no
    /// run of them is ruled out, and the hits stay those of PCRE2 alone, a lookahead, a
    /// lookbehind reaching before the end, and a `multiple` count included.
    @Test func repeatTailsRuleOutTextsWithoutARun() throws {
        let rules = #"""
            body RUN_OF_FIELDS /(?:(?=[nape])(?:name|phone|age|e-?mail)(?<=\w)\W{1,3}){3}/i
            tflags RUN_OF_FIELDS multiple
            score RUN_OF_FIELDS 1.0
            """#
        let message = Fixtures.message("""
            From: a@example.com
            To: b@example.org
            Subject: your details

            Our name: is Acme, your age: matters and our phone line is open, e-mail us.

            Send name: phone: email: to us today

            Nothing here at all

            Name, Phone, AGE; and again phone, name, email.
            """)
        let set = Fixtures.compile(rules)
        guard let rule = set.rules.firstIndex(where: { $0.name == "RUN_OF_FIELDS" }) else {
            Issue.record("RUN_OF_FIELDS did not load")
            return
        }
        #expect(set.confirmedWhereMatchesEnd[rule])
        #expect(set.endsPerConfirmedText[rule] == 3)
        let tail = try #require(set.repeatTails[rule])
        let exact = Fixtures.hits(set, message, prefilter: false)
        let fast = Fixtures.hits(set, message, prefilter: true)
        #expect(exact["RUN_OF_FIELDS"] == 3)
        #expect(fast == exact)
        // The first line has four field ends and no run: the tail starts at none of them.
        let scattered = Array("Our name: is Acme, your age: matters and our phone line is open, e-mail us.".utf8)
        let runs = Array("Send name: phone: email: to us today".utf8)
        let scratch = PCRE2MatchScratch()
        scattered.withUnsafeBufferPointer { buffer in
            for end in [10, 29, 51, 72] { #expect(tail.mayMatch(in: buffer, at: end, scratch: scratch) == false) }
        }
        runs.withUnsafeBufferPointer { buffer in
            #expect(tail.mayMatch(in: buffer, at: 11, scratch: scratch) == true)
            #expect(tail.mayMatch(in: buffer, at: 18, scratch: scratch) == false)
            // Past the text: nothing to rule out.
            #expect(tail.mayMatch(in: buffer, at: buffer.count + 1, scratch: scratch) == true)
        }
    }

    /// A rule whose X tests a group the first X set keeps PCRE2's own hits.
    @Test func conditionalGroupsKeepTheirHits() {
        let set = Fixtures.compile("""
            body COND_RUN /(?:(?(1)b|(a))){2}/
            score COND_RUN 1.0
            """)
        let message = Fixtures.message("""
            From: a@example.com
            To: b@example.org
            Subject: x

            ab
            """)
        let exact = Fixtures.hits(set, message, prefilter: false)
        #expect(exact["COND_RUN"] == 1)
        #expect(Fixtures.hits(set, message, prefilter: true) == exact)
        #expect(set.rules.indices.allSatisfy { set.repeatTails[$0] == nil })
    }

    /// Only a whole pattern `(X){n}` whose X does not read its own groups has a tail.
    @Test func repeatTailShapes() {
        func tail(_ pattern: String) -> Bool { CompiledRuleSet.repeatTail(pattern, count: 3, options: [.caseless]) != nil }
        #expect(tail(#"(?:ab|cd){3}"#))
        #expect(tail(#"(?:(?-i:A)b\\){3}"#))
        #expect(!tail(#"(?:ab){3}c"#))
        #expect(!tail(#"x(?:ab){3}"#))
        #expect(!tail(#"(?:ab){2}"#))
        #expect(!tail(#"(?:(a)\1){3}"#))
        #expect(!tail(#"(?:(?<l>a)\k<l>){3}"#))
        #expect(!tail(#"(?:(a)(?1)){3}"#))
        #expect(!tail(#"(?:(a)(?-1)){3}"#))
        #expect(!tail(#"(?:a(?R)?){3}"#))
        // A condition on a group the first X set: `(?:(?(1)b|(a))){2}` matches "ab", its tail at 1
        // alone would not.
        #expect(!tail(#"(?:(?(1)b|(a))){3}"#))
        #expect(!tail(#"(?:(?(<n>)b|(?<n>a))){3}"#))
        #expect(!tail(#"(?:a(*ACCEPT)b){3}"#))
    }

    /// Text anchors become line anchors for the joined texts; what cannot be read safely is left
    /// to PCRE2 alone.
    @Test func textAnchorsBecomeLineAnchors() {
        #expect(CompiledRuleSet.prefilterForm(#"(?:\A|[\s,])cialis\b"#) == #"(?:^|[\s,])cialis\b"#)
        #expect(CompiledRuleSet.prefilterForm(#"^[a-z0-9]{6}\s*\z"#) == #"^[a-z0-9]{6}\s*$"#)
        #expect(CompiledRuleSet.prefilterForm(#"end\Z"#) == #"end$"#)
        #expect(CompiledRuleSet.prefilterForm(#"a\\Ab"#) == #"a\\Ab"#)
        #expect(CompiledRuleSet.prefilterForm(#"[]\A]x"#) == nil)
        #expect(CompiledRuleSet.prefilterForm(#"[[:alpha:]\]]\z"#) == #"[[:alpha:]\]]$"#)
        #expect(CompiledRuleSet.prefilterForm(#"\Gfoo"#) == nil)
        // How many counts were relaxed, and n when the one relaxed spans the whole pattern.
        func relaxed(_ pattern: String) -> (Int, Int?)? {
            CompiledRuleSet.prefilterForm(pattern, loosenGroupCounts: true).map { ($0.loosened, $0.wholeGroupCount) }
        }
        #expect(relaxed(#"(?:a(?:b|c)d){3}"#).map { [$0.0, $0.1 ?? 0] } == [1, 3])
        #expect(relaxed(#"(?:ab){3}c"#).map { [$0.0, $0.1 ?? 0] } == [1, 0])
        #expect(relaxed(#"x(?:ab){3}"#).map { [$0.0, $0.1 ?? 0] } == [1, 0])
        #expect(relaxed(#"(?:a){2}(?:b){2}"#).map { [$0.0, $0.1 ?? 0] } == [2, 0])
        #expect(relaxed(#"(a)(b){4}"#).map { [$0.0, $0.1 ?? 0] } == [1, 0])
        #expect(relaxed(#"(?:[(]a\)){2}"#).map { [$0.0, $0.1 ?? 0] } == [1, 2])
        #expect(relaxed(#"(?:ab){1,3}"#).map { [$0.0, $0.1 ?? 0] } == [0, 0])
        #expect(CompiledRuleSet.prefilterForm(#"\Qa\Ab\E"#) == nil)
        #expect(CompiledRuleSet.prefilterForm("plain") == "plain")
    }

    /// Counted ranges lose their upper bound and exact counts of groups become "one or more";
    /// exact counts of single atoms, optional ranges, possessive repeats and braces that are no
    /// repeat stay as written.
    @Test func largeRepeatsOpen() {
        #expect(CompiledRuleSet.prefilterForm(#"a{1,100}b[^>]{0,80}c"#) == #"a{1,}b[^>]{0,}c"#)
        #expect(CompiledRuleSet.prefilterForm(#"(?:x|y){3,10}?z"#) == #"(?:x|y){3,}?z"#)
        #expect(CompiledRuleSet.prefilterForm(#"a{2,9}b{3}c{4,}d{0,1}"#) == #"a{2,}b{3}c{4,}d{0,1}"#)
        #expect(CompiledRuleSet.prefilterForm(#"a{1,100}+b"#) == #"a{1,100}+b"#)
        #expect(CompiledRuleSet.prefilterForm(#"[x{1,100}]\{1,100}"#) == #"[x{1,100}]\{1,100}"#)
        #expect(CompiledRuleSet.prefilterForm(#"a{20,10}"#) == #"a{20,10}"#)
        #expect(CompiledRuleSet.prefilterForm(#"(?:ab|c){3}\d{4}(x){1}"#) == #"(?:ab|c){1,}\d{4}(x){1}"#)
        #expect(CompiledRuleSet.prefilterForm(#"\){3}[)]{3}(a){2}+"#) == #"\){3}[)]{3}(a){2}+"#)
        #expect(CompiledRuleSet.prefilterForm(#"a{1,1000000000}"#) == #"a{1,1000000000}"#)
    }

    /// SpamAssassin's `__FILL_THIS_FORM_FRAUD_PHISH1`: Hyperscan's own relaxation of its
    /// `{1,100}` blanks made it a candidate on any text; with the repeats opened it is not one on
    /// plain prose.
    @Test(.enabled(if: Fixtures.stockAvailable)) func stockFormRuleIsNoCandidateOnPlainText() throws {
        var parser = RuleFileParser()
        parser.load(paths: [Fixtures.stockRules])
        let parsed = parser.finish()
        guard case .pattern(let literal, _, _, _) = try #require(parsed.rules["__FILL_THIS_FORM_FRAUD_PHISH1"]).test else {
            Issue.record("__FILL_THIS_FORM_FRAUD_PHISH1 is no pattern rule")
            return
        }
        let relaxed = try #require(CompiledRuleSet.prefilterForm(literal.pattern))
        let database = HyperscanPrefilter([.init(id: 1, expression: relaxed, caseless: literal.caseless, dotAll: literal.dotAll)])
        #expect(database.rejected.isEmpty)
        let prose = "Dear colleague,\nthe quarterly report is attached; please review it before Friday.\nThanks, and best regards,\nAnna\n"
        #expect(Array(prose.utf8).withUnsafeBufferPointer { database.candidates(in: $0) }?.isEmpty == true)
        let form = "Please send us your bank account details: ........\n"
        #expect(Array(form.utf8).withUnsafeBufferPointer { database.candidates(in: $0) }?.isEmpty == false)
    }

    /// Opening a rule's large repeats keeps it exact: PCRE2 still decides, with or without the
    /// prefilter.
    @Test func openRepeatsKeepTheRuleSelective() throws {
        let blank = #"(?:[^-=_.,:;*\w]{0,3}(?:[-=_.,:;*\s]|[\xe2][\x80][\xa6]){1,100})"#
        let plainText = "The weather is fine and the meeting is at noon.\nSee you there.\n"
        let plain = Fixtures.message("Subject: hello\n\n" + plainText)
        let form = Fixtures.message("Subject: urgent\n\nPlease send:\nYour bank name: ______\nYour password: ........\n")
        let rule = #"(?:your\s)?(?:(?:bank|account)\s(?:name|number)|pass(?:word|port))(?:\s?[({][^)}]{1,30}[)}])?(?:\s*:\s*\#(blank)|\#(blank)$)"#
        let set = Fixtures.compile("body FORM_BLANKS /" + rule + "/i")
        #expect(set.summary.skipped.isEmpty)
        let relaxed = try #require(CompiledRuleSet.prefilterForm(rule))
        let database = HyperscanPrefilter([.init(id: 1, expression: relaxed, caseless: true, dotAll: false)])
        #expect(database.rejected.isEmpty)
        #expect(Array(plainText.utf8).withUnsafeBufferPointer { database.candidates(in: $0) }?.isEmpty == true)
        #expect(Fixtures.hits(set, plain, prefilter: true).isEmpty)
        #expect(Fixtures.hits(set, form, prefilter: false) == ["FORM_BLANKS": 1])
        #expect(Fixtures.hits(set, form, prefilter: true) == ["FORM_BLANKS": 1])
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
