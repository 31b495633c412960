import ArgumentParser
import Foundation
import Logging
import MoatAdapters
import MoatCore
import MoatMessage

struct ThroughputBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "throughput",
        abstract: "In-process scan throughput of the configured engines on a corpus.",
        discussion: """
            Loads every file under the given paths (directories searched recursively, or listed in a file
            given with --list) into memory, then parses and scans each through the full pipeline with
            --concurrency scans in flight, --repeat times. Prints one Markdown row: messages/s, MB/s, latency
            percentiles, mean time per engine, peak RSS; then the verdicts and the finding codes seen.
            --attach wraps each file as a base64 attachment (documents, archives, images); --store logs
            every scan through the store of --config as moatd does, to measure what the store costs.
            """
    )

    @OptionGroup var runtimeOptions: RuntimeOptions

    @Option(help: "Scans in flight.")
    var concurrency = 4

    @Option(help: "Passes over the corpus (timed together).")
    var `repeat` = 1

    @Option(help: "A file with one path per line (instead of, or as well as, arguments).")
    var list: String?

    @Flag(help: "Treat each file as an attachment: wrap it in a message (base64) before scanning.")
    var attach = false

    @Flag(help: "Log every decision through the [store] of --config (default var/moat.sqlite), as moatd does.")
    var store = false

    @Option(help: "The connecting client's address given to every scan, as the MTA would (engines such as auth's SPF need one).")
    var clientAddress: String?

    @Option(help: "The HELO name given to every scan.")
    var helo: String?

    @Option(help: "Install this many synthetic tenants (domains t0.example ...; alternating policies) before scanning, to measure tenant lookup and per-tenant decisions.")
    var tenants = 0

    @Option(help: "Envelope recipients per message, spread over the tenants (recipient j of message i belongs to tenant (i*R+j) mod N).")
    var recipients = 1

    @Option(help: "First column of the result row (e.g. the corpus or size).")
    var label = "corpus"

    @Flag(help: "Print the result row without the table header.")
    var noHeader = false

    @Option(help: "Write one line per file: path, action, category, score and each engine's label and finding codes (sorted; the first pass only). Two runs that decide alike write identical files.")
    var findings: String?

    @Argument(help: "Files or directories (searched recursively).")
    var paths: [String] = []

    func run() async throws {
        var files = paths.flatMap { path -> [String] in
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            return exists && isDirectory.boolValue ? ParserBenchCommand.files(under: path) : [path]
        }
        if let list {
            files += try String(contentsOfFile: list, encoding: .utf8).split(separator: "\n").map(String.init)
        }
        var inputBytes = 0
        var readable: [String] = []
        let corpus = files.compactMap { path -> [UInt8]? in
            guard let data = FileManager.default.contents(atPath: path) else { return nil }
            inputBytes += data.count
            readable.append(path)
            return attach ? AttachmentMessage.wrap(path: path, bytes: Array(data)) : Array(data)
        }
        guard !corpus.isEmpty else {
            FileHandle.standardError.write(Data("moat: no readable files\n".utf8))
            throw ExitCode(2)
        }
        let runtime: ScanRuntime
        do {
            runtime = try await runtimeOptions.startRuntime()
        } catch {
            throw CLIError.exit(error)
        }
        if tenants > 0 {
            runtime.registry.replace(tenants: (0..<tenants).map { n in
                Tenant(id: "t\(n)", domains: ["t\(n).example"], policy: n.isMultiple(of: 2)
                    ? TenantPolicy(rejectScore: 8, macroMode: .reject) : TenantPolicy(tagScore: 0, onDetect: [.spam: .quarantine]))
            })
        }
        let session = store ? try await StoreSession.attach(to: runtime, configPath: runtimeOptions.config) : nil
        let residentBefore = ResidentMemory.currentMegabytes
        let pipeline = runtime.pipeline
        let limits = runtime.configuration.limits
        let envelope = Envelope(clientAddress: clientAddress, helo: helo)
        let total = corpus.count * max(1, `repeat`)
        let start = Date()
        let results = await withTaskGroup(of: Sample.self, returning: [Sample].self) { group in
            var next = 0
            var results: [Sample] = []
            func add(_ index: Int) {
                let raw = corpus[index % corpus.count]
                var envelope = envelope
                if tenants > 0 {
                    let perMessage = max(1, recipients)
                    envelope.recipients = (0..<perMessage).map { j in "user\(j)@t\((index * perMessage + j) % tenants).example" }
                }
                let messageEnvelope = envelope
                group.addTask {
                    let begin = DispatchTime.now().uptimeNanoseconds
                    // Parsed on the lane that scans it, as a worker process does.
                    let decision = await pipeline.blocking.onLane {
                        await pipeline.scan(ScanInput(message: Message(parsing: raw, limits: limits), envelope: messageEnvelope))
                    }
                    return Sample(seconds: Double(DispatchTime.now().uptimeNanoseconds - begin) / 1e9, decision: decision, index: index)
                }
            }
            while next < min(concurrency, total) {
                add(next)
                next += 1
            }
            while let result = await group.next() {
                results.append(result)
                if next < total {
                    add(next)
                    next += 1
                }
            }
            return results
        }
        let seconds = Date().timeIntervalSince(start)
        let storeStatistics = await session?.finish()
        await session?.close()
        let peak = ResidentMemory.peakMegabytes
        await runtime.shutdown()

        if let findings {
            try Self.writeFindings(results.filter { $0.index < corpus.count }, paths: readable, to: findings)
        }
        let latencies = results.map(\.seconds).sorted()
        func percentile(_ p: Double) -> Double {
            latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] * 1000
        }
        var verdicts: [String: Int] = [:]
        var findings: [String: Int] = [:]
        var engineSeconds: [String: Double] = [:]
        for sample in results {
            for verdict in sample.decision.verdicts {
                verdicts["\(verdict.engine)=\(verdict.label)", default: 0] += 1
                engineSeconds[verdict.engine, default: 0] += verdict.elapsed.inSeconds
                for finding in verdict.findings { findings["\(verdict.engine):\(finding.code)", default: 0] += 1 }
            }
        }
        let engineMeans = engineSeconds.sorted { $0.key < $1.key }
            .map { "\($0.key) " + String(format: "%.2f", $0.value * 1000 / Double(results.count)) }.joined(separator: ", ")
        let megabytes = Double(inputBytes) * Double(max(1, `repeat`)) / 1e6
        if !noHeader {
            print("| set | files | MB | concurrency | seconds | files/s | MB/s | p50 ms | p95 ms | p99 ms | mean ms per engine | RSS before MB | peak RSS MB |")
            print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|")
        }
        print(String(format: "| %@ | %d | %.1f | %d | %.2f | %.1f | %.1f | %.2f | %.2f | %.2f | %@ | %.0f | %.0f |",
                     label, total, megabytes, concurrency, seconds, Double(total) / seconds, megabytes / seconds,
                     percentile(0.5), percentile(0.95), percentile(0.99), engineMeans, residentBefore, peak))
        print("")
        print("Verdicts: " + verdicts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        let topFindings = findings.sorted { $0.value == $1.value ? $0.key < $1.key : $0.value > $1.value }.prefix(12)
        if !topFindings.isEmpty {
            print("Findings: " + topFindings.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        if let storeStatistics, let session {
            print("Store: \(storeStatistics.written) records written to \(session.location), "
                  + "dropped \(storeStatistics.droppedOverflow + storeStatistics.droppedAfterFailure), failed batches \(storeStatistics.failedBatches)")
        }
        print("Allocator: \(MemoryAllocator.name)")
    }

    struct Sample: Sendable {
        var seconds: Double
        var decision: Decision
        var index: Int
    }

    /// One tab-separated line per file, in input order: what a refactor must leave unchanged.
    /// Scores are rounded to 0.01 and engines listed by name, so the file does not depend on
    /// timing or on the order engines finished in.
    static func writeFindings(_ samples: [Sample], paths: [String], to file: String) throws {
        var lines: [String] = []
        for sample in samples.sorted(by: { $0.index < $1.index }) {
            let decision = sample.decision
            let engines = decision.verdicts.sorted { $0.engine < $1.engine }.map { verdict in
                var counts: [String: Int] = [:]
                for finding in verdict.findings { counts[finding.code, default: 0] += 1 }
                return "\(verdict.engine)=\(verdict.label):"
                    + counts.sorted { $0.key < $1.key }.map { $0.value == 1 ? $0.key : "\($0.key)*\($0.value)" }.joined(separator: ",")
            }
            lines.append(([paths[sample.index], decision.action.rawValue, decision.category?.rawValue ?? "-",
                           String(format: "%.2f", decision.score)] + engines).joined(separator: "\t"))
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
    }
}
