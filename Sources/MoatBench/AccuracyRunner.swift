import Foundation
import MoatCore
import MoatMessage

/// Where an accuracy run is, for a progress line.
public struct BenchProgress: Sendable, Hashable {
    public var completed: Int
    public var total: Int
    /// Seconds since the run started.
    public var elapsed: Double
    /// The message just finished.
    public var path: String

    /// Estimated seconds left at the rate so far (nil before the first message).
    public var estimatedRemaining: Double? {
        guard completed > 0 else { return nil }
        return elapsed / Double(completed) * Double(total - completed)
    }

    /// `  37/120  30.8%  ETA 0:12  path` for a terminal line.
    public var line: String {
        let percent = total == 0 ? 100 : Double(completed) * 100 / Double(total)
        let eta = estimatedRemaining.map { Self.clock($0) } ?? "--:--"
        return "\(completed)/\(total)  \(String(format: "%5.1f", percent))%  ETA \(eta)  \(path)"
    }

    static func clock(_ seconds: Double) -> String {
        let whole = Int(seconds.rounded())
        let minutes = whole / 60
        let rest = whole % 60
        return "\(minutes):" + (rest < 10 ? "0" : "") + "\(rest)"
    }
}

/// One scanned message as the run recorded it: enough to recompute the ensemble without rescanning.
public struct ScanRecordEntry: Sendable, Hashable {
    public var message: LabelledMessage
    public var scanID: String
    public var decision: Decision
    /// Wall-clock milliseconds of the whole pipeline scan.
    public var milliseconds: Double

    public init(message: LabelledMessage, scanID: String, decision: Decision, milliseconds: Double) {
        self.message = message
        self.scanID = scanID
        self.decision = decision
        self.milliseconds = milliseconds
    }
}

/// Runs a labelled corpus through a `ScanPipeline` and measures every engine and the ensemble.
public struct AccuracyRunner: Sendable {
    public var pipeline: ScanPipeline
    /// Messages scanned at once.
    public var concurrency: Int
    public var limits: MessageLimits

    public init(pipeline: ScanPipeline, concurrency: Int = 4, limits: MessageLimits = MessageLimits()) {
        self.pipeline = pipeline
        self.concurrency = max(1, concurrency)
        self.limits = limits
    }

    /// Scans every message (at most `concurrency` at once) and computes the metrics.
    /// `progress` is called once per finished message, in completion order.
    public func run(
        _ messages: [LabelledMessage],
        progress: @escaping @Sendable (BenchProgress) -> Void = { _ in }
    ) async -> AccuracyResult {
        let snapshot = pipeline.registry.snapshot
        let clock = ContinuousClock()
        let start = clock.now
        let pipeline = self.pipeline
        let limits = self.limits
        let total = messages.count
        var records = [ScanRecordEntry?](repeating: nil, count: total)
        var unreadable: [String] = []
        await withTaskGroup(of: (Int, ScanRecordEntry?).self) { group in
            var next = 0
            func startNext() {
                let index = next
                let message = messages[index]
                next += 1
                group.addTask {
                    guard let data = FileManager.default.contents(atPath: message.path) else { return (index, nil) }
                    let input = ScanInput(message: Message(parsing: Array(data), limits: limits))
                    let began = ContinuousClock.now
                    let decision = await pipeline.scan(input)
                    let elapsed = ContinuousClock.now - began
                    return (index, ScanRecordEntry(message: message, scanID: input.id, decision: decision, milliseconds: elapsed.inMilliseconds))
                }
            }
            while next < min(concurrency, total) { startNext() }
            var completed = 0
            while let (index, record) = await group.next() {
                completed += 1
                records[index] = record
                if record == nil { unreadable.append(messages[index].path) }
                progress(BenchProgress(completed: completed, total: total, elapsed: (clock.now - start).inSeconds, path: messages[index].path))
                if next < total { startNext() }
            }
        }
        return AccuracyResult.compute(
            records: records.compactMap { $0 }, unreadable: unreadable.sorted(), snapshot: snapshot,
            seconds: (clock.now - start).inSeconds
        )
    }
}

/// The outcome of an accuracy run: per engine, the ensemble, and the ensemble without each engine.
public struct AccuracyResult: Sendable, Hashable, Codable {
    public struct Corpus: Sendable, Hashable, Codable {
        public var messages: Int
        public var byClass: [String: Int]
        public var unreadable: [String]

        enum CodingKeys: String, CodingKey {
            case messages
            case byClass = "by_class"
            case unreadable
        }
    }

    /// One message's answers.
    public struct MessageResult: Sendable, Hashable, Codable {
        public var path: String
        public var label: TrueClass
        public var scanID: String
        public var action: Action
        public var category: VerdictCategory?
        public var score: Double
        /// Engine name → `clean`, a category, `error` or `timeout`.
        public var engines: [String: String]

        enum CodingKeys: String, CodingKey {
            case path, label
            case scanID = "scan_id"
            case action, category, score, engines
        }
    }

    public var schema = "moat.bench.accuracy/1"
    public var seconds: Double
    public var corpus: Corpus
    /// Engines that answered, in registry order.
    public var engines: [String]
    public var ensemble: DetectorMetrics
    public var perEngine: [String: DetectorMetrics]
    /// The ensemble re-aggregated from the recorded verdicts without the named engine.
    public var withoutEngine: [String: DetectorMetrics]
    public var messages: [MessageResult]
    /// Other products on the same messages (`--peer`), by name.
    public var peers: [String: PeerMetrics] = [:]
    /// Peers in the order they were given.
    public var peerOrder: [String] = []

    enum CodingKeys: String, CodingKey {
        case schema, seconds, corpus, engines, ensemble
        case perEngine = "per_engine"
        case withoutEngine = "without_engine"
        case messages, peers
        case peerOrder = "peer_order"
    }

    /// Ground truth for the store: one `Feedback` per scanned message (what `--record` sends).
    public func feedback(source: String = "corpus:bench") -> [Feedback] {
        messages.map { Feedback(scanID: $0.scanID, trueClass: $0.label, source: source) }
    }

    /// What the ensemble concluded: its category, else `suspicious` when it still acted on the message
    /// (a score threshold), else nil (accept, tempfail).
    public static func ensemblePrediction(_ decision: Decision) -> VerdictCategory? {
        if let category = decision.category { return category }
        switch decision.action {
        case .tag, .quarantine, .reject, .discard: return .suspicious
        case .accept, .tempfail: return nil
        }
    }

    static func label(_ category: VerdictCategory?) -> String { category?.rawValue ?? "clean" }

    /// Computes every figure from recorded decisions; `snapshot` supplies the policy and manifests.
    public static func compute(
        records: [ScanRecordEntry], unreadable: [String], snapshot: EngineSnapshot, seconds: Double
    ) -> AccuracyResult {
        var engineOrder: [String] = []
        for registered in snapshot.engines where records.contains(where: { $0.decision.verdicts.contains { $0.engine == registered.name } }) {
            engineOrder.append(registered.name)
        }
        for record in records {
            for verdict in record.decision.verdicts where !engineOrder.contains(verdict.engine) { engineOrder.append(verdict.engine) }
        }

        let ensemble = DetectorMetrics(
            observations: records.map { record in
                let predicted = ensemblePrediction(record.decision)
                return (record.message, predicted, label(predicted))
            },
            latencies: records.map(\.milliseconds)
        )

        var perEngine: [String: DetectorMetrics] = [:]
        for engine in engineOrder {
            var observations: [(message: LabelledMessage, predicted: VerdictCategory?, label: String)] = []
            var latencies: [Double] = []
            for record in records {
                guard let verdict = record.decision.verdicts.first(where: { $0.engine == engine }) else { continue }
                var predicted: VerdictCategory?
                if case .detected(let category) = verdict.outcome { predicted = category }
                observations.append((record.message, predicted, verdict.label))
                latencies.append(verdict.elapsed.inMilliseconds)
            }
            perEngine[engine] = DetectorMetrics(observations: observations, latencies: latencies)
        }

        let aggregator = Aggregator(policy: snapshot.policy)
        let manifests = snapshot.manifests
        var without: [String: DetectorMetrics] = [:]
        for engine in engineOrder {
            var reduced = manifests
            reduced[engine] = nil
            let observations = records.map { record -> (message: LabelledMessage, predicted: VerdictCategory?, label: String) in
                let decision = aggregator.decide(
                    scanID: record.scanID, verdicts: record.decision.verdicts.filter { $0.engine != engine },
                    manifests: reduced, messageFindings: record.decision.messageFindings
                )
                let predicted = ensemblePrediction(decision)
                return (record.message, predicted, label(predicted))
            }
            without[engine] = DetectorMetrics(observations: observations, latencies: nil)
        }

        var byClass: [String: Int] = [:]
        for record in records { byClass[record.message.label.rawValue, default: 0] += 1 }
        let messages = records.map { record in
            MessageResult(
                path: record.message.path, label: record.message.label, scanID: record.scanID,
                action: record.decision.action, category: record.decision.category, score: record.decision.score,
                engines: Dictionary(record.decision.verdicts.map { ($0.engine, $0.label) }, uniquingKeysWith: { first, _ in first })
            )
        }
        return AccuracyResult(
            seconds: seconds,
            corpus: Corpus(messages: records.count, byClass: byClass, unreadable: unreadable),
            engines: engineOrder, ensemble: ensemble, perEngine: perEngine, withoutEngine: without, messages: messages
        )
    }
}
