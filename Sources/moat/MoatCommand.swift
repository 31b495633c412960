import ArgumentParser

@main
struct MoatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moat",
        abstract: "Scan, explain and benchmark mail with Moat's engines.",
        discussion: """
            The same engines and policy that the daemon `moatd` runs for an MTA, from the command line.
            Configuration comes from --config (a moat.toml), else the embedded defaults; engine manifests
            from the configured engines directory (default ./engines).

            Exit status of scan: 0 every message accepted clean, 1 at least one message detected or
            refused, 2 an error (unreadable input, bad configuration, or a message that could not be scanned).
            """,
        subcommands: [ScanCommand.self, ExplainCommand.self, EnginesCommand.self, ConfigCommand.self, FeedbackCommand.self, BayesCommand.self, TrainCommand.self, RulesCommand.self, BenchCommand.self, AuthCommand.self, TenantsCommand.self, OutboundCommand.self, ClusterCommand.self]
    )
}
