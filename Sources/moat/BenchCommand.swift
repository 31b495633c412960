import ArgumentParser

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure Moat's own speed (parser, pipeline); results print as Markdown.",
        discussion: """
            Run from a release build (`swift build -c release`); `bench/run-foundation.sh` runs these and
            records the output under bench/results/. Timings are wall-clock on this machine.
            """,
        subcommands: [ParserBenchCommand.self, PipelineBenchCommand.self, CombinerBenchCommand.self, TenantBenchCommand.self, MilterBenchCommand.self, ThroughputBenchCommand.self, BenchAccuracyCommand.self,
                      StoreBenchCommand.self, BenchCorpusCommand.self]
    )
}
