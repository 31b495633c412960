import ArgumentParser
import Foundation
import MoatAdapters
import MoatCore
import MoatMessage

struct ThroughputBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "throughput",
        abstract: "In-process scan throughput of the configured engines on a corpus.",
        discussion: """
            Loads every file under the given directories (or listed in a file given with --list) into
            memory, then parses and scans each once through the full pipeline with --concurrency scans in
            flight. Prints messages/s, MB/s, latency percentiles and the verdicts per engine. Use --engines
            to choose which manifests run (e.g. a directory holding only clamav.toml).
            """
    )

    @OptionGroup var runtimeOptions: RuntimeOptions

    @Option(help: "Scans in flight.")
    var concurrency = 4

    @Option(help: "A file with one message path per line (instead of, or as well as, directories).")
    var list: String?

    @Argument(help: "Directories of messages (searched recursively).")
    var directories: [String] = []

    func run() async throws {
        var paths = directories.flatMap(ParserBenchCommand.files(under:))
        if let list {
            paths += try String(contentsOfFile: list, encoding: .utf8).split(separator: "\n").map(String.init)
        }
        let corpus = paths.compactMap { FileManager.default.contents(atPath: $0).map { Array($0) } }
        let runtime = try await runtimeOptions.startRuntime()
        let bytes = corpus.reduce(0) { $0 + $1.count }
        let pipeline = runtime.pipeline
        let limits = runtime.configuration.limits
        let width = concurrency
        let start = Date()
        let results = await withTaskGroup(of: (Double, [String]).self, returning: [(Double, [String])].self) { group in
            var next = 0
            var results: [(Double, [String])] = []
            func add(_ raw: [UInt8]) {
                group.addTask {
                    let begin = DispatchTime.now().uptimeNanoseconds
                    let decision = await pipeline.scan(ScanInput(message: Message(parsing: raw, limits: limits)))
                    let seconds = Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9
                    return (seconds, decision.verdicts.map { "\($0.engine)=\($0.label)" })
                }
            }
            while next < min(width, corpus.count) {
                add(corpus[next])
                next += 1
            }
            while let result = await group.next() {
                results.append(result)
                if next < corpus.count {
                    add(corpus[next])
                    next += 1
                }
            }
            return results
        }
        let seconds = Date().timeIntervalSince(start)
        let latencies = results.map(\.0).sorted()
        func percentile(_ p: Double) -> Double {
            latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] * 1000
        }
        var counts: [String: Int] = [:]
        for (_, labels) in results { for label in labels { counts[label, default: 0] += 1 } }
        print("| messages | MB | concurrency | seconds | messages/s | MB/s | p50 ms | p95 ms | p99 ms |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        print(String(format: "| %d | %.1f | %d | %.2f | %.0f | %.1f | %.2f | %.2f | %.2f |",
                     corpus.count, Double(bytes) / 1e6, width, seconds, Double(corpus.count) / seconds,
                     Double(bytes) / 1e6 / seconds, percentile(0.5), percentile(0.95), percentile(0.99)))
        print("")
        print("Verdicts: " + counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        await runtime.shutdown()
    }
}
