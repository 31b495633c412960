import Foundation
import Logging
import MoatCore
import MoatMessage
import Testing
@testable import MoatSpam

@Suite("Bayes and the spam engine", .serialized)
struct BayesAndEngineTests {
    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("moat-spam-\(UInt64.random(in: 0...UInt64.max))/\(name)").path
    }

    /// Shared trained store: 200 spam + 200 easy ham from the corpus.
    static let trained: (store: BayesStore, heldOutSpam: [String], heldOutHam: [String])? = {
        guard Fixtures.corpusAvailable else { return nil }
        let spam = Fixtures.corpusFiles("spam"), ham = Fixtures.corpusFiles("easy_ham")
        guard spam.count >= 260, ham.count >= 260, let store = try? BayesStore(path: temporaryPath("bayes.sqlite")) else { return nil }
        for file in spam.prefix(200) { _ = try? store.train(message: Fixtures.message(file: file), isSpam: true) }
        for file in ham.prefix(200) { _ = try? store.train(message: Fixtures.message(file: file), isSpam: false) }
        return (store, Array(spam.suffix(50)), Array(ham.suffix(50)))
    }()

    @Test func bayesDoesNotVoteUntilTrainedAndTrainingIsIdempotent() throws {
        let store = try BayesStore(path: Self.temporaryPath("small.sqlite"), minimumPerClass: 1)
        #expect(try store.spamProbability(Fixtures.plain) == nil)
        #expect(try store.train(message: Fixtures.plain, isSpam: true))
        #expect(try !store.train(message: Fixtures.plain, isSpam: true))
        #expect(try store.train(message: Fixtures.html, isSpam: false))
        #expect(try store.counts().spamMessages == 1)
        // Relearning as the other class moves it.
        #expect(try store.train(message: Fixtures.plain, isSpam: false))
        #expect(try store.counts().spamMessages == 0 && store.counts().hamMessages == 2)
        #expect(try store.forget(message: Fixtures.plain))
        #expect(try store.counts().hamMessages == 1)
    }

    @Test(.enabled(if: Fixtures.corpusAvailable)) func bayesScoresHeldOutMessagesInTheRightDirection() throws {
        let trained = try #require(Self.trained)
        let counts = try trained.store.counts()
        #expect(counts.spamMessages == 200 && counts.hamMessages == 200)
        var spamRight = 0, hamRight = 0
        for file in trained.heldOutSpam where (try trained.store.spamProbability(Fixtures.message(file: file)) ?? 0.5) > 0.5 { spamRight += 1 }
        for file in trained.heldOutHam where (try trained.store.spamProbability(Fixtures.message(file: file)) ?? 0.5) < 0.5 { hamRight += 1 }
        print("[spam-bayes] held out: spam \(spamRight)/\(trained.heldOutSpam.count) > 0.5, ham \(hamRight)/\(trained.heldOutHam.count) < 0.5; tokens \(counts.tokens)")
        #expect(spamRight >= 40 && hamRight >= 40)
    }

    @Test("scans tokenize the texts the rules rendered exactly as training tokenizes the message",
          .enabled(if: Fixtures.corpusAvailable))
    func scoringAndTrainingSeeTheSameTokens() throws {
        for file in StockRulesCompatibilityTests.sample().prefix(60) {
            let message = Fixtures.message(file: file)
            let subjects = RuleSubjects(message: message, envelope: .init(), maxBodyBytes: SpamOptions().maxBodyBytes)
            #expect(BayesTokenizer.tokens(subjects) == BayesTokenizer.tokens(message), "\(file)")
        }
    }

    @Test(.enabled(if: Fixtures.corpusAvailable)) func concurrentScansWithBayes() async throws {
        let trained = try #require(Self.trained)
        let rules = Self.temporaryPath("rules/bayes.cf")
        try FileManager.default.createDirectory(atPath: (rules as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try """
            body BAYES_00 eval:check_bayes('0.00', '0.01')
            body BAYES_50 eval:check_bayes('0.40', '0.60')
            body BAYES_99 eval:check_bayes('0.99', '1.00')
            score BAYES_00 0 0 -1.9 -1.9
            score BAYES_50 0 0 0.8 0.8
            score BAYES_99 0 0 3.5 3.5
            body CHEAP /cheap/i
            """.write(toFile: rules, atomically: true, encoding: .utf8)
        var options = SpamOptions()
        options.rules = [rules]
        options.useBayes = false
        let engine = try SpamEngine(options: options)
        // Share the trained store through a second engine value built on the same database file.
        let pool = BlockingWorkPool(threads: 4)
        defer { Task { try? await pool.shutdown() } }
        let context = ScanContext(blocking: pool, logger: Logger(label: "test"))
        let files = trained.heldOutSpam.prefix(20) + trained.heldOutHam.prefix(20)
        let store = trained.store
        let results = try await withThrowingTaskGroup(of: (Bool, Double?).self) { group in
            for (i, file) in files.enumerated() {
                group.addTask {
                    let message = Fixtures.message(file: file)
                    if i % 5 == 0 { _ = try store.train(message: Fixtures.plain, isSpam: i % 10 == 0) }
                    _ = try await engine.scan(ScanInput(message: message), context: context)
                    return (i < 20, try store.spamProbability(message))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.count == 40)
        #expect(results.allSatisfy { $0.1 != nil })
    }

    @Test func engineReportsScoreCategoryAndFindings() async throws {
        let dir = Self.temporaryPath("rules")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try """
            body CHEAP_VIAGRA /cheap\\s+viagra/i
            describe CHEAP_VIAGRA Sells cheap drugs
            score CHEAP_VIAGRA 4.0
            header MAILER_SPAMMER X-Mailer =~ /Spammer/
            score MAILER_SPAMMER 1.5
            body TOO_BIG /never(/
            """.write(toFile: dir + "/local.cf", atomically: true, encoding: .utf8)
        let context = EngineBuildContext(blocking: BlockingWorkPool(threads: 2), logger: Logger(label: "test"),
                                         rulesDirectory: dir, manifestPath: "engines/spam.toml")
        let manifest = EngineManifest(name: "spam", adapter: "spam", options: ["rules": .array([.string("local.cf")]), "use_bayes": .bool(false)])
        let engine = try await SpamEngineFactory().makeEngine(manifest, context: context)
        let report = try await engine.scan(ScanInput(message: Fixtures.plain), context: ScanContext(blocking: context.blocking, logger: context.logger))
        #expect(report.category == .spam)
        #expect(report.score == 5.5)
        #expect(report.findings.first?.code == "spam.CHEAP_VIAGRA")
        #expect(report.findings.first?.detail.contains("cheap viagra") == true)
        #expect(engine.status["rules.loaded"] == "2")
        await #expect(throws: ConfigurationError.self) {
            _ = try await SpamEngineFactory().makeEngine(EngineManifest(name: "x", adapter: "spam", options: ["bogus": .bool(true)]), context: context)
        }
        try await context.blocking.shutdown()
    }

    @Test func bodyCapIsReported() throws {
        var options = SpamOptions()
        options.rules = []
        options.useBayes = false
        options.maxBodyBytes = 40
        let report = try SpamEngine(options: options).scoreNow(Fixtures.plain)
        #expect(report.findings.contains { $0.code == "spam.limit.body_bytes" })
    }
}
