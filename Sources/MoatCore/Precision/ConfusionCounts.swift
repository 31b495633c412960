/// True and false positives and negatives for one engine and one category, with the derived rates.
public struct ConfusionCounts: Sendable, Hashable, Codable {
    public var truePositives = 0
    public var falsePositives = 0
    public var trueNegatives = 0
    public var falseNegatives = 0

    public init(truePositives: Int = 0, falsePositives: Int = 0, trueNegatives: Int = 0, falseNegatives: Int = 0) {
        self.truePositives = truePositives
        self.falsePositives = falsePositives
        self.trueNegatives = trueNegatives
        self.falseNegatives = falseNegatives
    }

    /// Labelled samples counted.
    public var samples: Int { truePositives + falsePositives + trueNegatives + falseNegatives }

    /// TP / (TP + FP); nil with no positive claim yet.
    public var precision: Double? {
        let claimed = truePositives + falsePositives
        return claimed == 0 ? nil : Double(truePositives) / Double(claimed)
    }

    /// TP / (TP + FN); nil with no positive sample yet.
    public var recall: Double? {
        let actual = truePositives + falseNegatives
        return actual == 0 ? nil : Double(truePositives) / Double(actual)
    }

    /// FP / (FP + TN).
    public var falsePositiveRate: Double? {
        let negatives = falsePositives + trueNegatives
        return negatives == 0 ? nil : Double(falsePositives) / Double(negatives)
    }

    public var f1: Double? {
        guard let precision, let recall, precision + recall > 0 else { return nil }
        return 2 * precision * recall / (precision + recall)
    }

    /// 95 % Wilson score interval for the precision: honest about small samples, where a plain
    /// ratio of 2/2 would claim a perfect engine.
    public var precisionInterval: ClosedRange<Double>? {
        Self.wilson(successes: truePositives, trials: truePositives + falsePositives)
    }

    public var recallInterval: ClosedRange<Double>? {
        Self.wilson(successes: truePositives, trials: truePositives + falseNegatives)
    }

    /// Wilson score interval at z = 1.96.
    public static func wilson(successes: Int, trials: Int, z: Double = 1.96) -> ClosedRange<Double>? {
        guard trials > 0 else { return nil }
        let n = Double(trials)
        let p = Double(successes) / n
        let z2 = z * z
        let centre = (p + z2 / (2 * n)) / (1 + z2 / n)
        let margin = z * ((p * (1 - p) / n + z2 / (4 * n * n)).squareRoot()) / (1 + z2 / n)
        return max(0, centre - margin)...min(1, centre + margin)
    }

    mutating func add(predicted: Bool, actual: Bool, _ delta: Int) {
        switch (predicted, actual) {
        case (true, true): truePositives += delta
        case (true, false): falsePositives += delta
        case (false, true): falseNegatives += delta
        case (false, false): trueNegatives += delta
        }
    }
}
