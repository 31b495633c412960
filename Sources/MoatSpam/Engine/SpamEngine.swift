import Foundation
import Logging
import MoatCore
import MoatDNS
import MoatMessage
import Synchronization

/// The heuristic spam scorer: SpamAssassin-compatible rules (PCRE2, prefiltered by Hyperscan)
/// plus Bayes, scored as SpamAssassin scores (set 0 offline without Bayes, set 2 with Bayes).
public final class SpamEngine: ScanEngine {
    public let options: SpamOptions
    /// nil until a background compile finishes (`scan` then answers not_ready).
    private let current: Mutex<CompiledRuleSet?>
    /// Bayes token store (nil when `use_bayes` is off or no `bayes_path`).
    public let bayes: BayesStore?

    /// Where `refresh` compiles (nil: a thread of its own); never Swift's cooperative pool.
    private let blocking: BlockingWorkPool?
    /// DNS for the block list rules (nil: `dns_servers` not configured, those rules skipped).
    private let resolver: UnboundResolver?

    /// Loads and compiles the rules (CPU work, seconds to a minute for the stock rules: call from a
    /// blocking context, never from a task on the cooperative pool).
    public convenience init(options: SpamOptions, blocking: BlockingWorkPool? = nil) throws {
        try self.init(options: options, ruleSet: Self.compile(options), blocking: blocking)
    }

    fileprivate init(options: SpamOptions, ruleSet: CompiledRuleSet?, blocking: BlockingWorkPool?) throws {
        self.options = options
        self.blocking = blocking
        current = Mutex(ruleSet)
        resolver = try options.dnsServers.map { servers in
            try DNSOptions(servers: servers, timeout: options.dnsTimeout, maxQueries: options.maxDNSQueries).makeResolver()
        }
        bayes = try options.useBayes ? options.bayesPath.map { try BayesStore(path: $0, recheckInterval: options.bayesRecheckSeconds) } : nil
        if let bayes, let seed = options.bayesSeed { try bayes.seed(from: seed) }
    }

    /// Starts without rules and compiles them on `blocking`: until they are ready `scan` answers
    /// not_ready, so a daemon serves mail with its other engines instead of waiting up to a
    /// minute for the stock rules' Hyperscan databases. `beforeCompile` runs first (tests hold
    /// the compile back with it).
    public static func compilingInBackground(
        options: SpamOptions, blocking: BlockingWorkPool, progress: @escaping @Sendable (String) -> Void,
        beforeCompile: @escaping @Sendable () async -> Void = {}
    ) throws -> SpamEngine {
        let engine = try SpamEngine(options: options, ruleSet: nil, blocking: blocking)
        Task {
            await beforeCompile()
            let clock = ContinuousClock()
            let start = clock.now
            let set = await compileReporting(options, blocking: blocking, progress: progress)
            engine.current.withLock { $0 = set }
            progress("spam rules ready after \((clock.now - start).components.seconds) s (\(set.summary.loaded) rules); the spam engine now votes")
        }
        return engine
    }

    /// Compiles on `blocking`, saying every 15 s (after the first 2) that it is still at it.
    static func compileReporting(
        _ options: SpamOptions, blocking: BlockingWorkPool, progress: @escaping @Sendable (String) -> Void
    ) async -> CompiledRuleSet {
        let reporter = Task {
            var waited = 2
            do { try await Task.sleep(for: .seconds(waited)) } catch { return }
            while !Task.isCancelled {
                progress("compiling spam rules into Hyperscan databases (\(waited) s so far; a first start or changed rules take up to a minute, later starts read \(options.cacheDirectory ?? "the cache"))")
                do { try await Task.sleep(for: .seconds(15)) } catch { return }
                waited += 15
            }
        }
        defer { reporter.cancel() }
        if let set = try? await blocking.run({ Self.compile(options) }) { return set }
        return await onOwnThread { Self.compile(options) }
    }

    /// Whether the rules are compiled (always, unless built with ``compilingInBackground(options:blocking:progress:beforeCompile:)``).
    public var isReady: Bool { current.withLock { $0 != nil } }

    /// Returns once the rules are compiled.
    public func waitUntilReady() async {
        while !isReady {
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    static func compile(_ options: SpamOptions) -> CompiledRuleSet {
        var parser = RuleFileParser()
        parser.load(paths: options.rules)
        return CompiledRuleSet(parser.finish(), cacheDirectory: options.cacheDirectory, network: options.dnsServers != nil)
    }

    /// The compiled rules; only for callers that built the engine with its rules (benchmarks,
    /// tests, `scoreNow`): an engine still compiling traps here.
    var ruleSet: CompiledRuleSet {
        guard let set = current.withLock({ $0 }) else { preconditionFailure("spam rules used before they were compiled") }
        return set
    }

    /// What the loaded rule set holds (empty while compiling).
    public var summary: RuleSetSummary { current.withLock { $0 }?.summary ?? RuleSetSummary() }

    public var status: [String: String] {
        guard let set = current.withLock({ $0 }) else {
            return ["rules": "compiling", "required_score": "\(options.requiredScore)"]
        }
        var s: [String: String] = [
            "rules.loaded": "\(set.summary.loaded)",
            "rules.inactive": "\(set.summary.inactive)",
            "rules.prefilter_failures": "\(set.prefilterFailures.load(ordering: .relaxed))",
            "rules.skipped": "\(set.summary.skipped.count - set.summary.netSkipped)",
            "rules.net_skipped": "\(set.summary.netSkipped)",
            "rules.prefiltered": "\(set.summary.prefiltered)",
            "rules.pcre_only": "\(set.summary.pcreOnly)",
            "rules.pcre_only_ascii": "\(set.summary.pcreOnlyOnASCII)",
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
        guard let set = current.withLock({ $0 }) else {
            return .notReady("spam rules still compiling")
        }
        let options = options
        let bayes = bayes
        guard let resolver, !set.rblSets.isEmpty || !set.uriBlockLists.lists.isEmpty || !set.askDNS.rules.isEmpty else {
            return try await context.blocking.run {
                Self.score(input.message, envelope: input.envelope, ruleSet: set, options: options, bayes: bayes)
            }
        }
        // DNS lists: the relay path and the links are found first (parsed once: the rules read the
        // same subjects), the lists asked within one budget, then the rules run.
        let (subjects, authors, sender) = try await context.blocking.run {
            let subjects = RuleSubjects(message: input.message, envelope: input.envelope, maxBodyBytes: options.maxBodyBytes,
                                        relays: RelayPath(headers: input.message.headers))
            // The askdns rules' tags: the From addresses' domains and the envelope sender's.
            let authors = AskDNS.domains((subjects.headerText(HeaderSelector.fromAddress) ?? "").split(separator: "\n").map(String.init))
            return (subjects, authors, subjects.metadata.envelopeFrom.flatMap { AskDNS.domains([$0]).first })
        }
        let dns = BudgetedLookup(resolver, limit: options.maxDNSQueries)
        // The relay lists first: their questions do not depend on what the sender wrote, so links
        // crafted to spend the budget cannot keep them from being asked.
        let relayAnswers = set.rblSets.isEmpty ? [:] : await Self.blockListAnswers(set.rblSets, relays: subjects.metadata.relays, dns: dns)
        async let uriAnswers = set.uriBlockLists.answers(subjects.uris, dns: dns)
        async let askAnswers = set.askDNS.rules.isEmpty ? [:] : set.askDNS.answers(authorDomains: authors, senderDomain: sender, dns: dns)
        let netAnswers = relayAnswers.merging(await uriAnswers) { $0 + $1 }.merging(await askAnswers) { $0 + $1 }
        var report = try await context.blocking.run {
            Self.score(subjects, ruleSet: set, options: options, bayes: bayes, netAnswers: netAnswers)
        }
        if dns.exhausted {
            report.findings.append(Finding(code: "spam.limit.dns_queries",
                                           detail: "more than max_dns_queries=\(options.maxDNSQueries) DNS questions; the lists not asked read as not listed"))
        }
        return report
    }

    /// Scores synchronously (used by `scan` on the blocking pool and by benchmarks).
    public func scoreNow(_ message: Message, envelope: Envelope = Envelope()) -> EngineReport {
        Self.score(message, envelope: envelope, ruleSet: ruleSet, options: options, bayes: bayes)
    }

    /// The A records of every listed relay per `check_rbl` set: the untrusted relays' public
    /// addresses (at most three; the last external one only for `*-lastexternal` sets), each
    /// asked of the set's zone concurrently. Errors and timeouts read as not listed.
    static func blockListAnswers(_ sets: [String: String], relays path: RelayPath, dns: any DNSLookup) async -> [String: [String]] {
        let relays = path.untrusted.filter { !$0.ipPrivate && !$0.ip.isEmpty }
        var queries: [(set: String, name: String)] = []
        for (set, zone) in sets.sorted(by: { $0.key < $1.key }) {
            let chosen = set.hasSuffix("-lastexternal") ? Array(relays.prefix(1)) : Array(relays.prefix(3))
            for relay in chosen {
                guard let bytes = IPAddress.bytes(relay.ip) else { continue }
                queries.append((set, IPAddress.reversed(bytes) + "." + zone))
            }
        }
        return await withTaskGroup(of: (String, [String]).self) { group in
            for query in queries {
                group.addTask { (query.set, await RBLEvals.listingCodes(query.name, dns: dns)) }
            }
            var answers: [String: [String]] = [:]
            for await (set, codes) in group where !codes.isEmpty { answers[set, default: []] += codes }
            return answers
        }
    }

    deinit { resolver?.shutdown() }

    static func score(_ message: Message, envelope: Envelope, ruleSet: CompiledRuleSet, options: SpamOptions, bayes: BayesStore?) -> EngineReport {
        score(RuleSubjects(message: message, envelope: envelope, maxBodyBytes: options.maxBodyBytes), ruleSet: ruleSet,
              options: options, bayes: bayes)
    }

    static func score(_ subjects: RuleSubjects, ruleSet: CompiledRuleSet, options: SpamOptions, bayes: BayesStore?,
                      netAnswers: [String: [String]] = [:]) -> EngineReport {
        var findings: [Finding] = []
        var probability: Double?
        if let bayes {
            do {
                probability = try bayes.spamProbability(subjects)
            } catch {
                findings.append(Finding(code: "spam.bayes_error", detail: "\(error)"))
            }
        }
        // SpamAssassin's score sets: +2 with Bayes, +1 with network tests.
        let scoreSet = (probability != nil ? 2 : 0) + (options.dnsServers != nil ? 1 : 0)
        let hits = ruleSet.evaluate(subjects, bayesProbability: probability, scoreSet: scoreSet, netAnswers: netAnswers)
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
        Set(hitCounts(message, prefilter: prefilter).keys)
    }

    /// Each rule that hit with how many times (tests: the prefilter must not change counts either).
    func hitCounts(_ message: Message, prefilter: Bool = true) -> [String: Int] {
        let set = ruleSet
        let subjects = RuleSubjects(message: message, envelope: Envelope(), maxBodyBytes: options.maxBodyBytes)
        let probability = bayes.flatMap { try? $0.spamProbability(message) }
        let hits = set.evaluate(subjects, bayesProbability: probability, scoreSet: probability != nil ? 2 : 0, prefilter: prefilter)
        return Dictionary(hits.map { ($0.name, $0.count) }, uniquingKeysWith: { first, _ in first })
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
public struct SpamEngineFactory: LearnerFactory {
    public let adapter = "spam"

    public init() {}

    public func makeEngine(_ manifest: EngineManifest, context: EngineBuildContext) async throws -> any ScanEngine {
        let options = try SpamOptions(manifest.options, context: context)
        let blocking = context.blocking
        if context.warmUp == .background {
            let engine = try await blocking.run {
                try SpamEngine.compilingInBackground(options: options, blocking: blocking, progress: context.progress)
            }
            context.logger.info("spam rules compiling in the background; the engine answers not_ready until then", metadata: [
                "engine.name": "\(manifest.name)",
            ])
            return engine
        }
        let set = await SpamEngine.compileReporting(options, blocking: blocking, progress: context.progress)
        let engine = try await blocking.run { try SpamEngine(options: options, ruleSet: set, blocking: blocking) }
        context.logger.info("spam rules loaded", metadata: [
            "engine.name": "\(manifest.name)",
            "spam.rules_loaded": "\(engine.summary.loaded)",
            "spam.rules_skipped": "\(engine.summary.skipped.count)",
        ])
        return engine
    }

    /// The Bayes store the engine scores with (seeded as the engine seeds it), for the daemon's
    /// feedback and cluster replication; nil when Bayes is off.
    public func makeLearner(_ manifest: EngineManifest, context: EngineBuildContext) throws -> (any TokenLearner)? {
        let options = try SpamOptions(manifest.options, context: context)
        guard options.useBayes, let path = options.bayesPath else { return nil }
        let store = try BayesStore(path: path)
        if let seed = options.bayesSeed { try store.seed(from: seed) }
        return store
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
