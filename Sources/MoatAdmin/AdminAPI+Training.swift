import Foundation
import MoatCore
import MoatTraining

extension AdminAPI {
    /// What `GET /model` shows: the decision rule in force, the model's figures, and for every
    /// engine its largest weights beside its measured precision, so an operator sees at once what
    /// the combiner relies on and whether that engine still deserves it.
    public struct ModelView: Codable, Sendable {
        public struct EngineEntry: Codable, Sendable {
            public var engine: String
            /// The engine's features with the largest weights (at most 10), feature → weight.
            public var weights: [String: Double]
            public var statistics: EngineStatistics
        }

        public var rule: String
        public var path: String?
        public var threshold: Double?
        public var targetHamRate: Double?
        public var validation: VerdictModel.Validation?
        public var phishingHeadAccuracy: Double?
        public var engines: [EngineEntry]

        enum CodingKeys: String, CodingKey {
            case rule, path, threshold, validation, engines
            case targetHamRate = "target_ham_rate"
            case phishingHeadAccuracy = "phishing_head_accuracy"
        }
    }

    func modelView() -> ModelView {
        let snapshot = runtime.registry.snapshot
        let model = snapshot.policy.model
        let engines = snapshot.engines.map { registered in
            let own = (model?.weights ?? [:]).filter { VerdictFeatures.engine(of: $0.key) == registered.name }
            let top = own.sorted { abs($0.value) != abs($1.value) ? abs($0.value) > abs($1.value) : $0.key < $1.key }.prefix(10)
            return ModelView.EngineEntry(
                engine: registered.name, weights: Dictionary(uniqueKeysWithValues: top.map { ($0.key, $0.value) }),
                statistics: supervisor.tracker.statistics(engine: registered.name))
        }
        return ModelView(
            rule: snapshot.policy.decisionRule, path: model == nil ? nil : snapshot.policy.modelPath, threshold: model?.threshold,
            targetHamRate: model?.targetHamRate, validation: model?.validation, phishingHeadAccuracy: model?.phishing?.accuracy,
            engines: engines)
    }

    /// What `POST /model/train` answers: where the model went, or why it was refused.
    public struct TrainingResult: Codable, Sendable {
        /// The written model (nil when refused): point `[policy] model` at it and `POST /reload`.
        public var path: String?
        public var examples: [String: Int]
        public var validation: VerdictModel.Validation?
        public var threshold: Double?
        public var weights: Int
        public var refusal: String?
    }

    /// Retrains the combiner from the operator feedback in the store: every labelled scan with
    /// recorded features, cross-validated as `moat train` does, on the blocking pool (never on the
    /// threads that serve mail). The model is written to `[admin] models_directory` and never put in
    /// force here: that stays the operator's decision (`[policy] model`, then `POST /reload`).
    func trainModel(targetHamRate: Double, folds: Int) async throws -> TrainingResult {
        let pairs = try await supervisor.store.labelledScans(since: nil, limit: 1_000_000)
        let examples = TrainingExample.fromStore(pairs, folds: folds, seed: 1)
        let counts = Dictionary(grouping: examples, by: { $0.label.rawValue }).mapValues(\.count)
        let engines = runtime.registry.snapshot.engines.filter { $0.manifest.state == .active }.map(\.name)
        let trainer = CombinerTrainer(folds: folds, seed: 1, targetHamRate: targetHamRate)
        let provenance = VerdictModel.Provenance(
            created: ISO8601DateFormatter().string(from: Date()), corpora: ["store (admin API)"],
            messages: counts.reduce(into: [:]) { $0["store:" + $1.key] = $1.value }, seed: 1, folds: folds, l2: trainer.l2,
            minFeatureCount: trainer.minFeatureCount, holdoutPercent: 0, headroom: trainer.headroom, hamWeight: trainer.hamWeight,
            note: "POST /model/train: operator feedback in the store, features as recorded at scan time"
        )
        let outcome: CombinerTrainer.Outcome
        do {
            outcome = try await runtime.blocking.run { try trainer.train(examples, engines: engines, provenance: provenance) }
        } catch let error as TrainingError {
            return TrainingResult(path: nil, examples: counts, validation: nil, threshold: nil, weights: 0, refusal: error.description)
        }
        if let refusal = outcome.refusal {
            return TrainingResult(path: nil, examples: counts, validation: outcome.model.validation, threshold: nil, weights: 0,
                                  refusal: refusal.description)
        }
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        let path = "\(settings.modelsDirectory)/verdict-model-\(stamp).json"
        try outcome.model.write(to: path)
        logger.notice("combiner retrained from feedback", metadata: ["model.path": "\(path)", "model.examples": "\(examples.count)"])
        return TrainingResult(path: path, examples: counts, validation: outcome.model.validation, threshold: outcome.model.threshold,
                              weights: outcome.model.weights.count, refusal: nil)
    }
}
