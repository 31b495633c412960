import Foundation
import Logging
import MoatCore
import MoatMessage
import Synchronization

/// The heuristic spam scorer: SpamAssassin-compatible rules (PCRE2, prefiltered by Hyperscan)
/// plus Bayes, scored as SpamAssassin scores (set 0 offline without Bayes, set 2 with Bayes).
public final class SpamEngine: ScanEngine {
    public let options: SpamOptions
    private let current: Mutex<CompiledRuleSet>
    /// Bayes token store (nil when `use_bayes` is off or no `bayes_path`).
    public let bayes: BayesStore?

    /// Where `refresh` compiles (nil: a thread of its own); never Swift's cooperative pool.
    private let blocking: BlockingWorkPool?

    /// Loads and compiles the rules (CPU work, seconds to a minute for the stock rules: call from a
    /// blocking context, never from a task on the cooperative pool).
    public init(options: SpamOptions, blocking: BlockingWorkPool? = nil) throws {
        self.options = options
        self.blocking = blocking
        current = Mutex(Self.compile(options))
        bayes = try options.useBayes ? options.bayesPath.map { try BayesStore(path: $0) } : nil
    }

    static func compile(_ options: SpamOptions) -> CompiledRuleSet {
        var parser = RuleFileParser()
        parser.load(paths: options.rules)
        return CompiledRuleSet(parser.finish(), cacheDirectory: options.cacheDirectory)
    }

    var ruleSet: CompiledRuleSet { current.withLock { $0 } }

    /// What the loaded rule set holds.
    public var summary: RuleSetSummary { ruleSet.summary }

    public var status: [String: String] {
        let set = ruleSet
        var s: [String: String] = [
            "rules.loaded": "\(set.summary.loaded)",
            "rules.skipped": "\(set.summary.skipped.count - set.summary.netSkipped)",
            "rules.net_skipped": "\(set.summary.netSkipped)",
            "rules.prefiltered": "\(set.summary.prefiltered)",
            "evals.supported": "\(set.summary.evalSupported)",
            "evals.unsupported": "\(set.summary.evalUnsupported)",
            "required_score": "\(options.requiredScore)",
        ]
        if let bayes, let counts = try? bayes.counts() {
            s["bayes.spam"] = "\(counts.spamMessages)"
            s["bayes.ham"] = "\(counts.hamMessages)"
            s["bayes.tokens"] = "\(counts.tokens)"
        }
        return s
    }

    public func scan(_ input: ScanInput, context: ScanContext) async throws -> EngineReport {
        let set = ruleSet
        let options = options
        let bayes = bayes
        return try await context.blocking.run {
            Self.score(input.message, envelope: input.envelope, ruleSet: set, options: options, bayes: bayes)
        }
    }

    /// Scores synchronously (used by `scan` on the blocking pool and by benchmarks).
    public func scoreNow(_ message: Message, envelope: Envelope = Envelope()) -> EngineReport {
        Self.score(message, envelope: envelope, ruleSet: ruleSet, options: options, bayes: bayes)
    }

    static func score(_ message: Message, envelope: Envelope, ruleSet: CompiledRuleSet, options: SpamOptions, bayes: BayesStore?) -> EngineReport {
        let subjects = RuleSubjects(message: message, envelope: envelope, maxBodyBytes: options.maxBodyBytes)
        var findings: [Finding] = []
        var probability: Double?
        if let bayes {
            do {
                probability = try bayes.spamProbability(subjects)
            } catch {
                findings.append(Finding(code: "spam.bayes_error", detail: "\(error)"))
            }
        }
        let scoreSet = probability != nil ? 2 : 0
        let hits = ruleSet.evaluate(subjects, bayesProbability: probability, scoreSet: scoreSet)
        var score = 0.0
        for hit in hits.sorted(by: { abs($0.score) > abs($1.score) }) {
            score += hit.score
            var detail = hit.description.isEmpty ? hit.name : hit.description
            if hit.count > 1 { detail += " (×\(hit.count))" }
            if !hit.excerpt.isEmpty { detail += ": \"\(hit.excerpt)\"" }
            findings.append(Finding(code: "spam.\(hit.name)", detail: detail, score: hit.score, partPath: ""))
        }
        if subjects.truncated {
            findings.append(Finding(code: "spam.limit.body_bytes", detail: "body longer than max_body_bytes=\(options.maxBodyBytes); only the start was scanned"))
        }
        score = (score * 1000).rounded() / 1000
        return EngineReport(category: score >= options.requiredScore ? .spam : nil, score: score, findings: findings)
    }

    /// Rule names that fire (for comparisons with SpamAssassin).
    func hitNames(_ message: Message, prefilter: Bool = true) -> Set<String> {
        let set = ruleSet
        let subjects = RuleSubjects(message: message, envelope: Envelope(), maxBodyBytes: options.maxBodyBytes)
        let probability = bayes.flatMap { try? $0.spamProbability(message) }
        return Set(set.evaluate(subjects, bayesProbability: probability, scoreSet: probability != nil ? 2 : 0, prefilter: prefilter).map(\.name))
    }

    /// Rebuilds the rule set from the same paths and swaps it in; scans in flight keep the old one.
    public func refresh() async throws {
        let options = options
        let fresh: CompiledRuleSet
        if let blocking {
            fresh = try await blocking.run { Self.compile(options) }
        } else {
            fresh = await Self.onOwnThread { Self.compile(options) }
        }
        current.withLock { $0 = fresh }
    }

    /// Runs `body` on a new thread (for engines built without a `BlockingWorkPool`, as in tests),
    /// so long CPU work never occupies a cooperative-pool thread.
    static func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: body()) }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }
}

/// Builds `SpamEngine`s for manifests with `adapter = "spam"`.
public struct SpamEngineFactory: EngineFactory {
    public let adapter = "spam"

    public init() {}

    public func makeEngine(_ manifest: EngineManifest, context: EngineBuildContext) async throws -> any ScanEngine {
        let options = try SpamOptions(manifest.options, context: context)
        let blocking = context.blocking
        let engine = try await blocking.run { try SpamEngine(options: options, blocking: blocking) }
        context.logger.info("spam rules loaded", metadata: [
            "engine.name": "\(manifest.name)",
            "spam.rules_loaded": "\(engine.summary.loaded)",
            "spam.rules_skipped": "\(engine.summary.skipped.count)",
        ])
        return engine
    }
}

/// Throughput measurement for `moat bench throughput`: scores every message in `files` once
/// (after one warm-up pass over the first few) and returns messages per second.
public enum SpamBenchmark {
    public struct Result: Sendable {
        public var messages: Int
        public var seconds: Double
        public var messagesPerSecond: Double { seconds > 0 ? Double(messages) / seconds : 0 }
        public var spamDetected: Int
    }

    /// Runs `concurrency` scoring loops over `files` with `engine`.
    public static func run(engine: SpamEngine, files: [String], concurrency: Int = 2) async -> Result {
        let messages = files.compactMap { FileManager.default.contents(atPath: $0).map { Message(parsing: Array($0)) } }
        for m in messages.prefix(3) { _ = engine.scoreNow(m) }
        let start = ContinuousClock.now
        let spam = await withTaskGroup(of: Int.self) { group in
            for worker in 0..<max(1, concurrency) {
                group.addTask {
                    var n = 0
                    for (i, m) in messages.enumerated() where i % max(1, concurrency) == worker {
                        if engine.scoreNow(m).category == .spam { n += 1 }
                    }
                    return n
                }
            }
            return await group.reduce(0, +)
        }
        let elapsed = ContinuousClock.now - start
        let seconds = elapsed.inSeconds
        return Result(messages: messages.count, seconds: seconds, spamDetected: spam)
    }
}
