import MoatCore

/// A 95 % Wilson score interval.
public struct Interval: Sendable, Hashable, Codable {
    public var low: Double
    public var high: Double

    public init(low: Double, high: Double) {
        self.low = low
        self.high = high
    }

    init?(_ range: ClosedRange<Double>?) {
        guard let range else { return nil }
        self.init(low: range.lowerBound, high: range.upperBound)
    }
}

/// Confusion counts for one category with the derived rates (nil where undefined: no positives claimed...).
public struct CategoryMetrics: Sendable, Hashable, Codable {
    public var tp: Int
    public var fp: Int
    public var tn: Int
    public var fn: Int
    public var precision: Double?
    public var recall: Double?
    public var f1: Double?
    public var fpr: Double?
    public var precisionCI: Interval?
    public var recallCI: Interval?

    enum CodingKeys: String, CodingKey {
        case tp, fp, tn, fn, precision, recall, f1, fpr
        case precisionCI = "precision_ci"
        case recallCI = "recall_ci"
    }

    public init(_ counts: ConfusionCounts) {
        tp = counts.truePositives
        fp = counts.falsePositives
        tn = counts.trueNegatives
        fn = counts.falseNegatives
        precision = counts.precision
        recall = counts.recall
        f1 = counts.f1
        fpr = counts.falsePositiveRate
        precisionCI = Interval(counts.precisionInterval)
        recallCI = Interval(counts.recallInterval)
    }

    public var counts: ConfusionCounts {
        ConfusionCounts(truePositives: tp, falsePositives: fp, trueNegatives: tn, falseNegatives: fn)
    }
}

/// Latency percentiles in milliseconds (nearest rank).
public struct LatencySummary: Sendable, Hashable, Codable {
    public var samples: Int
    public var min: Double
    public var p50: Double
    public var p95: Double
    public var p99: Double
    public var max: Double
    public var mean: Double

    public init(milliseconds values: [Double]) {
        let sorted = values.sorted()
        samples = sorted.count
        func rank(_ q: Double) -> Double {
            guard !sorted.isEmpty else { return 0 }
            let index = Int((q * Double(sorted.count)).rounded(.up)) - 1
            return sorted[Swift.max(0, Swift.min(sorted.count - 1, index))]
        }
        min = sorted.first ?? 0
        p50 = rank(0.50)
        p95 = rank(0.95)
        p99 = rank(0.99)
        max = sorted.last ?? 0
        mean = sorted.isEmpty ? 0 : sorted.reduce(0, +) / Double(sorted.count)
    }
}

/// A message a detector got wrong.
public struct WrongAnswer: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// Ham detected as something.
        case falsePositive = "false_positive"
        /// Spam, malware or phishing let through.
        case falseNegative = "false_negative"
        /// Detected, but as another category than the label's.
        case wrongCategory = "wrong_category"
    }

    public var path: String
    public var label: TrueClass
    /// `clean`, a category, `error` or `timeout`.
    public var predicted: String
    public var kind: Kind
}

/// Accuracy of one detector (an engine, the ensemble, or the ensemble without one engine).
public struct DetectorMetrics: Sendable, Hashable, Codable {
    /// `spam`, `malware`, `phishing` (this category versus everything else) and `any` (detected versus ham).
    public var categories: [String: CategoryMetrics]
    /// True class → predicted label → count.
    public var classMatrix: [String: [String: Int]]
    public var errors: Int
    public var timeouts: Int
    public var latency: LatencySummary?
    public var wrong: [WrongAnswer]

    enum CodingKeys: String, CodingKey {
        case categories
        case classMatrix = "class_matrix"
        case errors, timeouts
        case latency = "latency_ms"
        case wrong
    }

    /// The `any` figures (detected versus ham).
    public var any: CategoryMetrics { categories["any"] ?? CategoryMetrics(ConfusionCounts()) }

    /// Categories scored one versus the rest, plus `any`.
    public static let categoryNames = ["spam", "malware", "phishing", "any"]

    /// Metrics from (true class, predicted label) pairs; `predicted` is nil for clean, error and timeout.
    init(observations: [(message: LabelledMessage, predicted: VerdictCategory?, label: String)], latencies: [Double]?) {
        var counts: [String: ConfusionCounts] = [:]
        for name in Self.categoryNames { counts[name] = ConfusionCounts() }
        var matrix: [String: [String: Int]] = [:]
        var wrong: [WrongAnswer] = []
        var errors = 0
        var timeouts = 0
        for observation in observations {
            let actual = observation.message.label
            for category in [VerdictCategory.spam, .malware, .phishing] {
                let isActual = actual.expectedCategory == category
                let isPredicted = observation.predicted == category
                counts[category.rawValue]!.record(predicted: isPredicted, actual: isActual)
            }
            counts["any"]!.record(predicted: observation.predicted != nil, actual: actual != .ham)
            matrix[actual.rawValue, default: [:]][observation.label, default: 0] += 1
            if observation.label == "error" { errors += 1 }
            if observation.label == "timeout" { timeouts += 1 }
            let kind: WrongAnswer.Kind?
            switch (actual, observation.predicted) {
            case (.ham, .some): kind = .falsePositive
            case (.ham, .none): kind = nil
            case (_, .none): kind = .falseNegative
            case (_, .some(let predicted)): kind = predicted == actual.expectedCategory ? nil : .wrongCategory
            }
            if let kind {
                wrong.append(WrongAnswer(path: observation.message.path, label: actual, predicted: observation.label, kind: kind))
            }
        }
        categories = counts.mapValues(CategoryMetrics.init)
        classMatrix = matrix
        self.errors = errors
        self.timeouts = timeouts
        latency = latencies.map { LatencySummary(milliseconds: $0) }
        self.wrong = wrong.sorted { ($0.path, $0.kind.rawValue) < ($1.path, $1.kind.rawValue) }
    }
}

extension ConfusionCounts {
    mutating func record(predicted: Bool, actual: Bool) {
        switch (predicted, actual) {
        case (true, true): truePositives += 1
        case (true, false): falsePositives += 1
        case (false, true): falseNegatives += 1
        case (false, false): trueNegatives += 1
        }
    }
}
