import ArgumentParser
import Foundation

/// `moat outbound`: held outbound mail and its recall, and the senders outbound protection paused
/// (through the running daemon's admin API).
struct OutboundCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbound",
        abstract: "Held outbound mail (recall it), alerts about senders over their limits, paused senders.",
        subcommands: [Held.self, Recall.self, Alerts.self, Blocked.self, Unblock.self]
    )

    struct Held: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "held", abstract: "Messages under send-hold, in due order.")
        @OptionGroup var adminOptions: AdminOptions
        @Option(help: "held, recalled or released (default: all).") var state: String?
        @Option(help: "At most this many.") var limit = 100
        func run() async throws {
            let query = "?limit=\(limit)" + (state.map { "&state=\($0)" } ?? "")
            try await TenantsCommand.call(adminOptions) { try await $0.send("GET", "/outbound/held" + query) }
        }
    }

    struct Recall: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "recall", abstract: "Recall a held message: deleted from the MTA's hold queue, never delivered.")
        @OptionGroup var adminOptions: AdminOptions
        @Argument(help: "The held message's id (its X-Moat-Id).") var id: String
        func run() async throws {
            try await TenantsCommand.call(adminOptions) { try await $0.send("POST", "/outbound/held/\(id)/recall", body: Data("{}".utf8)) }
        }
    }

    struct Alerts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "alerts", abstract: "Senders whose outbound mail departed from their baseline or a cap, newest first.")
        @OptionGroup var adminOptions: AdminOptions
        @Option(help: "Only this sender (the SASL login, or the envelope sender).") var sender: String?
        @Option(help: "At most this many.") var limit = 100
        func run() async throws {
            let query = "?limit=\(limit)" + (sender.flatMap { $0.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) }.map { "&sender=\($0)" } ?? "")
            try await TenantsCommand.call(adminOptions) { try await $0.send("GET", "/outbound/alerts" + query) }
        }
    }

    struct Blocked: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "blocked", abstract: "Senders paused now, until when, and their counts.")
        @OptionGroup var adminOptions: AdminOptions
        func run() async throws { try await TenantsCommand.call(adminOptions) { try await $0.send("GET", "/outbound/senders/blocked") } }
    }

    struct Unblock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "unblock", abstract: "Lift a sender's pause before it ends (the account was checked).")
        @OptionGroup var adminOptions: AdminOptions
        @Argument(help: "The sender (as `moat outbound blocked` names it).") var sender: String
        func run() async throws {
            let path = sender.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? sender
            try await TenantsCommand.call(adminOptions) { try await $0.send("DELETE", "/outbound/senders/\(path)/block") }
        }
    }
}
