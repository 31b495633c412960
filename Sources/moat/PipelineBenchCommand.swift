import ArgumentParser
import Foundation
import Logging
import MoatCore
import MoatMessage

struct PipelineBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "Per-message overhead of the scan pipeline with 0 and with 5 no-op engines.",
        discussion: "Measures ScanPipeline.scan (snapshot, task group, deadlines, aggregation) on a pre-parsed message."
    )

    @Option(help: "Scans per configuration.")
    var iterations = 20_000

    @Option(help: "Concurrent scans for the throughput row.")
    var concurrency = 64

    /// An engine that answers clean at once: isolates the pipeline's own cost.
    struct NoopEngine: ScanEngine {
        func scan(_ input: ScanInput, context: ScanContext) async throws -> EngineReport { .clean }
    }

    func run() async throws {
        let message = Message(parsing: ParserBenchCommand.synthetic(size: 4096))
        let pool = BlockingWorkPool(threads: 2)
        var logger = Logger(label: "bench")
        logger.logLevel = .critical
        print("| engines | sequential µs/message | concurrent (\(concurrency)) messages/s |")
        print("|---:|---:|---:|")
        for engineCount in [0, 1, 5] {
            let engines = (0..<engineCount).map {
                RegisteredEngine(manifest: EngineManifest(name: "noop\($0)", adapter: "noop"), engine: NoopEngine())
            }
            let registry = EngineRegistry(EngineSnapshot(engines: engines))
            let pipeline = ScanPipeline(registry: registry, blocking: pool, logger: logger)
            for _ in 0..<1000 { _ = await pipeline.scan(ScanInput(id: "warm", message: message)) }
            let clock = ContinuousClock()
            let sequential = await clock.measure {
                for _ in 0..<iterations { _ = await pipeline.scan(ScanInput(id: "bench", message: message)) }
            }
            let total = iterations
            let width = concurrency
            let concurrent = await clock.measure {
                await withTaskGroup(of: Void.self) { group in
                    var started = 0
                    while started < min(width, total) {
                        group.addTask { _ = await pipeline.scan(ScanInput(id: "bench", message: message)) }
                        started += 1
                    }
                    while await group.next() != nil {
                        if started < total {
                            group.addTask { _ = await pipeline.scan(ScanInput(id: "bench", message: message)) }
                            started += 1
                        }
                    }
                }
            }
            let perMessage = ParserBenchCommand.seconds(sequential) / Double(iterations) * 1e6
            let rate = Double(iterations) / ParserBenchCommand.seconds(concurrent)
            print("| \(engineCount) | \(String(format: "%.1f", perMessage)) | \(String(format: "%.0f", rate)) |")
        }
        try await pool.shutdown()
    }
}
