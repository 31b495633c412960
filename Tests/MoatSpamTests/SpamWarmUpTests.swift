import Foundation
import Logging
import MoatCore
import MoatMessage
import Synchronization
import Testing
@testable import MoatSpam

/// A daemon must not wait silently for the spam rules to compile: the engine answers not_ready,
/// the other engines decide, the decision says so, and the engine votes once its rules are in.
@Suite struct SpamWarmUpTests {
    static func rulesFile() throws -> String {
        let dir = NSTemporaryDirectory() + "moat-spam-warmup-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let path = dir + "/local.cf"
        try """
            body CHEAP_VIAGRA /cheap\\s+viagra/i
            score CHEAP_VIAGRA 6.0
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func engineJoinsTheVoteAfterItsBackgroundCompile() async throws {
        var options = SpamOptions()
        options.rules = [try Self.rulesFile()]
        options.useBayes = false
        let pool = BlockingWorkPool(threads: 2)
        let progress = Mutex<[String]>([])
        // The compile is held back until the test lets it go, so "not ready" is observed, not raced.
        let (gate, open) = AsyncStream<Void>.makeStream()
        let engine = try SpamEngine.compilingInBackground(
            options: options, blocking: pool, progress: { line in progress.withLock { $0.append(line) } },
            beforeCompile: { for await _ in gate { break } }
        )
        let manifest = EngineManifest(name: "spam", adapter: "spam")
        let policy = Policy(tagScore: 5)
        let pipeline = ScanPipeline(
            registry: EngineRegistry(EngineSnapshot(engines: [RegisteredEngine(manifest: manifest, engine: engine)], policy: policy)),
            blocking: pool
        )

        #expect(!engine.isReady)
        #expect(engine.status["rules"] == "compiling")
        let early = await pipeline.scan(ScanInput(message: Fixtures.plain))
        #expect(early.verdicts.first?.outcome == .notReady("spam rules still compiling"))
        #expect(early.verdicts.first?.label == "not_ready")
        #expect(early.action == .accept)
        #expect(early.score == 0)
        #expect(early.reasons.first?.counted == false)
        let verdictHeader = early.headers.first { $0.name == "X-Moat-Verdict" }?.value
        #expect(verdictHeader == "accept not-ready=spam")

        open.yield()
        await engine.waitUntilReady()
        let late = await pipeline.scan(ScanInput(message: Fixtures.plain))
        #expect(late.verdicts.first?.outcome == .detected(.spam))
        #expect(late.action > .accept)
        #expect(late.headers.first { $0.name == "X-Moat-Verdict" }?.value.contains("not-ready") == false)
        #expect(engine.status["rules.loaded"] == "1")
        #expect(progress.withLock { $0 }.contains { $0.hasPrefix("spam rules ready after") })
        try await pool.shutdown()
    }

    @Test func factoryInBackgroundModeReturnsBeforeTheRulesAreCompiled() async throws {
        let rules = try Self.rulesFile()
        let pool = BlockingWorkPool(threads: 2)
        let context = EngineBuildContext(
            blocking: pool, logger: Logger(label: "test"), rulesDirectory: (rules as NSString).deletingLastPathComponent,
            manifestPath: "engines/spam.toml", warmUp: .background
        )
        let manifest = EngineManifest(name: "spam", adapter: "spam", options: ["rules": .array([.string("local.cf")]), "use_bayes": .bool(false)])
        let engine = try #require(try await SpamEngineFactory().makeEngine(manifest, context: context) as? SpamEngine)
        await engine.waitUntilReady()
        let report = try await engine.scan(ScanInput(message: Fixtures.plain), context: ScanContext(blocking: pool, logger: context.logger))
        #expect(report.category == .spam)
        #expect(report.notReady == nil)
        try await pool.shutdown()
    }
}
