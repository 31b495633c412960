import ArgumentParser
import Foundation

/// `moat engines enable|disable|shadow NAME --reason TEXT`: a live state change on the daemon.
enum EngineStateCommand {
    struct Arguments: ParsableArguments {
        @OptionGroup var adminOptions: AdminOptions

        @Argument(help: "Engine name.")
        var name: String

        @Option(name: .long, help: "Why (recorded with the change and shown in its history).")
        var reason: String

        func apply(_ state: String) async throws {
            do {
                let client = try AdminClient(adminOptions)
                let answer = try await client.json("POST", "/engines/\(name)/state", ["state": state, "reason": reason, "actor": "operator"])
                print(String(decoding: answer, as: UTF8.self), terminator: "")
            } catch {
                throw CLIError.exit(error)
            }
        }
    }

    struct Enable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "enable", abstract: "Put an engine back in the vote (its statistics start afresh).")
        @OptionGroup var arguments: Arguments
        func run() async throws { try await arguments.apply("active") }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "disable", abstract: "Stop running an engine.")
        @OptionGroup var arguments: Arguments
        func run() async throws { try await arguments.apply("disabled") }
    }

    struct Shadow: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "shadow", abstract: "Run an engine and record it, without its vote.")
        @OptionGroup var arguments: Arguments
        func run() async throws { try await arguments.apply("shadow") }
    }
}

struct EnginesHistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "State changes with who made them and why, newest first.")

    @OptionGroup var adminOptions: AdminOptions

    @Argument(help: "Only this engine.")
    var name: String?

    func run() async throws {
        do {
            let client = try AdminClient(adminOptions)
            let answer = try await client.send("GET", "/state-changes" + (name.map { "?engine=\($0)" } ?? ""))
            print(String(decoding: answer, as: UTF8.self), terminator: "")
        } catch {
            throw CLIError.exit(error)
        }
    }
}
