import Foundation
import Synchronization

/// Tracks every engine's accuracy against ground truth over a sliding window, and its failures and latency.
///
/// Fed twice per message: `observe` when a scan is decided (failures, latency, consensus) and `label`
/// when the truth arrives (feedback, possibly much later). Counts are kept incrementally, so reading
/// a precision on the scan path costs a dictionary lookup. Lock-protected; every call is short.
public final class PrecisionTracker: Sendable {
    /// Window sizes and the consensus option.
    public struct Settings: Sendable, Hashable, Codable {
        /// Labelled samples kept per engine.
        public var window: Int
        /// Samples older than this many days leave the window.
        public var maxAgeDays: Double
        /// Scans kept per engine for error, timeout and latency figures.
        public var scanWindow: Int
        /// Use agreement among voting engines as weak truth (reported apart from confirmed truth).
        public var consensus: Bool
        /// Voting engines that must agree on a category for consensus truth.
        public var consensusQuorum: Int

        public init(window: Int = 2000, maxAgeDays: Double = 30, scanWindow: Int = 2000, consensus: Bool = false, consensusQuorum: Int = 2) {
            self.window = window
            self.maxAgeDays = maxAgeDays
            self.scanWindow = scanWindow
            self.consensus = consensus
            self.consensusQuorum = consensusQuorum
        }

        enum CodingKeys: String, CodingKey {
            case window
            case maxAgeDays = "max_age_days"
            case scanWindow = "scan_window"
            case consensus
            case consensusQuorum = "consensus_quorum"
        }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let d = Settings()
            window = max(1, try c.decodeIfPresent(Int.self, forKey: .window) ?? d.window)
            maxAgeDays = try c.decodeIfPresent(Double.self, forKey: .maxAgeDays) ?? d.maxAgeDays
            scanWindow = max(1, try c.decodeIfPresent(Int.self, forKey: .scanWindow) ?? d.scanWindow)
            consensus = try c.decodeIfPresent(Bool.self, forKey: .consensus) ?? d.consensus
            consensusQuorum = max(1, try c.decodeIfPresent(Int.self, forKey: .consensusQuorum) ?? d.consensusQuorum)
        }
    }

    private struct Sample {
        var at: Date
        var predicted: VerdictCategory?
        var truth: TrueClass
    }

    private struct Run {
        var outcome: UInt8  // 0 answered, 1 error, 2 timeout
        var milliseconds: Double
    }

    private struct Window {
        var samples: [Sample] = []
        var head = 0
        var counts: [String: ConfusionCounts] = [:]

        var live: Int { samples.count - head }

        mutating func add(_ sample: Sample, limit: Int, maxAge: TimeInterval) {
            samples.append(sample)
            apply(sample, 1)
            while live > limit || (live > 0 && sample.at.timeIntervalSince(samples[head].at) > maxAge) {
                apply(samples[head], -1)
                head += 1
            }
            if head > 1024 && head * 2 > samples.count {
                samples.removeFirst(head)
                head = 0
            }
        }

        mutating func apply(_ sample: Sample, _ delta: Int) {
            let actual = sample.truth.expectedCategory
            for category in VerdictCategory.allCases {
                counts[category.rawValue, default: ConfusionCounts()]
                    .add(predicted: sample.predicted == category, actual: actual == category, delta)
            }
            counts["any", default: ConfusionCounts()].add(predicted: sample.predicted != nil, actual: actual != nil, delta)
        }
    }

    private struct EngineRecord {
        var confirmed = Window()
        var consensus = Window()
        var runs: [Run] = []
        var runHead = 0
        var errors = 0
        var timeouts = 0

        mutating func addRun(_ run: Run, limit: Int) {
            runs.append(run)
            if run.outcome == 1 { errors += 1 }
            if run.outcome == 2 { timeouts += 1 }
            while runs.count - runHead > limit {
                let old = runs[runHead]
                if old.outcome == 1 { errors -= 1 }
                if old.outcome == 2 { timeouts -= 1 }
                runHead += 1
            }
            if runHead > 1024 && runHead * 2 > runs.count {
                runs.removeFirst(runHead)
                runHead = 0
            }
        }
    }

    public let settings: Settings
    private let engines = Mutex<[String: EngineRecord]>([:])

    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    /// Records a decided scan: each engine's failure or answer and its latency, and consensus truth if enabled.
    public func observe(_ record: ScanRecord) {
        let weakTruth = settings.consensus ? consensusTruth(record) : nil
        engines.withLock { engines in
            for entry in record.engines where !entry.wasNotReady {
                let outcome: UInt8 = entry.label == "error" ? 1 : entry.label == "timeout" ? 2 : 0
                engines[entry.engine, default: EngineRecord()].addRun(Run(outcome: outcome, milliseconds: entry.elapsedMilliseconds), limit: settings.scanWindow)
                if let weakTruth, !entry.isFailure {
                    engines[entry.engine, default: EngineRecord()].consensus.add(
                        Sample(at: record.receivedAt, predicted: entry.category, truth: weakTruth),
                        limit: settings.window, maxAge: settings.maxAgeDays * 86_400
                    )
                }
            }
        }
    }

    /// Records the truth about a scanned message for every engine that answered it (failures carry no claim).
    public func label(_ record: ScanRecord, truth: TrueClass, at: Date = Date()) {
        engines.withLock { engines in
            for entry in record.engines where !entry.isFailure && !entry.wasNotReady {
                engines[entry.engine, default: EngineRecord()].confirmed.add(
                    Sample(at: at, predicted: entry.category, truth: truth),
                    limit: settings.window, maxAge: settings.maxAgeDays * 86_400
                )
            }
        }
    }

    /// Forgets an engine's figures (after an operator re-enables it, so old misfires do not demote it again).
    public func reset(engine: String) {
        _ = engines.withLock { $0.removeValue(forKey: engine) }
    }

    /// The engine's measured precision for `category` when it has at least `minSamples` labelled samples.
    public func precision(engine: String, category: VerdictCategory, minSamples: Int) -> Double? {
        engines.withLock { engines in
            guard let window = engines[engine]?.confirmed, window.live >= minSamples else { return nil }
            return window.counts[category.rawValue]?.precision
        }
    }

    public func statistics(engine: String) -> EngineStatistics {
        engines.withLock { engines in Self.statistics(engine, engines[engine] ?? EngineRecord()) }
    }

    public func allStatistics() -> [EngineStatistics] {
        engines.withLock { engines in engines.keys.sorted().map { Self.statistics($0, engines[$0]!) } }
    }

    /// What `policy` says should happen to `engine` now, with the reason; nil when it may keep voting.
    public func evaluate(engine: String, policy: RemovalPolicy) -> (state: EngineState, reason: String)? {
        let stats = statistics(engine: engine)
        if let maxErrorRate = policy.maxErrorRate, stats.scans >= policy.minScansForErrorRate {
            let failures = stats.errorRate + stats.timeoutRate
            if failures > maxErrorRate {
                return (policy.errorAction, String(format: "error+timeout rate %.3f over %d scans exceeds %.3f", failures, stats.scans, maxErrorRate))
            }
        }
        if let minPrecision = policy.minPrecision, stats.samples >= policy.minSamples,
           let any = stats.categories["any"], let precision = any.precision, precision < minPrecision {
            return (policy.precisionAction, String(
                format: "precision %.3f (%d TP, %d FP) over %d labelled samples is below %.3f",
                precision, any.counts.truePositives, any.counts.falsePositives, stats.samples, minPrecision))
        }
        return nil
    }

    private static func statistics(_ name: String, _ state: EngineRecord) -> EngineStatistics {
        let live = state.runs[state.runHead...].map(\.milliseconds).sorted()
        func percentile(_ p: Double) -> Double? {
            live.isEmpty ? nil : live[min(live.count - 1, Int(Double(live.count) * p))]
        }
        let scans = state.runs.count - state.runHead
        return EngineStatistics(
            engine: name,
            samples: state.confirmed.live,
            categories: state.confirmed.counts.filter { $0.value.samples > 0 }.mapValues(EngineStatistics.CategoryStatistics.init),
            consensus: state.consensus.counts.filter { $0.value.samples > 0 }.mapValues(EngineStatistics.CategoryStatistics.init),
            scans: scans,
            errorRate: scans == 0 ? 0 : Double(state.errors) / Double(scans),
            timeoutRate: scans == 0 ? 0 : Double(state.timeouts) / Double(scans),
            latencyP50Milliseconds: percentile(0.5), latencyP95Milliseconds: percentile(0.95), latencyP99Milliseconds: percentile(0.99)
        )
    }

    /// A category at least `consensusQuorum` voting engines claimed; ham when every voting engine said clean.
    private func consensusTruth(_ record: ScanRecord) -> TrueClass? {
        let voting = record.engines.filter { $0.state == .active && !$0.isFailure && !$0.wasNotReady }
        guard !voting.isEmpty else { return nil }
        var claims: [VerdictCategory: Int] = [:]
        for entry in voting { if let category = entry.category { claims[category, default: 0] += 1 } }
        if claims.isEmpty { return voting.count >= settings.consensusQuorum ? .ham : nil }
        let agreed = TrueClass.allCases.filter { truth in
            truth.expectedCategory.map { claims[$0, default: 0] >= settings.consensusQuorum } ?? false
        }
        return agreed.count == 1 ? agreed[0] : nil
    }
}
