import ArgumentParser
import Foundation
import MoatCore

/// `moat bench tenants`: what tenancy adds to a decision, apart from the engines: building the
/// directory (once per change) and deciding per tenant (per message), against the plain aggregator.
struct TenantBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tenants",
        abstract: "Time the tenant directory's build and per-tenant decisions (µs per message) for N tenants and R recipients.",
        discussion: """
            Synthetic verdicts (spam 6.5, macro with a disarmed part, a clean url engine) decided for
            messages whose recipients belong to R different tenants out of N, with alternating tenant
            policies; compared with one Aggregator.decide under the global policy. Engines' own costs are
            measured by `moat bench throughput --tenants`.
            """
    )

    @Option(help: "Tenants in the directory.")
    var tenants = 10_000

    @Option(help: "Recipients per message, each in a different tenant.")
    var recipients = 1

    @Option(help: "Messages decided.")
    var messages = 200_000

    func run() throws {
        let clock = ContinuousClock()
        let all = (0..<max(1, tenants)).map { n in
            Tenant(id: "t\(n)", domains: ["t\(n).example"], policy: n.isMultiple(of: 2)
                ? TenantPolicy(rejectScore: 8, macroMode: .reject) : TenantPolicy(tagScore: 0, onDetect: [.spam: .quarantine]))
        }
        var directory = TenantDirectory()
        let built = clock.measure { directory = TenantDirectory(all, global: Policy()) }
        let manifests: [String: EngineManifest] = [
            "spam": EngineManifest(name: "spam", adapter: "spam"), "macro": EngineManifest(name: "macro", adapter: "macro"),
            "url": EngineManifest(name: "url", adapter: "url"),
        ]
        let part = PartReplacement(partPath: "2", rawPart: Array("Content-Type: text/plain\r\n\r\nremoved\r\n".utf8), reason: "macro")
        let verdicts = [
            EngineVerdict(engine: "spam", outcome: .detected(.spam), score: 6.5, findings: [Finding(code: "spam.BAYES_99", detail: "")]),
            EngineVerdict(engine: "macro", outcome: .detected(.suspicious), score: 0.6, replacements: [part]),
            EngineVerdict(engine: "url", outcome: .clean),
        ]
        let envelopes = (0..<1024).map { i in (0..<max(1, recipients)).map { j in "u\(j)@t\((i * max(1, recipients) + j) % max(1, tenants)).example" } }
        let decider = TenantDecider(directory: directory)
        let aggregator = Aggregator(policy: Policy())
        var sink = 0.0
        let plain = clock.measure {
            for _ in 0..<messages { sink += aggregator.decide(scanID: "b", verdicts: verdicts, manifests: manifests).score }
        }
        let tenanted = clock.measure {
            for i in 0..<messages {
                sink += decider.decideAll(scanID: "b", verdicts: verdicts, manifests: manifests, messageFindings: [], sender: "s@x.example",
                                          recipients: envelopes[i % envelopes.count]).score
            }
        }
        func micro(_ d: Duration, per n: Int) -> String {
            String(format: "%.2f", d.inMicroseconds / Double(max(1, n)))
        }
        print("| tenants | recipients | directory build ms | global decision µs/msg | per-tenant decisions µs/msg |")
        print("|---:|---:|---:|---:|---:|")
        print("| \(tenants) | \(recipients) | \(micro(built, per: 1000)) | \(micro(plain, per: messages)) | \(micro(tenanted, per: messages)) |")
        if sink.isNaN { print("") }
    }
}
