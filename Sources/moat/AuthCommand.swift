import ArgumentParser
import Foundation
import MoatAuth

struct AuthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "auth",
        abstract: "Sender authentication tools: the ARC sealing key.",
        subcommands: [Keygen.self]
    )

    struct Keygen: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make an RSA key for ARC sealing and print the DNS TXT record that publishes it.",
            discussion: """
                Writes the private key (PEM, mode 0600) to --out, refusing to overwrite one, and prints
                `<selector>._domainkey.<domain> IN TXT "v=DKIM1; k=rsa; p=..."` for your zone. Then set
                `arc_seal = { domain = "...", selector = "...", key_file = "..." }` in engines/auth.toml.
                """
        )
        @Option(help: "Where to write the private key.")
        var out: String
        @Option(help: "The sealing domain (d=).")
        var domain: String
        @Option(help: "The selector (s=).")
        var selector: String
        @Option(help: "Key size in bits: 2048, 3072 or 4096.")
        var bits = 2048

        func run() throws {
            guard !FileManager.default.fileExists(atPath: out) else {
                throw CLIError.exit(ValidationError("\(out) exists; not overwriting a key"))
            }
            let pem: String
            let sealer: ARCSealer
            do {
                pem = try ARCSealer.generateKey(bits: bits)
                sealer = try ARCSealer(domain: domain, selector: selector, authservID: domain, pem: pem)
            } catch {
                throw CLIError.exit(error)
            }
            guard FileManager.default.createFile(atPath: out, contents: Data(pem.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw CLIError.exit(ValidationError("cannot write \(out)"))
            }
            // One zone-file line; long records split into 255-octet strings.
            let record = sealer.dnsRecord
            let strings = stride(from: 0, to: record.count, by: 255).map { start -> String in
                let from = record.index(record.startIndex, offsetBy: start)
                let to = record.index(from, offsetBy: min(255, record.count - start))
                return "\"" + record[from..<to] + "\""
            }
            print("\(selector)._domainkey.\(domain). IN TXT ( \(strings.joined(separator: " ")) )")
        }
    }
}
