/// How good one engine has been on this site's mail: per category confusion counts over the window,
/// failure rates and latency, as `moat engines` and the admin API show them.
public struct EngineStatistics: Sendable, Hashable, Codable {
    /// Counts and rates for one category (`any` = any detection versus not ham).
    public struct CategoryStatistics: Sendable, Hashable, Codable {
        public var counts: ConfusionCounts
        public var precision: Double?
        public var recall: Double?
        public var precisionInterval: [Double]?
        public var recallInterval: [Double]?

        init(_ counts: ConfusionCounts) {
            self.counts = counts
            precision = counts.precision
            recall = counts.recall
            precisionInterval = counts.precisionInterval.map { [$0.lowerBound, $0.upperBound] }
            recallInterval = counts.recallInterval.map { [$0.lowerBound, $0.upperBound] }
        }

        enum CodingKeys: String, CodingKey {
            case counts, precision, recall
            case precisionInterval = "precision_ci95"
            case recallInterval = "recall_ci95"
        }
    }

    public var engine: String
    /// Confirmed labelled samples in the window.
    public var samples: Int
    /// By category name, plus `any`; confirmed truth only.
    public var categories: [String: CategoryStatistics]
    /// Consensus (weak truth) figures, kept apart; empty unless consensus is enabled.
    public var consensus: [String: CategoryStatistics]
    /// Scans observed in the failure window.
    public var scans: Int
    public var errorRate: Double
    public var timeoutRate: Double
    public var latencyP50Milliseconds: Double?
    public var latencyP95Milliseconds: Double?
    public var latencyP99Milliseconds: Double?

    enum CodingKeys: String, CodingKey {
        case engine, samples, categories, consensus, scans
        case errorRate = "error_rate"
        case timeoutRate = "timeout_rate"
        case latencyP50Milliseconds = "latency_p50_ms"
        case latencyP95Milliseconds = "latency_p95_ms"
        case latencyP99Milliseconds = "latency_p99_ms"
    }
}
