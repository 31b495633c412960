import ArgumentParser
import Foundation
import MoatAdapters
import MoatCore

struct EnginesListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Engines with state, weight, deadline, status and (from a daemon) statistics."
    )

    @OptionGroup var runtimeOptions: RuntimeOptions
    @OptionGroup var adminOptions: AdminOptions

    @Flag(name: .long, help: "Load the manifests here instead of asking the daemon.")
    var local = false

    @Flag(name: .long, help: "Print the daemon's JSON as it is.")
    var json = false

    func run() async throws {
        if !local, let client = try? AdminClient(adminOptions) {
            do {
                let data = try await client.send("GET", "/engines")
                if json {
                    print(String(decoding: data, as: UTF8.self), terminator: "")
                } else {
                    try printLive(data)
                }
                return
            } catch AdminClient.ClientError.unreachable {
                FileHandle.standardError.write(Data("moat: no daemon answered at \(adminOptions.admin); showing the local manifests\n".utf8))
            } catch {
                throw CLIError.exit(error)
            }
        }
        try await printLocal()
    }

    private func printLive(_ data: Data) throws {
        guard let engines = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else { return }
        if engines.isEmpty { print("(no engines)") }
        for engine in engines {
            let name = engine["name"] as? String ?? "?"
            print("\(DecisionPrinter.pad(name, 16)) adapter=\(engine["adapter"] ?? "?") state=\(engine["state"] ?? "?") weight=\(engine["weight"] ?? "?") timeout=\(engine["timeout_ms"] ?? "?")ms on_error=\(engine["on_error"] ?? "?")")
            if let removal = engine["removal"] as? [String: Any],
               let policy = try? JSONDecoder().decode(RemovalPolicy.self, from: JSONSerialization.data(withJSONObject: removal)) {
                print("    removal: \(policy.summary)")
            } else {
                print("    removal: none (the engine never leaves the vote by itself)")
            }
            if let stats = engine["statistics"] as? [String: Any] {
                var line = "    scans=\(stats["scans"] ?? 0) labelled=\(stats["samples"] ?? 0)"
                line += String(format: " errors=%.1f%% timeouts=%.1f%%", ((stats["error_rate"] as? Double) ?? 0) * 100, ((stats["timeout_rate"] as? Double) ?? 0) * 100)
                if let p50 = stats["latency_p50_ms"] as? Double, let p99 = stats["latency_p99_ms"] as? Double {
                    line += String(format: " latency p50=%.1fms p99=%.1fms", p50, p99)
                }
                print(line)
                if let categories = stats["categories"] as? [String: [String: Any]] {
                    for (category, figures) in categories.sorted(by: { $0.key < $1.key }) {
                        guard let counts = figures["counts"] as? [String: Int], (counts["truePositives"] ?? 0) + (counts["falsePositives"] ?? 0) > 0 || category == "any" else { continue }
                        var text = "    \(category): TP=\(counts["truePositives"] ?? 0) FP=\(counts["falsePositives"] ?? 0) FN=\(counts["falseNegatives"] ?? 0) TN=\(counts["trueNegatives"] ?? 0)"
                        if let precision = figures["precision"] as? Double { text += String(format: " precision=%.3f", precision) }
                        if let interval = figures["precision_ci95"] as? [Double], interval.count == 2 { text += String(format: " [%.3f, %.3f]", interval[0], interval[1]) }
                        if let recall = figures["recall"] as? Double { text += String(format: " recall=%.3f", recall) }
                        print(text)
                    }
                }
            }
            for (key, value) in ((engine["status"] as? [String: String]) ?? [:]).sorted(by: { $0.key < $1.key }) {
                print("    \(key): \(value)")
            }
        }
    }

    private func printLocal() async throws {
        let runtime: ScanRuntime
        do {
            runtime = try await runtimeOptions.startRuntime()
        } catch {
            throw CLIError.exit(error)
        }
        let snapshot = runtime.registry.snapshot
        print("engines directory: \(runtime.configuration.enginesDirectory)")
        if snapshot.engines.isEmpty { print("(no engines)") }
        for registered in snapshot.engines {
            let m = registered.manifest
            print("\(DecisionPrinter.pad(m.name, 16)) adapter=\(m.adapter) state=\(m.state.rawValue) weight=\(m.weight) timeout=\(m.timeoutMilliseconds)ms on_error=\(m.onError.rawValue)")
            print("    removal: \(m.removal?.summary ?? "none (the engine never leaves the vote by itself)")")
            for (key, value) in registered.engine.status.sorted(by: { $0.key < $1.key }) {
                print("    \(key): \(value)")
            }
        }
        await runtime.shutdown()
    }
}
