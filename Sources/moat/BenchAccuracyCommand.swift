import ArgumentParser
import Foundation
import Logging
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
            accuracy.txt, precision-recall.svg and latency.svg to --out; prints the table. --peer adds
            another product's verdicts on the same corpus (bench/peers/ writes them) as peer:NAME rows.
            --record logs every scan and its label into the [store] of --config, where moatd's precision
            tracker restores its statistics from. See bench/README.md.
            """
    )

    @OptionGroup var runtimeOptions: RuntimeOptions

    @Option(name: .long, help: "Results folder.")
    var out = "bench/results/accuracy"

    @Option(name: .long, help: "Messages scanned at once.")
    var concurrency = 4

    @Flag(name: .long, help: "Log every scan and its label (feedback, source corpus:bench) into the store of --config; also write feedback.json.")
    var record = false

    @Option(name: .long, help: "NAME=FILE: a peer's verdicts (bench/peers/ TSV) to report beside the engines; repeatable.")
    var peer: [String] = []

    @Option(name: .long, help: "Which part of the fixed split to scan: all, dev (what moat train learns from) or holdout (never tuned on; report on it only at the end).")
    var split = "all"

    @Option(name: .long, help: "Share of the corpus in the holdout, in percent (the same as moat train's).")
    var holdoutPercent = 20

    @Argument(help: "Corpus folders or manifests.")
    var corpora: [String]

    func run() async throws {
        let messages: [LabelledMessage]
        let peers: [PeerVerdicts]
        let runtime: ScanRuntime
        do {
            guard let part = CorpusSplit.Part(rawValue: split) else {
                throw ValidationError("--split is all, dev or holdout, not \(split)")
            }
            messages = CorpusSplit(percent: holdoutPercent).select(try CorpusLoader.load(corpora), part)
            peers = try peer.map { argument in
                guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else {
                    throw ValidationError("--peer takes NAME=FILE, not \(argument)")
                }
                return try PeerVerdicts(name: String(argument[..<equals]), path: String(argument[argument.index(after: equals)...]))
            }
            runtime = try await runtimeOptions.startRuntime()
        } catch {
            throw CLIError.exit(error)
        }
        var session: StoreSession?
        if record {
            session = try await StoreSession.attach(to: runtime, configPath: runtimeOptions.config)
        }
        let tty = isatty(STDERR_FILENO) == 1
        let every = max(1, messages.count / 100)
        let runner = AccuracyRunner(pipeline: runtime.pipeline, concurrency: concurrency, limits: runtime.configuration.limits)
        var result = await runner.run(messages) { progress in
            if tty {
                FileHandle.standardError.write(Data("\r\u{1B}[K\(progress.line.prefix(150))".utf8))
            } else if progress.completed % every == 0 || progress.completed == progress.total {
                FileHandle.standardError.write(Data("\(progress.line)\n".utf8))
            }
        }
        if tty { FileHandle.standardError.write(Data("\n".utf8)) }
        for peer in peers { result.add(peer: peer) }
        var recorded: String?
        if let session {
            recorded = await Self.record(result, session: session)
            await session.close()
        }
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
        print("results in \(out)/")
        if let recorded { print(recorded) }
    }

    /// Writes the scans (already handed to the supervisor) and then their labels into the store.
    static func record(_ result: AccuracyResult, session: StoreSession) async -> String {
        let statistics = await session.finish()
        var labelled = 0
        var failures: [String] = []
        for feedback in result.feedback() {
            do {
                try await session.store.recordFeedback(feedback)
                labelled += 1
            } catch {
                if failures.count < 3 { failures.append("\(feedback.scanID): \(error)") }
            }
        }
        var line = "store \(session.location): \(statistics.written) scans, \(labelled) labels recorded (source corpus:bench)"
        if !failures.isEmpty { line += "; failed: " + failures.joined(separator: "; ") }
        return line
    }
}
