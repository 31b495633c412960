import ArgumentParser
import Foundation
import MoatAdmin

/// `moat cluster status`: every node sharing the daemon's PostgreSQL store, as the database last
/// heard from it (through the running daemon's admin API).
struct ClusterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "The nodes of a moatd cluster on one PostgreSQL: versions, heartbeat lag, the policy evaluator, engine states per node.",
        subcommands: [Status.self]
    )

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "status", abstract: "Every node, its lag and its engines' states.")
        @OptionGroup var adminOptions: AdminOptions
        @Flag(help: "Print the API's JSON.") var json = false

        func run() async throws {
            let data: Data
            do {
                data = try await AdminClient(adminOptions).send("GET", "/cluster")
            } catch {
                throw CLIError.exit(error)
            }
            if json {
                print(String(decoding: data, as: UTF8.self), terminator: "")
                return
            }
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            let status = try decoder.decode(ClusterStatus.self, from: data)
            for line in Self.lines(status) { print(line) }
        }

        static func lines(_ status: ClusterStatus) -> [String] {
            status.nodes.map { node in
                let engines = node.engines.keys.sorted().map { "\($0)=\(node.engines[$0]?.rawValue ?? "?")" }.joined(separator: " ")
                var flags: [String] = []
                if node.id == status.this { flags.append("this") }
                if node.evaluator { flags.append("evaluator") }
                if node.lost { flags.append("LOST") }
                return "\(node.id)  version=\(node.version)  address=\(node.address)  lag=\(String(format: "%.1f", node.lagSeconds))s"
                    + (flags.isEmpty ? "" : "  [\(flags.joined(separator: ","))]") + "  " + engines
            }
        }
    }
}
