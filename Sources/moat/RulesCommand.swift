import ArgumentParser

/// `moat rules`: the rule author's workflow (fixtures, lint, scaffolding).
struct RulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rules",
        abstract: "Test rule fixtures, lint SpamAssassin-style rules, scaffold a new rule.",
        discussion: "Fixtures are NAME.eml files with NAME.expect.toml beside them (see rules/README.md).",
        subcommands: [RulesTestCommand.self, RulesLintCommand.self, RulesNewCommand.self]
    )
}
