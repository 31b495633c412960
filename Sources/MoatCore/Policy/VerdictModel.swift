import Foundation

/// A learned combiner: logistic regression over `VerdictFeatures`, trained by `moat train`.
///
/// A hand-set policy adds engine scores with weights an operator guessed; the model learns from
/// labelled mail how much each finding is worth next to the others (as SpamAssassin's score
/// optimiser and rspamd's `neural` module do), so a finding that fires on newsletters as often as
/// on phishing stops flagging them. Its score is the log-odds that a message is unwanted; every
/// feature's contribution is listed, and they sum to that score.
public struct VerdictModel: Sendable, Hashable, Codable {
    public static let schema = "moat.verdict-model/1"

    /// How the model was made: enough to reproduce it and to judge whether it fits your mail.
    public struct Provenance: Sendable, Hashable, Codable {
        public var created: String
        public var corpora: [String]
        public var messages: [String: Int]
        public var seed: UInt64
        public var folds: Int
        public var l2: Double
        public var minFeatureCount: Int
        public var holdoutPercent: Int
        public var headroom: Double
        public var hamWeight: Double
        public var note: String

        enum CodingKeys: String, CodingKey {
            case created, corpora, messages, seed, folds, l2, note, headroom
            case minFeatureCount = "min_feature_count"
            case holdoutPercent = "holdout_percent"
            case hamWeight = "ham_weight"
        }

        public init(created: String, corpora: [String], messages: [String: Int], seed: UInt64, folds: Int, l2: Double,
                    minFeatureCount: Int, holdoutPercent: Int, headroom: Double = 1, hamWeight: Double = 1, note: String) {
            self.headroom = headroom
            self.hamWeight = hamWeight
            self.created = created
            self.corpora = corpora
            self.messages = messages
            self.seed = seed
            self.folds = folds
            self.l2 = l2
            self.minFeatureCount = minFeatureCount
            self.holdoutPercent = holdoutPercent
            self.note = note
        }
    }

    /// Figures measured on the validation folds, at the thresholds chosen without them.
    public struct Validation: Sendable, Hashable, Codable {
        public var precision: Double
        public var recall: Double
        public var f1: Double
        public var hamFlagged: Double
        /// Recall per unwanted class (`spam`, `phishing`, ...).
        public var recallByClass: [String: Double]
        public var logLoss: Double

        enum CodingKeys: String, CodingKey {
            case precision, recall, f1
            case hamFlagged = "ham_flagged"
            case recallByClass = "recall_by_class"
            case logLoss = "log_loss"
        }

        public init(precision: Double, recall: Double, f1: Double, hamFlagged: Double, recallByClass: [String: Double], logLoss: Double) {
            self.precision = precision
            self.recall = recall
            self.f1 = f1
            self.hamFlagged = hamFlagged
            self.recallByClass = recallByClass
            self.logLoss = logLoss
        }
    }

    public var schema: String
    public var featuresVersion: Int
    /// Engines whose features the model was trained on; each must be configured.
    public var engines: [String]
    public var bias: Double
    public var weights: [String: Double]
    /// Log-odds at or above which the model acts on a message.
    public var threshold: Double
    /// Platt scaling of the log-odds into a calibrated probability: 1 / (1 + e^-(a·score + b)).
    public var calibrationA: Double
    public var calibrationB: Double
    /// The share of ham the threshold was chosen to flag at most.
    public var targetHamRate: Double
    public var provenance: Provenance
    public var validation: Validation
    /// Which kind of unwanted mail an acted-on message is: a second logistic regression, fitted on
    /// the unwanted messages only, for phishing against spam. A phishing message is then held
    /// (`on_detect.phishing`) rather than tagged as spam. Nil when the training mail had no phishing.
    public var phishing: CategoryHead?

    /// A binary head over the same features (log-odds of its category, threshold 0).
    public struct CategoryHead: Sendable, Hashable, Codable {
        public var bias: Double
        public var weights: [String: Double]
        /// Share of the unwanted validation messages it named correctly (out of fold).
        public var accuracy: Double

        public init(bias: Double, weights: [String: Double], accuracy: Double) {
            self.bias = bias
            self.weights = weights
            self.accuracy = accuracy
        }

        public func score(_ values: [String: Double]) -> Double {
            VerdictModel.linearScore(bias: bias, weights: weights, values: values)
        }
    }

    /// bias + Σ weight × value, summed in feature-name order so the score does not depend on
    /// dictionary order (training and scanning give the same bits).
    public static func linearScore(bias: Double, weights: [String: Double], values: [String: Double]) -> Double {
        var total = bias
        for name in values.keys.sorted() {
            if let weight = weights[name], let value = values[name] { total += weight * value }
        }
        return total
    }

    enum CodingKeys: String, CodingKey {
        case schema, engines, bias, weights, threshold, provenance, validation, phishing
        case featuresVersion = "features_version"
        case calibrationA = "calibration_a"
        case calibrationB = "calibration_b"
        case targetHamRate = "target_ham_rate"
    }

    public init(engines: [String], bias: Double, weights: [String: Double], threshold: Double, calibrationA: Double,
                calibrationB: Double, targetHamRate: Double, provenance: Provenance, validation: Validation,
                phishing: CategoryHead? = nil) {
        self.phishing = phishing
        schema = Self.schema
        featuresVersion = VerdictFeatures.version
        self.engines = engines
        self.bias = bias
        self.weights = weights
        self.threshold = threshold
        self.calibrationA = calibrationA
        self.calibrationB = calibrationB
        self.targetHamRate = targetHamRate
        self.provenance = provenance
        self.validation = validation
    }

    /// One feature's part in a score.
    public struct Contribution: Sendable, Hashable, Codable {
        public var feature: String
        public var value: Double
        public var weight: Double
        public var engine: String?

        public var amount: Double { value * weight }

        public init(feature: String, value: Double, weight: Double, engine: String?) {
            self.feature = feature
            self.value = value
            self.weight = weight
            self.engine = engine
        }
    }

    /// The log-odds for `vector` and each non-zero contribution, largest first (bias excluded).
    public func score(_ vector: VerdictFeatures.Vector) -> (score: Double, contributions: [Contribution]) {
        var contributions: [Contribution] = []
        for (name, value) in vector.values {
            guard let weight = weights[name], weight != 0, value != 0 else { continue }
            contributions.append(Contribution(feature: name, value: value, weight: weight, engine: vector.owners[name]))
        }
        contributions.sort { abs($0.amount) != abs($1.amount) ? abs($0.amount) > abs($1.amount) : $0.feature < $1.feature }
        // Summed in a fixed order, so the explanation adds up to exactly this score.
        var total = bias
        for contribution in contributions { total += contribution.amount }
        return (total, contributions)
    }

    /// The calibrated probability that a message with this score is unwanted.
    public func probability(_ score: Double) -> Double {
        1 / (1 + exp(-(calibrationA * score + calibrationB)))
    }

    /// Writes the model as `moat train` and `POST /model/train` leave it: keys sorted, so two
    /// trainings on the same mail diff only in their provenance.
    public func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Reads and checks a model file: a file that is not a model of this version is an error, never ignored.
    public static func load(path: String) throws -> VerdictModel {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigurationError(file: path, reason: "cannot read the verdict model")
        }
        let model: VerdictModel
        do {
            model = try JSONDecoder().decode(VerdictModel.self, from: data)
        } catch {
            throw ConfigurationError(file: path, reason: "not a verdict model: \(Self.describe(error))")
        }
        try model.validate(path: path)
        return model
    }

    func validate(path: String) throws {
        guard schema == Self.schema else {
            throw ConfigurationError(file: path, key: "schema", reason: "is '\(schema)', this Moat reads '\(Self.schema)'")
        }
        guard featuresVersion == VerdictFeatures.version else {
            throw ConfigurationError(file: path, key: "features_version", reason: "is \(featuresVersion), this Moat computes version \(VerdictFeatures.version): retrain with `moat train`")
        }
        guard !engines.isEmpty else { throw ConfigurationError(file: path, key: "engines", reason: "is empty") }
        let numbers = [bias, threshold, calibrationA, calibrationB, targetHamRate]
        let headNumbers = (phishing.map { [$0.bias] + Array($0.weights.values) }) ?? []
        guard numbers.allSatisfy(\.isFinite), weights.values.allSatisfy(\.isFinite), headNumbers.allSatisfy(\.isFinite) else {
            throw ConfigurationError(file: path, reason: "holds a number that is not finite")
        }
        guard calibrationA > 0 else { throw ConfigurationError(file: path, key: "calibration_a", reason: "must be positive") }
    }

    /// Checks the model against the engines actually configured (`moatd` and `moat` refuse to start on a mismatch).
    public func mismatch(configuredEngines: Set<String>, path: String) -> ConfigurationError? {
        let missing = engines.filter { !configuredEngines.contains($0) }
        guard !missing.isEmpty else { return nil }
        return ConfigurationError(
            file: path, key: "engines",
            reason: "the model was trained with engine(s) \(missing.joined(separator: ", ")) that no manifest configures: configure them or retrain with `moat train`"
        )
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing '\((context.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "wrong type at '\(context.codingPath.map(\.stringValue).joined(separator: "."))'"
        case DecodingError.dataCorrupted(let context):
            return context.debugDescription
        default:
            return "\(error)"
        }
    }
}
