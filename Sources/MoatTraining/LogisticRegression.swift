import Foundation
import MoatCore

/// L2-regularised logistic regression on sparse features, fitted by full-batch Adam.
///
/// Full batches in a fixed order make a fit deterministic: the same examples give the same weights
/// to the last bit on every run. The bias is not regularised.
public struct LogisticRegression: Sendable {
    /// Penalty on the squared weights (against the summed log-loss).
    public var l2: Double
    public var iterations: Int
    public var learningRate: Double
    /// Weight of each negative (ham) example's loss against a positive's: above 1, the fit pays more
    /// for a ham scored high, which is what a gateway's users notice.
    public var negativeWeight: Double

    public init(l2: Double = 1, iterations: Int = 800, learningRate: Double = 0.05, negativeWeight: Double = 1) {
        self.l2 = l2
        self.iterations = iterations
        self.learningRate = learningRate
        self.negativeWeight = negativeWeight
    }

    /// A fitted model: weights by feature name.
    public struct Fit: Sendable, Hashable {
        public var bias: Double
        public var weights: [String: Double]

        public func score(_ features: [String: Double]) -> Double {
            VerdictModel.linearScore(bias: bias, weights: weights, values: features)
        }
    }

    /// Fits on `rows` (features, unwanted?) using only `vocabulary`.
    public func fit(_ rows: [(features: [String: Double], positive: Bool)], vocabulary: [String]) -> Fit {
        let index = Dictionary(uniqueKeysWithValues: vocabulary.enumerated().map { ($1, $0) })
        let sparse: [[(Int, Double)]] = rows.map { row in
            row.features.compactMap { name, value in index[name].map { ($0, value) } }.sorted { $0.0 < $1.0 }
        }
        let targets = rows.map { $0.positive ? 1.0 : 0.0 }
        let sampleWeights = rows.map { $0.positive ? 1.0 : negativeWeight }
        let count = vocabulary.count
        var weights = [Double](repeating: 0, count: count + 1)  // last: bias
        var first = [Double](repeating: 0, count: count + 1)
        var second = [Double](repeating: 0, count: count + 1)
        var gradient = [Double](repeating: 0, count: count + 1)
        let beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8
        let scale = 1 / Double(max(rows.count, 1))
        for step in 1...max(iterations, 1) {
            for j in 0..<count { gradient[j] = l2 * weights[j] * scale }
            gradient[count] = 0
            for (i, row) in sparse.enumerated() {
                var z = weights[count]
                for (j, value) in row { z += weights[j] * value }
                let error = (Self.sigmoid(z) - targets[i]) * sampleWeights[i] * scale
                for (j, value) in row { gradient[j] += error * value }
                gradient[count] += error
            }
            let rate = learningRate / (1 + Double(step) / 200).squareRoot()
            let correction1 = 1 - pow(beta1, Double(step)), correction2 = 1 - pow(beta2, Double(step))
            for j in 0...count {
                first[j] = beta1 * first[j] + (1 - beta1) * gradient[j]
                second[j] = beta2 * second[j] + (1 - beta2) * gradient[j] * gradient[j]
                weights[j] -= rate * (first[j] / correction1) / ((second[j] / correction2).squareRoot() + epsilon)
            }
        }
        var named: [String: Double] = [:]
        for (j, name) in vocabulary.enumerated() where weights[j] != 0 { named[name] = weights[j] }
        return Fit(bias: weights[count], weights: named)
    }

    /// Features present (non-zero) in at least `minimum` rows, sorted.
    public static func vocabulary(_ rows: [[String: Double]], minimum: Int) -> [String] {
        var counts: [String: Int] = [:]
        for row in rows {
            for (name, value) in row where value != 0 { counts[name, default: 0] += 1 }
        }
        return counts.filter { $0.value >= minimum }.keys.sorted()
    }

    public static func sigmoid(_ z: Double) -> Double {
        z >= 0 ? 1 / (1 + exp(-z)) : exp(z) / (1 + exp(z))
    }
}
