import ArgumentParser

struct EnginesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engines",
        abstract: "List engines, and move them in and out of the vote on a running daemon.",
        discussion: """
            `moat engines` asks the running moatd (admin API) for its engines, their state, status and
            measured precision; with --local, or when no daemon answers, it loads the manifests itself.
            `enable`, `disable` and `shadow` change an engine's state live, with a reason that is recorded.
            """,
        subcommands: [EnginesListCommand.self, EngineStateCommand.Enable.self, EngineStateCommand.Disable.self,
                      EngineStateCommand.Shadow.self, EnginesHistoryCommand.self],
        defaultSubcommand: EnginesListCommand.self
    )
}
