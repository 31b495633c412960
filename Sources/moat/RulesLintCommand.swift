import ArgumentParser
import Foundation
import MoatRuleKit

struct RulesLintCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lint",
        abstract: "Check SpamAssassin-style .cf rules: syntax, regexes, duplicates, metas, scores, fixtures.",
        discussion: """
            Regexes are compiled with ICU (Foundation's NSRegularExpression); PCRE-only constructs are warnings.
            Each regex runs on a 64 KiB probe text within --budget-ms. Rules named in --reference files
            (e.g. /usr/share/spamassassin) count as known for metas and scores. Exit 1 on any error.
            """
    )

    @Option(name: .long, help: "Rule files or folders whose rule names count as defined (repeatable).")
    var reference: [String] = []

    @Option(name: .long, help: "Time allowed per regex on the probe text, in milliseconds.")
    var budgetMs = 200

    @Argument(help: "Rule files or folders (default: rules).")
    var paths: [String] = []

    func run() async throws {
        let linter = RuleLinter(budget: .milliseconds(budgetMs), knownRules: RuleLinter.ruleNames(in: reference))
        let problems = linter.lint(paths.isEmpty ? ["rules"] : paths)
        print(RuleLinter.report(problems), terminator: "")
        if problems.contains(where: { $0.severity == .error }) { throw ExitCode(1) }
    }
}
