import ArgumentParser
import Foundation
import MoatRuleKit

struct RulesNewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new",
        abstract: "Write a rule stub (DIR/name.cf) and a fixture pair (DIR/fixtures/NAME.eml, NAME.expect.toml)."
    )

    @Option(name: .long, help: "Rule set folder.")
    var dir = "rules/spam"

    @Argument(help: "Rule name (upper case, digits, _).")
    var name: String

    func run() async throws {
        do {
            for path in try RuleScaffold.new(name: name, in: dir) { print("wrote \(path)") }
        } catch {
            throw CLIError.exit(error)
        }
    }
}
