import Foundation
import MoatCore

/// Trains the learned combiner with k-fold cross-validation, Platt calibration and a threshold
/// chosen for a target share of ham flagged.
///
/// Every figure it reports is measured on messages the scoring model did not see: each fold is
/// scored by a model fitted on the other folds, and each fold's threshold is chosen from the other
/// folds' scores, so the reported ham rate is what a threshold chosen this way does on new mail.
/// The shipped model is then fitted on every example, with the threshold chosen on all
/// out-of-fold scores.
public struct CombinerTrainer: Sendable {
    public var folds: Int
    public var seed: UInt64
    public var l2: Double
    public var iterations: Int
    /// A feature must occur in this many training messages to get a weight.
    public var minFeatureCount: Int
    /// The largest share of ham the threshold may flag.
    public var targetHamRate: Double
    /// Thresholds are chosen to flag at most `targetHamRate × headroom` of the training ham: the
    /// tail of a few thousand ham scores is noisy, and new mail should land inside the target.
    public var headroom: Double
    /// Weight of a ham example's loss (see `LogisticRegression.negativeWeight`).
    public var hamWeight: Double
    /// A model that acts on less than this share of the unwanted validation mail is refused.
    public var minimumRecall: Double = 0.5

    public init(folds: Int = 5, seed: UInt64 = 1, l2: Double = 10, iterations: Int = 800, minFeatureCount: Int = 3,
                targetHamRate: Double = 0.002, headroom: Double = 0.75, hamWeight: Double = 1) {
        self.headroom = headroom
        self.hamWeight = hamWeight
        self.folds = folds
        self.seed = seed
        self.l2 = l2
        self.iterations = iterations
        self.minFeatureCount = minFeatureCount
        self.targetHamRate = targetHamRate
    }

    /// One fold's validation figures.
    public struct FoldResult: Sendable, Hashable {
        public var fold: Int
        public var threshold: Double
        public var ham: Int
        public var hamFlagged: Int
        public var unwanted: Int
        public var unwantedCaught: Int
    }

    /// What training found; the model is written only when `refusal` is nil.
    public struct Outcome: Sendable {
        public var model: VerdictModel
        public var folds: [FoldResult]
        /// Out-of-fold score per example id.
        public var outOfFold: [String: Double]
        public var refusal: TrainingError?
    }

    public func train(_ examples: [TrainingExample], engines: [String], provenance: VerdictModel.Provenance) throws -> Outcome {
        let ham = examples.filter { !$0.isUnwanted }.count
        let unwanted = examples.count - ham
        guard ham >= folds, unwanted >= folds else {
            throw TrainingError.tooFewExamples("\(ham) ham and \(unwanted) unwanted messages for \(folds) folds")
        }
        let regression = LogisticRegression(l2: l2, iterations: iterations, negativeWeight: hamWeight)
        let thresholdRate = targetHamRate * headroom

        // Out-of-fold scores.
        var scores = [Double](repeating: 0, count: examples.count)
        for fold in 0..<folds {
            let training = examples.filter { $0.fold != fold }
            let fit = regression.fit(training.map { ($0.features, $0.isUnwanted) },
                                     vocabulary: LogisticRegression.vocabulary(training.map(\.features), minimum: minFeatureCount))
            for (i, example) in examples.enumerated() where example.fold == fold { scores[i] = fit.score(example.features) }
        }

        let (a, b) = Self.platt(scores: scores, positives: examples.map(\.isUnwanted))
        let evenOdds = -b / a
        // Thresholds chosen without the fold they are judged on.
        var results: [FoldResult] = []
        var caughtByClass: [String: (caught: Int, total: Int)] = [:]
        for fold in 0..<folds {
            let otherHam = examples.indices.filter { examples[$0].fold != fold && !examples[$0].isUnwanted }.map { scores[$0] }
            let threshold = Self.threshold(hamScores: otherHam, rate: thresholdRate, floor: evenOdds)
            var result = FoldResult(fold: fold, threshold: threshold, ham: 0, hamFlagged: 0, unwanted: 0, unwantedCaught: 0)
            for i in examples.indices where examples[i].fold == fold {
                let flagged = scores[i] >= threshold
                if examples[i].isUnwanted {
                    result.unwanted += 1
                    if flagged { result.unwantedCaught += 1 }
                    let label = examples[i].label.rawValue
                    caughtByClass[label, default: (0, 0)].total += 1
                    if flagged { caughtByClass[label, default: (0, 0)].caught += 1 }
                } else {
                    result.ham += 1
                    if flagged { result.hamFlagged += 1 }
                }
            }
            results.append(result)
        }
        let hamFlagged = results.reduce(0) { $0 + $1.hamFlagged }
        let caught = results.reduce(0) { $0 + $1.unwantedCaught }
        let precision = caught + hamFlagged == 0 ? 0 : Double(caught) / Double(caught + hamFlagged)
        let recall = Double(caught) / Double(unwanted)
        let f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall)
        let hamRate = Double(hamFlagged) / Double(ham)

        var logLoss = 0.0
        for (i, example) in examples.enumerated() {
            let p = min(max(LogisticRegression.sigmoid(a * scores[i] + b), 1e-12), 1 - 1e-12)
            logLoss -= example.isUnwanted ? log(p) : log(1 - p)
        }
        logLoss /= Double(examples.count)

        let final = regression.fit(examples.map { ($0.features, $0.isUnwanted) },
                                   vocabulary: LogisticRegression.vocabulary(examples.map(\.features), minimum: minFeatureCount))
        let allHam = examples.indices.filter { !examples[$0].isUnwanted }.map { scores[$0] }
        let validation = VerdictModel.Validation(
            precision: precision, recall: recall, f1: f1, hamFlagged: hamRate,
            recallByClass: caughtByClass.mapValues { $0.total == 0 ? 0 : Double($0.caught) / Double($0.total) },
            logLoss: logLoss
        )
        var model = VerdictModel(
            engines: engines, bias: final.bias, weights: final.weights,
            threshold: Self.threshold(hamScores: allHam, rate: thresholdRate, floor: evenOdds),
            calibrationA: a, calibrationB: b, targetHamRate: targetHamRate, provenance: provenance, validation: validation
        )
        model.phishing = phishingHead(examples, regression: regression)
        let refusal: TrainingError? = hamRate > targetHamRate
            ? .flagsTooMuchHam(rate: hamRate, target: targetHamRate, flagged: hamFlagged, ham: ham)
            : recall < minimumRecall ? .catchesTooLittle(recall: recall, minimum: minimumRecall) : nil
        return Outcome(
            model: model, folds: results,
            outOfFold: Dictionary(examples.indices.map { (examples[$0].id, scores[$0]) }, uniquingKeysWith: { first, _ in first }),
            refusal: refusal
        )
    }

    /// Phishing against the other unwanted mail, fitted on unwanted examples only, with its
    /// out-of-fold accuracy; nil without phishing (or without anything else) to tell apart.
    func phishingHead(_ examples: [TrainingExample], regression: LogisticRegression) -> VerdictModel.CategoryHead? {
        let unwanted = examples.filter(\.isUnwanted)
        let phishing = unwanted.filter { $0.label == .phishing }.count
        guard phishing >= folds, unwanted.count - phishing >= folds else { return nil }
        var plain = regression
        plain.negativeWeight = 1
        var correct = 0
        for fold in 0..<folds {
            let training = unwanted.filter { $0.fold != fold }
            let fit = plain.fit(training.map { ($0.features, $0.label == .phishing) },
                                     vocabulary: LogisticRegression.vocabulary(training.map(\.features), minimum: minFeatureCount))
            for example in unwanted where example.fold == fold {
                if (fit.score(example.features) >= 0) == (example.label == .phishing) { correct += 1 }
            }
        }
        let fit = plain.fit(unwanted.map { ($0.features, $0.label == .phishing) },
                            vocabulary: LogisticRegression.vocabulary(unwanted.map(\.features), minimum: minFeatureCount))
        return VerdictModel.CategoryHead(bias: fit.bias, weights: fit.weights, accuracy: Double(correct) / Double(unwanted.count))
    }

    /// The lowest score that flags at most `rate` of these ham scores (just above the first ham it
    /// must spare), and never below `floor`, the score the calibrated model gives even odds: it does
    /// not act on a message it finds more likely wanted than not. Without that floor, mail with no
    /// findings at all (scored by the bias alone) would be flagged whenever one fold's model happens
    /// to have a higher bias than the others'.
    public static func threshold(hamScores: [Double], rate: Double, floor: Double = 0) -> Double {
        let sorted = hamScores.sorted(by: >)
        let allowed = Int((rate * Double(sorted.count)).rounded(.down))
        guard allowed < sorted.count else { return max(sorted.last ?? floor, floor) }
        return max(sorted[allowed].nextUp, floor)
    }

    /// Platt scaling: a and b minimising the log-loss of sigmoid(a·score + b), by Newton's method
    /// with Platt's smoothed targets.
    public static func platt(scores: [Double], positives: [Bool]) -> (a: Double, b: Double) {
        let positiveCount = Double(positives.filter { $0 }.count)
        let negativeCount = Double(positives.count) - positiveCount
        let high = (positiveCount + 1) / (positiveCount + 2), low = 1 / (negativeCount + 2)
        var a = 1.0, b = 0.0
        for _ in 0..<50 {
            var g0 = 0.0, g1 = 0.0, h00 = 1e-9, h01 = 0.0, h11 = 1e-9
            for (i, score) in scores.enumerated() {
                let p = LogisticRegression.sigmoid(a * score + b)
                let t = positives[i] ? high : low
                let d = p - t
                let w = p * (1 - p)
                g0 += d * score
                g1 += d
                h00 += w * score * score
                h01 += w * score
                h11 += w
            }
            let det = h00 * h11 - h01 * h01
            guard det > 0 else { break }
            let stepA = (h11 * g0 - h01 * g1) / det
            let stepB = (h00 * g1 - h01 * g0) / det
            a -= stepA
            b -= stepB
            if abs(stepA) < 1e-10 && abs(stepB) < 1e-10 { break }
        }
        if !(a > 0) || !a.isFinite || !b.isFinite { return (1, 0) }
        return (a, b)
    }
}
