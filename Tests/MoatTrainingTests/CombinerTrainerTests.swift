import Foundation
import MoatCore
import Testing
@testable import MoatTraining

@Suite("Learned combiner training")
struct CombinerTrainerTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures").path

    static let provenance = VerdictModel.Provenance(
        created: "fixed", corpora: ["bench/corpus-sample"], messages: [:], seed: 7, folds: 3, l2: 1, minFeatureCount: 2,
        holdoutPercent: 0, note: "fixture")

    /// 35 messages of bench/corpus-sample as the five default engines saw them (written by
    /// `moat train --examples-out`), and the model trained from them when the test was written.
    @Test("a model trained on the fixture corpus reproduces its recorded weights, threshold and calibration")
    func reproducesRecordedModel() throws {
        let examples = try TrainingExample.readLines(from: Self.fixtures + "/corpus-sample-features.jsonl")
        #expect(examples.count == 35)
        var trainer = CombinerTrainer(folds: 3, seed: 7, l2: 1, minFeatureCount: 2, targetHamRate: 0.1, headroom: 1)
        trainer.minimumRecall = 0
        let model = try trainer.train(examples, engines: ["spam", "url"], provenance: Self.provenance).model
        let recorded = try JSONDecoder().decode(VerdictModel.self, from: Data(contentsOf: URL(fileURLWithPath: Self.fixtures + "/corpus-sample-model.json")))
        #expect(Set(model.weights.keys) == Set(recorded.weights.keys))
        for (name, weight) in recorded.weights {
            #expect(abs((model.weights[name] ?? .nan) - weight) < 1e-9, "\(name)")
        }
        #expect(abs(model.bias - recorded.bias) < 1e-9)
        #expect(abs(model.threshold - recorded.threshold) < 1e-9)
        #expect(abs(model.calibrationA - recorded.calibrationA) < 1e-9)
        #expect(model.validation == recorded.validation)
    }

    @Test("training twice with one seed gives the same model; another seed changes the folds")
    func deterministic() throws {
        let examples = try TrainingExample.readLines(from: Self.fixtures + "/corpus-sample-features.jsonl")
        let trainer = CombinerTrainer(folds: 3, seed: 7, l2: 1, minFeatureCount: 2, targetHamRate: 0.1, headroom: 1)
        let first = try trainer.train(examples, engines: ["spam"], provenance: Self.provenance)
        let second = try trainer.train(examples, engines: ["spam"], provenance: Self.provenance)
        #expect(first.model == second.model)
        #expect(first.outOfFold == second.outOfFold)
        let ids = examples.map(\.id), labels = examples.map(\.label)
        #expect(FoldPlan.assign(ids: ids, labels: labels, folds: 3, seed: 7) == FoldPlan.assign(ids: ids, labels: labels, folds: 3, seed: 7))
        #expect(FoldPlan.assign(ids: ids, labels: labels, folds: 3, seed: 7) != FoldPlan.assign(ids: ids, labels: labels, folds: 3, seed: 8))
    }

    @Test("folds are stratified: each holds its share of every class")
    func stratifiedFolds() {
        let ids = (0..<100).map { "m\($0)" }
        let labels: [TrueClass] = (0..<100).map { $0 < 70 ? .ham : ($0 < 90 ? .spam : .phishing) }
        let folds = FoldPlan.assign(ids: ids, labels: labels, folds: 5, seed: 3)
        for fold in 0..<5 {
            let members = ids.indices.filter { folds[$0] == fold }
            #expect(members.filter { labels[$0] == .ham }.count == 14)
            #expect(members.filter { labels[$0] == .spam }.count == 4)
            #expect(members.filter { labels[$0] == .phishing }.count == 2)
        }
    }

    @Test("a model that flags more ham than the target on the validation folds is refused")
    func refusesTooMuchHam() throws {
        // Half the ham looks exactly like the spam: no threshold spares it on unseen folds.
        var examples: [TrainingExample] = []
        for i in 0..<60 {
            let spamLike = i % 2 == 0
            examples.append(TrainingExample(id: "ham\(i)", label: .ham, fold: i % 3, features: spamLike ? ["finding:x": 1] : ["finding:y": 1]))
            examples.append(TrainingExample(id: "spam\(i)", label: .spam, fold: i % 3, features: ["finding:x": 1]))
        }
        let outcome = try CombinerTrainer(folds: 3, seed: 1, targetHamRate: 0.01, headroom: 1).train(examples, engines: ["spam"], provenance: Self.provenance)
        guard case .flagsTooMuchHam(let rate, let target, _, let ham)? = outcome.refusal else {
            Issue.record("expected a refusal, got \(String(describing: outcome.refusal))")
            return
        }
        #expect(rate > target && ham == 60)
        #expect(outcome.refusal?.description.contains("--target-ham-rate") == true)
    }

    @Test("a model that acts on too little unwanted mail is refused")
    func refusesUselessModel() throws {
        var examples: [TrainingExample] = []
        for i in 0..<60 {
            examples.append(TrainingExample(id: "h\(i)", label: .ham, fold: i % 3, features: ["finding:x": 1]))
            examples.append(TrainingExample(id: "s\(i)", label: .spam, fold: i % 3, features: ["finding:x": 1]))
        }
        let outcome = try CombinerTrainer(folds: 3, seed: 1, targetHamRate: 0.01, headroom: 1).train(examples, engines: ["spam"], provenance: Self.provenance)
        #expect(outcome.refusal == .catchesTooLittle(recall: 0, minimum: 0.5))
    }

    @Test("a separable corpus trains: the spam feature gets a positive weight, ham is spared")
    func learnsSeparableData() throws {
        var examples: [TrainingExample] = []
        for i in 0..<40 {
            examples.append(TrainingExample(id: "h\(i)", label: .ham, fold: i % 4, features: ["finding:newsletter": 1, "score:spam": 0.1]))
            examples.append(TrainingExample(id: "s\(i)", label: i % 2 == 0 ? .spam : .phishing, fold: i % 4, features: ["finding:BAYES_99": 1, "score:spam": 1.2]))
        }
        let outcome = try CombinerTrainer(folds: 4, seed: 1, targetHamRate: 0.01, headroom: 1).train(examples, engines: ["spam"], provenance: Self.provenance)
        #expect(outcome.refusal == nil)
        #expect((outcome.model.weights["finding:BAYES_99"] ?? 0) > 0.5)
        #expect((outcome.model.weights["finding:newsletter"] ?? 0) < 0)
        #expect(outcome.model.validation.recall == 1 && outcome.model.validation.hamFlagged == 0)
        #expect(outcome.model.validation.recallByClass["phishing"] == 1)
        let spamScore = outcome.model.score(.init(values: ["finding:BAYES_99": 1, "score:spam": 1.2])).score
        #expect(spamScore >= outcome.model.threshold)
        #expect(outcome.model.probability(spamScore) > 0.9)
    }

    @Test("the phishing head learns what tells phishing from spam, out of fold")
    func phishingHead() throws {
        var examples: [TrainingExample] = []
        for i in 0..<40 {
            examples.append(TrainingExample(id: "h\(i)", label: .ham, fold: i % 4, features: ["finding:newsletter": 1]))
            examples.append(TrainingExample(id: "s\(i)", label: .spam, fold: i % 4, features: ["finding:BAYES_99": 1, "finding:LOTS_OF_MONEY": 1]))
            examples.append(TrainingExample(id: "p\(i)", label: .phishing, fold: i % 4, features: ["finding:BAYES_99": 1, "finding:url.brand_embedded": 1]))
        }
        let model = try CombinerTrainer(folds: 4, seed: 1, targetHamRate: 0.01, headroom: 1).train(examples, engines: ["spam"], provenance: Self.provenance).model
        let head = try #require(model.phishing)
        #expect(head.accuracy == 1)
        #expect(head.score(["finding:BAYES_99": 1, "finding:url.brand_embedded": 1]) > 0)
        #expect(head.score(["finding:BAYES_99": 1, "finding:LOTS_OF_MONEY": 1]) < 0)
        let noPhishing = examples.filter { $0.label != .phishing }
        #expect(try CombinerTrainer(folds: 4, seed: 1, targetHamRate: 0.01, headroom: 1).train(noPhishing, engines: ["spam"], provenance: Self.provenance).model.phishing == nil)
    }

    @Test("the threshold flags at most the target share of ham")
    func thresholdChoice() {
        let ham = (0..<1000).map { Double($0) / 100 }
        let threshold = CombinerTrainer.threshold(hamScores: ham, rate: 0.002)
        #expect(ham.filter { $0 >= threshold }.count == 2)
        #expect(CombinerTrainer.threshold(hamScores: [1, 1, 1], rate: 0.1) > 1)
        #expect(CombinerTrainer.threshold(hamScores: [-3, -2.5, -2], rate: 0.002) == 0)
    }
}
