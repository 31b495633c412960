import ArgumentParser
import Foundation
import MoatCore

/// `moat tenants`: the organisations behind this gateway, their domains and their policies, changed
/// live on the running daemon (through its admin API, so every change is checked, logged with who
/// made it, and in force for the next message).
struct TenantsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenants",
        abstract: "Create tenants, give them domains and addresses, and set their policies on the running daemon.",
        subcommands: [List.self, Show.self, Diff.self, Create.self, SetPolicy.self, AddDomain.self, RemoveDomain.self,
                      AddAddress.self, RemoveAddress.self, Delete.self, Changes.self]
    )

    /// Runs `body` with a client, turning failures into the CLI's exit codes, and prints the answer.
    static func call(_ options: AdminOptions, _ body: (AdminClient) async throws -> Data) async throws {
        do {
            print(String(decoding: try await body(try AdminClient(options)), as: UTF8.self), terminator: "")
        } catch {
            throw CLIError.exit(error)
        }
    }

    /// Reads a policy file (TOML, or JSON when it starts with `{`), checked here with the same
    /// strict decoder the daemon uses, and returns it as JSON for the API.
    static func policyJSON(_ path: String) throws -> Data {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw CLIError.exit(ConfigurationError(file: path, reason: "cannot read: \(error.localizedDescription)"))
        }
        do {
            let policy = text.trimmingCharacters(in: .whitespacesAndNewlines).hasPrefix("{")
                ? try JSONDecoder().decode(TenantPolicy.self, from: Data(text.utf8))
                : try TOMLDocument.decode(TenantPolicy.self, from: text, file: path)
            return try JSONEncoder().encode(policy)
        } catch {
            throw CLIError.exit(error)
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Every tenant (a tenant token: its own).")
        @OptionGroup var adminOptions: AdminOptions
        func run() async throws { try await TenantsCommand.call(adminOptions) { try await $0.send("GET", "/tenants") } }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "A tenant: its domains, its overrides, and the effective policy for its mail.")
        @OptionGroup var adminOptions: AdminOptions
        @Argument(help: "Tenant id.") var id: String
        func run() async throws { try await TenantsCommand.call(adminOptions) { try await $0.send("GET", "/tenants/\(id)") } }
    }

    struct Diff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "diff", abstract: "What a tenant's policy changes against the global one, one line per key.")
        @OptionGroup var adminOptions: AdminOptions
        @Argument(help: "Tenant id.") var id: String
        func run() async throws {
            do {
                let data = try await AdminClient(adminOptions).send("GET", "/tenants/\(id)")
                let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
                let lines = object?["differences"] as? [String] ?? []
                print(lines.isEmpty ? "\(id): the global policy, unchanged" : lines.joined(separator: "\n"))
            } catch {
                throw CLIError.exit(error)
            }
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create", abstract: "A new tenant, with its domains, addresses and policy.")
        @OptionGroup var adminOptions: AdminOptions
        @Argument(help: "Tenant id (a-z, 0-9, '-', '_').") var id: String
        @Option(help: "Display name.") var name: String?
        @Option(name: .customLong("domain"), help: "A domain it owns (repeatable).") var domains: [String] = []
        @Option(name: .customLong("address"), help: "A single address it owns (repeatable).") var addresses: [String] = []
        @Option(help: "Its policy: a TOML or JSON file (see README, Tenants).") var policy: String?
        @Option(help: "Who is making the change (recorded).") var actor: String?
        func run() async throws {
            var body: [String: Any] = ["id": id, "domains": domains, "addresses": addresses]
            if let name { body["name"] = name }
            if let actor { body["actor"] = actor }
            if let policy { body["policy"] = try JSONSerialization.jsonObject(with: try TenantsCommand.policyJSON(policy)) }
            let data = try JSONSerialization.data(withJSONObject: body)
            try await TenantsCommand.call(adminOptions) { try await $0.send("POST", "/tenants", body: data) }
        }
    }

    struct SetPolicy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set-policy", abstract: "Replace a tenant's policy with a TOML or JSON file.")
        @OptionGroup var adminOptions: AdminOptions
        @Argument(help: "Tenant id.") var id: String
        @Argument(help: "Policy file.") var file: String
        @Option(help: "Who is making the change (recorded).") var actor: String?
        func run() async throws {
            let data = try TenantsCommand.policyJSON(file)
            let query = actor.map { "?actor=" + ($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "") } ?? ""
            try await TenantsCommand.call(adminOptions) { try await $0.send("PUT", "/tenants/\(id)/policy\(query)", body: data) }
        }
    }

    /// A tenant and one domain or address, for the four member commands.
    struct MemberArguments: ParsableArguments {
        @OptionGroup var adminOptions: AdminOptions
        @Argument(help: "Tenant id.") var id: String
        @Argument(help: "The domain or address.") var value: String

        /// `kind`: "domain" or "address"; adds, or removes when `remove`.
        func apply(_ kind: String, remove: Bool) async throws {
            let path = "/tenants/\(id)/\(kind == "domain" ? "domains" : "addresses")"
            let escaped = value.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? value
            try await TenantsCommand.call(adminOptions) { client in
                remove ? try await client.send("DELETE", path + "/" + escaped) : try await client.json("POST", path, [kind: value])
            }
        }
    }

    struct AddDomain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add-domain", abstract: "Give a tenant a domain (and its subdomains).")
        @OptionGroup var arguments: MemberArguments
        func run() async throws { try await arguments.apply("domain", remove: false) }
    }

    struct RemoveDomain: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove-domain", abstract: "Take a domain from a tenant.")
        @OptionGroup var arguments: MemberArguments
        func run() async throws { try await arguments.apply("domain", remove: true) }
    }

    struct AddAddress: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add-address", abstract: "Give a tenant one address (it outranks the address's domain).")
        @OptionGroup var arguments: MemberArguments
        func run() async throws { try await arguments.apply("address", remove: false) }
    }

    struct RemoveAddress: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove-address", abstract: "Take an address from a tenant.")
        @OptionGroup var arguments: MemberArguments
        func run() async throws { try await arguments.apply("address", remove: true) }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "delete", abstract: "Remove a tenant (its mail falls back to the global policy).")
        @OptionGroup var adminOptions: AdminOptions
        @Argument(help: "Tenant id.") var id: String
        func run() async throws { try await TenantsCommand.call(adminOptions) { try await $0.send("DELETE", "/tenants/\(id)") } }
    }

    struct Changes: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "changes", abstract: "Who changed a tenant, what and when, newest first.")
        @OptionGroup var adminOptions: AdminOptions
        @Argument(help: "Tenant id.") var id: String
        func run() async throws { try await TenantsCommand.call(adminOptions) { try await $0.send("GET", "/tenants/\(id)/changes") } }
    }
}
