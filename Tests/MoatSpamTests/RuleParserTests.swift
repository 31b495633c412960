import Foundation
import MoatMessage
import Testing
@testable import MoatSpam

@Suite("Rule file parser")
struct RuleParserTests {
    @Test func bodyRawbodyUriFullAndHeaderDirectives() {
        let parsed = Fixtures.parse("""
            body     B1  /cheap\\s+viagra/i
            rawbody  R1  m{friend,}
            uri      U1  /\\.biz\\//
            full     F1  /^X-Mailer: Spammer/m
            header   H1  Subject =~ /meds/
            header   H2  From:addr =~ /^alice\\@example\\.com$/
            header   H3  From:name =~ /Alice/
            header   H4  X-Missing !~ /./ [if-unset: fallback]
            header   H5  exists:X-Mailer
            header   H6  ALL =~ /^To: bob/m
            header   H7  Subject:raw =~ /Cheap/
            score B1 2.5
            score H1 1 2 3 4
            describe B1 Cheap viagra
            """)
        #expect(parsed.rules.count == 11)
        #expect(parsed.scores["B1"] == [2.5])
        #expect(parsed.scores["H1"] == [1, 2, 3, 4])
        #expect(parsed.descriptions["B1"] == "Cheap viagra")
        guard case .pattern(let literal, let header, _, _) = parsed.rules["H2"]!.test else { Issue.record("H2"); return }
        #expect(literal.pattern == "^alice\\@example\\.com$")
        #expect(header?.address == true)
        guard case .pattern(_, _, let negated, let unset) = parsed.rules["H4"]!.test else { Issue.record("H4"); return }
        #expect(negated && unset == "fallback")
        guard case .exists("X-Mailer") = parsed.rules["H5"]!.test else { Issue.record("H5"); return }

        let hits = Fixtures.hits("""
            body     B1  /cheap\\s+viagra/i
            rawbody  R1  m{friend,}
            uri      U1  /\\.biz\\//
            full     F1  /^X-Mailer: Spammer/m
            header   H1  Subject =~ /meds/
            header   H2  From:addr =~ /^alice\\@example\\.com$/
            header   H3  From:name =~ /^Alice Example$/
            header   H4  X-Missing !~ /fallback/ [if-unset: fallback]
            header   H5  exists:X-Mailer
            header   H6  ALL =~ /^To: bob/m
            header   H7  Subject:raw =~ /Cheap/
            header   H8  X-Missing !~ /x/
            header   H9  Subject =~ /nomatch/
            """, Fixtures.plain)
        #expect(Set(hits.keys) == ["B1", "R1", "U1", "F1", "H1", "H2", "H3", "H5", "H6", "H7", "H8"])
    }

    @Test func metaBooleanAndArithmetic() {
        let rules = """
            body __A /cheap/i
            body __B /viagra/
            body __C /absent/
            meta M_AND (__A && __B)
            meta M_OR __C || __B
            meta M_NOT !__C && __A
            meta M_SUM (__A + __B + __C) >= 2
            meta M_FAIL __A && __C
            meta M_NESTED M_SUM && !M_FAIL
            """
        let hits = Fixtures.hits(rules, Fixtures.plain)
        #expect(Set(hits.keys) == ["M_AND", "M_OR", "M_NOT", "M_SUM", "M_NESTED"])
    }

    @Test func tflagsMultipleAndMaxhits() {
        let hits = Fixtures.hits("""
            body CHEAP_ONE /cheap/i
            body CHEAP_ALL /cheap/i
            tflags CHEAP_ALL multiple
            body CHEAP_MAX /cheap/i
            tflags CHEAP_MAX multiple maxhits=2
            body NICE_RULE /friend/
            tflags NICE_RULE nice
            body NET_RULE /friend/
            tflags NET_RULE net
            header NET_EVAL eval:check_header_count_range('From', '1', '1')
            tflags NET_EVAL net
            meta NET_META NET_RULE
            tflags NET_META net
            """, Fixtures.plain)
        #expect(hits["CHEAP_ONE"] == 1)
        #expect(hits["CHEAP_ALL"] == 5)  // Subject line + 4 in the body
        #expect(hits["CHEAP_MAX"] == 2)
        // Offline, SpamAssassin skips only eval rules flagged net; net patterns and metas still run.
        #expect(hits["NET_EVAL"] == nil)
        #expect(hits["NET_RULE"] == 1)
        #expect(hits["NET_META"] == 1)
        let set = Fixtures.compile("body NICE_RULE /friend/\ntflags NICE_RULE nice\nheader N2 eval:check_header_count_range('From', '1', '1')\ntflags N2 net")
        #expect(set.rules.first { $0.name == "NICE_RULE" }!.scores == [-1])
        #expect(set.summary.netSkipped == 1)
    }

    @Test("every meta rule of a dependency cycle is skipped, not only the one where the cycle closes; rules outside it still run")
    func metaCyclesAreSkippedWhole() {
        let set = Fixtures.compile("""
            body CHEAP /cheap/
            meta LOOP_A LOOP_B && CHEAP
            meta LOOP_B LOOP_C
            meta LOOP_C LOOP_A
            meta FINE CHEAP
            score LOOP_A 1
            score LOOP_B 1
            score LOOP_C 1
            score FINE 1
            score CHEAP 1
            """)
        let cyclic = Set(set.summary.skipped.filter { $0.detail == "meta rule in a dependency cycle" }.map(\.name))
        #expect(cyclic == ["LOOP_A", "LOOP_B", "LOOP_C"])
        let hits = Fixtures.hits("body CHEAP /cheap/\nmeta LOOP_A LOOP_B && CHEAP\nmeta LOOP_B LOOP_C\nmeta LOOP_C LOOP_A\nmeta FINE CHEAP\nscore FINE 1\nscore CHEAP 1\nscore LOOP_A 1\nscore LOOP_B 1\nscore LOOP_C 1",
                                 Message(parsing: Array("Subject: x\r\n\r\ncheap pills\r\n".utf8)))
        #expect(hits["FINE"] == 1 && hits["CHEAP"] == 1)
        #expect(hits["LOOP_A"] == nil && hits["LOOP_B"] == nil && hits["LOOP_C"] == nil)
    }

    @Test func badRegexIsReportedWithFileAndLineAndSkipped() {
        let set = Fixtures.compile("body GOOD /cheap/\nbody BAD /unclosed(group/\nbody ALSO_GOOD /friend/")
        #expect(set.rules.map(\.name) == ["GOOD", "ALSO_GOOD"])
        let bad = set.summary.skipped.first { $0.name == "BAD" }
        #expect(bad?.location == "test.cf:2")
        #expect(bad?.reason == .compileError)
        let syntax = Fixtures.parse("body BROKEN cheap")
        #expect(syntax.skipped.first?.location == "test.cf:1")
    }

    @Test func conditionalsPluginsVersionAndCan() {
        let parsed = Fixtures.parse("""
            ifplugin Mail::SpamAssassin::Plugin::HeaderEval
            body IN_PLUGIN /a/
            endif
            ifplugin Mail::SpamAssassin::Plugin::NoSuchPlugin
            body NOT_LOADED /a/
            else
            body ELSE_BRANCH /a/
            endif
            if (version >= 3.004000)
            body NEW_ENOUGH /a/
            endif
            if version > 9.0
            body TOO_NEW /a/
            endif
            if can(Mail::SpamAssassin::Conf::feature_bug6558_free) && !plugin(Mail::SpamAssassin::Plugin::Nope)
            body CAN_FEATURE /a/
            endif
            if can(Mail::SpamAssassin::Conf::feature_does_not_exist)
            body NO_FEATURE /a/
            endif
            body HASH_ESCAPE /a\\#b/ # comment
            """)
        #expect(Set(parsed.rules.keys) == ["IN_PLUGIN", "ELSE_BRANCH", "NEW_ENOUGH", "CAN_FEATURE", "HASH_ESCAPE"])
        guard case .pattern(let literal, _, _, _) = parsed.rules["HASH_ESCAPE"]!.test else { return }
        #expect(literal.pattern == "a#b")
    }

    @Test func includePriorityRequiredScoreAndReplaceTags() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("moat-spam-\(UInt64.random(in: 0...UInt64.max))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "body INCLUDED /x/\npriority INCLUDED -100\n".write(toFile: dir + "/extra.inc", atomically: true, encoding: .utf8)
        try """
            include extra.inc
            required_score 6.5
            replace_tag   V  (?:v|\\\\/)
            replace_inter SP [\\s.]*
            body TAGGED /<V><inter SP>iagra/i
            replace_rules TAGGED
            """.write(toFile: dir + "/main.cf", atomically: true, encoding: .utf8)
        var parser = RuleFileParser()
        parser.load(paths: [dir])
        let parsed = parser.finish()
        #expect(parsed.rules["INCLUDED"]?.priority == -100)
        #expect(parsed.requiredScore == 6.5)
        guard case .pattern(let literal, _, _, _) = parsed.rules["TAGGED"]!.test else { Issue.record("TAGGED"); return }
        // As Perl`s split: the inter value fills the empty field before the first tag.
        #expect(literal.pattern == "[\\s.]*(?:v|\\\\/)iagra")
    }

    @Test func perlLiteralForms() throws {
        let (a, _) = try PerlRegexLiteral.parse("m{foo/bar}ix")
        #expect(a.pattern == "foo/bar" && a.caseless && a.extended)
        let (b, rest) = try PerlRegexLiteral.parse("/a\\/b/s [if-unset: x]")
        #expect(b.pattern == "a/b" && b.dotAll && rest == "[if-unset: x]")
        let (c, _) = try PerlRegexLiteral.parse("m!x\\!y!")
        #expect(c.pattern == "x!y")
        #expect(throws: PerlRegexLiteral.SyntaxError.self) { try PerlRegexLiteral.parse("/open") }
    }

    @Test func evalRulesAndScoreSets() {
        let hits = Fixtures.hits("""
            header MISSING_TO eval:check_for_missing_to_header()
            header CT_COUNT eval:check_header_count_range('Content-Type','1','999')
            body HTML_MSG eval:html_test('html')
            body TAG_IMG eval:html_tag_exists('img')
            body UNKNOWN eval:check_something_new()
            """, Fixtures.html)
        #expect(Set(hits.keys) == ["CT_COUNT", "HTML_MSG", "TAG_IMG"])
        let set = Fixtures.compile("body UNKNOWN eval:check_something_new()\nbody B /x/\nscore B 1 2 3 4")
        #expect(set.summary.evalUnsupported == 1)
        #expect(set.summary.unsupportedEvals["check_something_new"] == 1)
        let b = set.rules.first { $0.name == "B" }!
        #expect(set.score(b, set: 0) == 1 && set.score(b, set: 2) == 3)
    }

    @Test func bodyIsRenderedLikeSpamAssassin() {
        let subjects = RuleSubjects(message: Fixtures.html, envelope: .init(), maxBodyBytes: 1 << 20)
        let lines = subjects.bodyLines.map { String(decoding: $0, as: UTF8.self) }
        #expect(lines.first == "Offer\n")
        let body = lines.dropFirst().joined()
        #expect(body.contains("Free money"))
        #expect(!body.contains("<b>") && !body.contains("color: red"))
        let uris = Set(subjects.uris.map { String(decoding: $0, as: UTF8.self) })
        #expect(uris.contains("http://click.example.com/x") && uris.contains("http://img.example.com/a.gif"))
        // Paragraph per line: blank lines split, single newlines join.
        let plain = RuleSubjects(message: Fixtures.plain, envelope: .init(), maxBodyBytes: 1 << 20)
        let plainLines = plain.bodyLines.map { String(decoding: $0, as: UTF8.self) }
        #expect(plainLines == ["Cheap meds for you\n", "Hello friend, buy cheap viagra now. Cheap cheap cheap!\n",
                               "Visit http://spam.example.biz/offer today."])
    }
}
