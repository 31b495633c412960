import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import MoatCore
import MoatMessage
import Testing

@testable import MoatBench

/// Flags a message as `category` when its raw bytes contain `marker`.
struct MarkerEngine: ScanEngine {
    var marker: String
    var category: VerdictCategory

    func scan(_ input: ScanInput, context: ScanContext) async throws -> EngineReport {
        let raw = String(decoding: input.message.raw, as: UTF8.self)
        guard raw.contains(marker) else { return .clean }
        return EngineReport(category: category, score: 1, findings: [Finding(code: "test.\(marker)", detail: marker, score: 1)])
    }
}

func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "moat-bench-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func writeMessage(_ path: String, body: String) throws {
    try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    let text = "From: a@example.com\r\nTo: b@example.net\r\nSubject: test\r\n\r\n\(body)\r\n"
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
}

@Suite struct AccuracyRunnerTests {
    /// ham1 clean, ham2 has SPAMWORD (false positive for `words`), spam1 SPAMWORD, spam2 nothing (missed), malware1 EVIL.
    func makeCorpus() throws -> String {
        let root = try temporaryDirectory()
        try writeMessage(root + "/ham/ham1", body: "hello")
        try writeMessage(root + "/easy_ham/ham2", body: "about the SPAMWORD filter")
        try writeMessage(root + "/spam/spam1", body: "buy SPAMWORD now")
        try writeMessage(root + "/spam/spam2", body: "a quiet spam")
        try writeMessage(root + "/malware/malware1", body: "EVIL attachment")
        try Data("ignored\n".utf8).write(to: URL(fileURLWithPath: root + "/spam/cmds"))
        return root
    }

    func run(_ root: String) async throws -> AccuracyResult {
        let engines = [
            RegisteredEngine(manifest: EngineManifest(name: "words", adapter: "test"), engine: MarkerEngine(marker: "SPAMWORD", category: .spam)),
            RegisteredEngine(manifest: EngineManifest(name: "av", adapter: "test"), engine: MarkerEngine(marker: "EVIL", category: .malware)),
        ]
        let pool = BlockingWorkPool(threads: 1)
        let pipeline = ScanPipeline(registry: EngineRegistry(EngineSnapshot(engines: engines)), blocking: pool)
        let messages = try CorpusLoader.load([root])
        #expect(messages.count == 5)
        let counter = Counter()
        let result = await AccuracyRunner(pipeline: pipeline, concurrency: 2).run(messages) { _ in counter.increment() }
        #expect(counter.value == 5)
        try await pool.shutdown()
        return result
    }

    @Test func confusionMatricesAndWhatIf() async throws {
        let result = try await run(try makeCorpus())
        #expect(result.engines == ["words", "av"])
        let words = try #require(result.perEngine["words"])
        #expect(words.any.counts == ConfusionCounts(truePositives: 1, falsePositives: 1, trueNegatives: 1, falseNegatives: 2))
        #expect(words.categories["spam"]?.counts == ConfusionCounts(truePositives: 1, falsePositives: 1, trueNegatives: 2, falseNegatives: 1))
        #expect(words.any.precision == 0.5)
        #expect(words.any.recall == 1.0 / 3.0)
        #expect(words.any.fpr == 0.5)
        #expect(words.any.precisionCI == Interval(ConfusionCounts.wilson(successes: 1, trials: 2)))
        #expect(words.classMatrix["ham"] == ["clean": 1, "spam": 1])
        #expect(Set(words.wrong.map(\.kind)) == [.falsePositive, .falseNegative])
        #expect(words.wrong.count == 3)
        let av = try #require(result.perEngine["av"])
        #expect(av.any.counts == ConfusionCounts(truePositives: 1, falsePositives: 0, trueNegatives: 2, falseNegatives: 2))
        #expect(av.categories["malware"]?.counts == ConfusionCounts(truePositives: 1, falsePositives: 0, trueNegatives: 4, falseNegatives: 0))
        #expect(result.ensemble.any.counts == ConfusionCounts(truePositives: 2, falsePositives: 1, trueNegatives: 1, falseNegatives: 1))
        #expect(result.ensemble.any.f1 == 2.0 / 3.0)
        #expect(result.withoutEngine["words"]?.any.counts == ConfusionCounts(truePositives: 1, falsePositives: 0, trueNegatives: 2, falseNegatives: 2))
        #expect(result.withoutEngine["av"]?.any.counts == ConfusionCounts(truePositives: 1, falsePositives: 1, trueNegatives: 1, falseNegatives: 2))
        #expect(words.latency?.samples == 5)
        #expect(result.feedback().count == 5)
        #expect(Set(result.feedback().map(\.trueClass)) == [.ham, .spam, .malware])
    }

    @Test func outputsAreWellFormed() async throws {
        let result = try await run(try makeCorpus())
        let out = try temporaryDirectory()
        let written = try AccuracyReport.write(result, to: out)
        #expect(written.count == 5)
        for svg in [AccuracyReport.precisionRecallFile, AccuracyReport.latencyFile] {
            let parser = XMLParser(data: try Data(contentsOf: URL(fileURLWithPath: out + "/" + svg)))
            #expect(parser.parse(), "\(svg): \(String(describing: parser.parserError))")
        }
        let decoded = try AccuracyReport.decode(try Data(contentsOf: URL(fileURLWithPath: out + "/" + AccuracyReport.jsonFile)))
        #expect(decoded == result)
        let table = AccuracyReport.table(result)
        #expect(table.contains("ensemble - words"))
        #expect(AccuracyReport.markdown(result).contains("## Removal evidence"))
    }

    @Test func manifestWithHeader() throws {
        let root = try temporaryDirectory()
        try writeMessage(root + "/m/1", body: "x")
        try Data("path\tlabel\tsubset\nm/1\tspam\ts\n# comment\n/abs/2\teasy_ham\n".utf8).write(to: URL(fileURLWithPath: root + "/labels.tsv"))
        let messages = try CorpusLoader.load([root + "/labels.tsv"])
        #expect(messages == [LabelledMessage(path: root + "/m/1", label: .spam), LabelledMessage(path: "/abs/2", label: .ham)])
    }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}
