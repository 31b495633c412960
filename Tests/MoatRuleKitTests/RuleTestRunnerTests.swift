import Foundation
import MoatCore
import MoatMessage
import MoatPattern
import Logging
import MoatSpam
import Testing

@testable import MoatRuleKit

func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "moat-rulekit-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func write(_ path: String, _ text: String) throws {
    try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
}

let message = "From: a@example.com\r\nTo: b@example.net\r\nSubject: hi\r\n\r\nplease wire INV-4471-CAMPAIGN today\r\n"

@Suite struct RuleTestRunnerTests {
    /// Engines folder with a pattern engine (`campaign`, malware, score 10) and one that never matches.
    func engines() throws -> String {
        let dir = try temporaryDirectory()
        try write(dir + "/campaign.toml", """
            adapter = "pattern"
            [options]
            patterns = ["INV-4471-CAMPAIGN"]
            category = "malware"
            score = 10
            """)
        try write(dir + "/other.toml", """
            adapter = "pattern"
            [options]
            patterns = ["NEVER-THERE"]
            """)
        return dir
    }

    func runner(_ enginesDirectory: String, pool: BlockingWorkPool) -> RuleTestRunner {
        RuleTestRunner(provider: ManifestPipelineProvider(
            factories: [PatternEngineFactory()], enginesDirectory: enginesDirectory, rulesDirectory: "/nonexistent",
            blocking: pool, logger: Logger(label: "test")
        ))
    }

    @Test func passingAndFailingFixtures() async throws {
        let root = try temporaryDirectory()
        try write(root + "/good.eml", message)
        try write(root + "/good.expect.toml", """
            action = "reject"
            category = "malware"
            must_hit = ["pattern.match", "pattern.match:inv-4471"]
            must_not_hit = ["clamav.signature"]
            score_min = 10
            score_max = 10
            engines = ["campaign"]
            """)
        try write(root + "/sub/bad.eml", message)
        try write(root + "/sub/bad.expect.toml", """
            action = "accept"
            category = "none"
            must_hit = ["spam.MOAT_NOTHING"]
            must_not_hit = ["pattern.match"]
            score_max = 1
            engines = ["campaign", "other"]
            """)
        try write(root + "/lonely.eml", message)
        let pool = BlockingWorkPool(threads: 1)
        let results = await runner(try engines(), pool: pool).run([root])
        try await pool.shutdown()
        #expect(results.count == 2)
        let good = try #require(results.first { $0.fixture.messagePath.hasSuffix("good.eml") })
        #expect(good.passed, "\(good.problems) \(good.actualHits)")
        let bad = try #require(results.first { $0.fixture.messagePath.hasSuffix("bad.eml") })
        #expect(!bad.passed)
        let report = RuleTestRunner.report(results, withoutExpectation: Fixture.discover([root]).withoutExpectation)
        #expect(report.hasSuffix("1 passed, 1 failed\n"))
        #expect(report.contains("action:   expected accept, got reject"))
        #expect(report.contains("category: expected none, got malware"))
        #expect(report.contains("score:    expected <= 1.00, got 10.00"))
        #expect(report.contains("- must_hit     spam.MOAT_NOTHING   (not found)"))
        #expect(report.contains("+ must_not_hit pattern.match"))
        #expect(report.contains("actual hits:"))
        #expect(report.contains("SKIP"))
    }

    @Test func unknownEngineFails() async throws {
        let root = try temporaryDirectory()
        try write(root + "/x.eml", message)
        try write(root + "/x.expect.toml", "engines = [\"nope\"]\n")
        let pool = BlockingWorkPool(threads: 1)
        let results = await runner(try engines(), pool: pool).run([root])
        try await pool.shutdown()
        #expect(results.first?.problems.first?.contains("no engine named nope") == true)
    }

    @Test func scaffoldWritesStubAndFixture() throws {
        let root = try temporaryDirectory()
        let written = try RuleScaffold.new(name: "MOAT_NEW_RULE", in: root)
        #expect(written.count == 3)
        #expect(throws: RuleScaffold.ScaffoldError.self) { try RuleScaffold.new(name: "MOAT_NEW_RULE", in: root) }
        #expect(throws: RuleScaffold.ScaffoldError.self) { try RuleScaffold.new(name: "bad-name", in: root) }
        let expectation = try FixtureExpectation.load(path: root + "/fixtures/MOAT_NEW_RULE.expect.toml")
        #expect(expectation.mustHit == ["spam.MOAT_NEW_RULE"])
        let problems = RuleLinter().lint([root])
        #expect(problems.filter { $0.severity == .error }.isEmpty, "\(problems)")
    }

    @Test("a misspelt expectation key is an error naming the key, not a fixture that checks nothing")
    func unknownExpectationKey() throws {
        let root = try temporaryDirectory()
        try write(root + "/typo.expect.toml", "action = \"accept\"\nmust_hits = [\"spam.X\"]\n")
        #expect { try FixtureExpectation.load(path: root + "/typo.expect.toml") } throws: { error in
            "\(error)".contains("must_hits")
        }
    }
}

@Suite struct RuleLinterTests {
    @Test func catchesEachProblem() throws {
        let root = try temporaryDirectory()
        try write(root + "/fixtures/GOOD_RULE.expect.toml", "must_hit = [\"spam.GOOD_RULE\", \"spam.SLOW_RULE\"]\n")
        try write(root + "/bad.cf", """
            # crafted
            body     GOOD_RULE      /\\bbitcoin\\s+wallet\\b/i
            score    GOOD_RULE      1.0
            bodyy    TYPO_RULE      /x/
            body     BROKEN_RULE    /(unclosed/
            body     SLOW_RULE      /^(a+)+$/
            body     GOOD_RULE      /again/
            meta     META_RULE      GOOD_RULE && MISSING_RULE
            score    ORPHAN_SCORE   2.0
            body     PERLISH_RULE   /foo\\Kbar/
            header   HEADER_RULE    Subject =~ /free \\$\\$\\$/i
            header   EXISTS_RULE    exists:X-Spam
            """)
        let problems = RuleLinter(budget: .milliseconds(100)).lint([root])
        func has(_ kind: LintProblem.Kind, line: Int, _ severity: LintProblem.Severity = .error) -> Bool {
            problems.contains { $0.kind == kind && $0.line == line && $0.severity == severity && $0.file.hasSuffix("bad.cf") }
        }
        #expect(has(.syntax, line: 4), "\(problems)")
        #expect(has(.badRegex, line: 5))
        #expect(has(.slowRegex, line: 6))
        #expect(has(.duplicateRule, line: 7))
        #expect(has(.unknownMetaReference, line: 8))
        #expect(has(.scoreWithoutRule, line: 9))
        #expect(has(.pcreDifference, line: 10, .warning))
        #expect(!has(.badRegex, line: 10))
        #expect(has(.noFixture, line: 11, .warning))
        #expect(!has(.noFixture, line: 2, .warning))
        #expect(!problems.contains { $0.line == 12 && $0.severity == .error })
        #expect(problems.first { $0.kind == .syntax }?.description.contains("bad.cf:4: error: [syntax] unknown directive 'bodyy'") == true)
    }

    @Test func knownRulesSatisfyMetasAndScores() throws {
        let root = try temporaryDirectory()
        try write(root + "/a.cf", "meta LOCAL_META STOCK_RULE || __OTHER\nscore STOCK_RULE 0.5\n")
        let problems = RuleLinter(knownRules: ["STOCK_RULE", "__OTHER"]).lint([root])
        #expect(problems.filter { $0.severity == .error }.isEmpty, "\(problems)")
    }

    @Test("lint and engine agree: PCRE2 decides whether a regex compiles, and every rule the engine refuses is a lint error")
    func lintAgreesWithTheEngine() throws {
        let root = try temporaryDirectory()
        try write(root + "/agree.cf", """
            body     BRANCH_RESET   /(?|cheap|low) price/
            score    BRANCH_RESET   1.0
            body     KEEP_OUT       /foo\\Kbar/
            score    KEEP_OUT       1.0
            body     BAD_GROUP      /a(?<n/
            score    BAD_GROUP      1.0
            body     NO_SUCH_EVAL   eval:check_something_moat_lacks()
            score    NO_SUCH_EVAL   1.0
            """)
        let problems = RuleLinter().lint([root])
        func errors(line: Int) -> [LintProblem] { problems.filter { $0.line == line && $0.severity == .error } }
        #expect(errors(line: 1).isEmpty, "ICU lacks branch reset; PCRE2 (the engine) compiles it: \(problems)")
        #expect(errors(line: 3).isEmpty, "\\K: \(problems)")
        #expect(errors(line: 5).map(\.kind) == [.badRegex], "\(problems)")
        #expect(errors(line: 7).map(\.kind) == [.engineRefuses], "\(problems)")
    }

    @Test("lint reads the lines the engine reads: conditionals, includes, escaped # and lang prefixes")
    func linesAsTheEngineReadsThem() throws {
        let root = try temporaryDirectory()
        try write(root + "/extra.inc", "bodyy    INCLUDED_TYPO  /x/\n")
        try write(root + "/read.cf", """
            ifplugin Mail::SpamAssassin::Plugin::NotLoadedAnywhere
            bodyy    NEVER_LOADED   /x/
            endif
            ifplugin Mail::SpamAssassin::Plugin::FreeMail
            bodyy    LOADED_TYPO    /x/
            endif
            body     HASH_RULE      /\\#1 offer/
            score    HASH_RULE      1.0
            lang de  describe HASH_RULE Angebot
            lang de
            include extra.inc
            """)
        let problems = RuleLinter().lint([root + "/read.cf"])
        func errors(line: Int, in file: String = "read.cf") -> [LintProblem] {
            problems.filter { $0.line == line && $0.severity == .error && $0.file.hasSuffix(file) }
        }
        #expect(errors(line: 2).isEmpty, "a block the engine skips is not linted: \(problems)")
        #expect(errors(line: 5).map(\.kind) == [.syntax], "\(problems)")
        #expect(errors(line: 7).isEmpty, "an escaped # is part of the regex: \(problems)")
        #expect(errors(line: 9).isEmpty, "a lang-prefixed describe is a describe: \(problems)")
        #expect(errors(line: 10).map(\.kind) == [.syntax], "\(problems)")
        #expect(errors(line: 1, in: "extra.inc").map(\.kind) == [.syntax], "included files are linted: \(problems)")
    }

    /// Not skipped when the stock rules are missing: the Makefile installs them, and an empty rule
    /// set fails the first expectation.
    @Test("over the stock rules: a rule lint accepts loads in the engine, a rule the engine refuses fails lint")
    func stockRulesAgree() {
        let stock = "/usr/share/spamassassin"
        let refusals = RuleAcceptance.refusals(paths: [stock])
        let problems = RuleLinter(budget: .milliseconds(50)).lint([stock])
        let errorPlaces = Set(problems.filter { $0.severity == .error }.map { "\($0.file):\($0.line)" })
        #expect(!refusals.isEmpty)
        for refusal in refusals {
            #expect(errorPlaces.contains(refusal.location), "engine refuses \(refusal.name) (\(refusal.reason)) but lint is silent")
        }
        // The other way: no regex lint calls broken is loaded by the engine.
        let refused = Set(refusals.map(\.location))
        for problem in problems where problem.kind == .badRegex {
            #expect(refused.contains("\(problem.file):\(problem.line)"), "lint rejects a regex the engine loads: \(problem)")
        }
    }
}
