import Foundation
import ArgumentParser
import Logging
import MoatAdapters
import MoatAdmin
import MoatCore

/// Options every subcommand that scans shares: where configuration and engines come from.
struct RuntimeOptions: ParsableArguments {
    @Option(name: .long, help: "Path of moat.toml (default: embedded defaults).")
    var config: String?

    @Option(name: .long, help: "Directory of engine manifests (overrides the configuration).")
    var engines: String?

    @Option(name: .long, help: "Directory that relative rule paths resolve against (overrides the configuration).")
    var rules: String?

    @Flag(name: .long, help: "Log engine warnings to standard error.")
    var verbose = false

    /// The configuration file (or embedded defaults) with the command line's overrides applied.
    func loadConfiguration() throws -> MoatConfiguration {
        var configuration = try GatewayConfiguration.load(path: config).core
        if let engines { configuration.enginesDirectory = engines }
        if let rules { configuration.rulesDirectory = rules }
        return configuration
    }

    /// Loads the configuration and starts the engines; bad manifests are errors (exit 2).
    func startRuntime() async throws -> ScanRuntime {
        let configuration = try loadConfiguration()
        var logger = Logger(label: "moat")
        logger.logLevel = verbose ? .info : .error
        // Engines with a long first load say so on standard error while the command waits.
        let (runtime, problems) = await ScanRuntime.start(
            configuration: configuration, logger: logger,
            progress: { FileHandle.standardError.write(Data("moat: \($0)\n".utf8)) }
        )
        if !problems.isEmpty {
            await runtime.shutdown()
            throw CLIError.configuration(problems.map(\.description))
        }
        return runtime
    }
}

/// Errors the CLI reports before or instead of scanning; all exit with status 2.
enum CLIError: Error, CustomStringConvertible {
    /// Prints `moat: <error>` and gives the status every command ends with on bad input or
    /// configuration: `} catch { throw CLIError.exit(error) }`.
    static func exit(_ error: any Error) -> ExitCode {
        FileHandle.standardError.write(Data("moat: \(error)\n".utf8))
        return ExitCode(2)
    }

    case configuration([String])
    case unreadable(String, String)
    case store(any Error)

    var description: String {
        switch self {
        case .configuration(let problems): "configuration error:\n  " + problems.joined(separator: "\n  ")
        case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
        case .store(let error): "cannot open the store: \(error)"
        }
    }
}
