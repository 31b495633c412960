import ArgumentParser

/// `moat config`: the configuration as the daemon would read it.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config",
        abstract: "Check moat.toml and the engine manifests before a daemon starts or reloads them.",
        subcommands: [ConfigCheckCommand.self]
    )
}
