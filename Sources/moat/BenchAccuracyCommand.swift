import ArgumentParser
import Foundation
import MoatAdapters
import MoatBench
import MoatCore

struct BenchAccuracyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accuracy",
        abstract: "Precision, recall, F1, FPR (Wilson 95 % CI) and latency per engine and ensemble on labelled corpora.",
        discussion: """
            CORPUS is a folder of class folders (ham/, spam/, malware/, phishing/; SpamAssassin's easy_ham/,
            hard_ham/, spam/) or a TSV manifest (path<TAB>label). Writes accuracy.json, accuracy.md,
            accuracy.txt, precision-recall.svg and latency.svg to --out; prints the table. See bench/README.md.
            """
    )

    @OptionGroup var runtimeOptions: RuntimeOptions

    @Option(name: .long, help: "Results folder.")
    var out = "bench/results/accuracy"

    @Option(name: .long, help: "Messages scanned at once.")
    var concurrency = 4

    @Flag(name: .long, help: "Also write feedback.json: one Feedback (scan id, true class) per message, for the store.")
    var record = false

    @Argument(help: "Corpus folders or manifests.")
    var corpora: [String]

    func run() async throws {
        let messages: [LabelledMessage]
        let runtime: ScanRuntime
        do {
            messages = try CorpusLoader.load(corpora)
            runtime = try await runtimeOptions.startRuntime()
        } catch {
            FileHandle.standardError.write(Data("moat: \(error)\n".utf8))
            throw ExitCode(2)
        }
        let tty = isatty(STDERR_FILENO) == 1
        let every = max(1, messages.count / 100)
        let runner = AccuracyRunner(pipeline: runtime.pipeline, concurrency: concurrency, limits: runtime.configuration.limits)
        let result = await runner.run(messages) { progress in
            if tty {
                FileHandle.standardError.write(Data("\r\u{1B}[K\(progress.line.prefix(150))".utf8))
            } else if progress.completed % every == 0 || progress.completed == progress.total {
                FileHandle.standardError.write(Data("\(progress.line)\n".utf8))
            }
        }
        if tty { FileHandle.standardError.write(Data("\n".utf8)) }
        await runtime.shutdown()
        do {
            try AccuracyReport.write(result, to: out)
            if record {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                encoder.dateEncodingStrategy = .iso8601
                try encoder.encode(result.feedback()).write(to: URL(fileURLWithPath: out + "/feedback.json"))
            }
        } catch {
            FileHandle.standardError.write(Data("moat: cannot write results to \(out): \(error)\n".utf8))
            throw ExitCode(2)
        }
        print(AccuracyReport.table(result), terminator: "")
        print("results in \(out)/" + (record ? " (feedback.json: \(result.messages.count) labelled scans)" : ""))
    }
}
