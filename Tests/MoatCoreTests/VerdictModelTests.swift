import Foundation
import MoatCore
import MoatMessage
import Testing

@Suite("Learned combiner in the aggregator")
struct VerdictModelTests {
    static let provenance = VerdictModel.Provenance(
        created: "t", corpora: [], messages: [:], seed: 1, folds: 5, l2: 1, minFeatureCount: 3, holdoutPercent: 20, note: "")
    static let validation = VerdictModel.Validation(precision: 1, recall: 1, f1: 1, hamFlagged: 0, recallByClass: [:], logLoss: 0)

    static func model(threshold: Double = 2, engines: [String] = ["spam", "url", "clamav"]) -> VerdictModel {
        VerdictModel(
            engines: engines, bias: -3,
            weights: ["finding:spam.BAYES_99": 3.5, "score:spam": 0.8, "finding:url.anchor_tracked": -0.7,
                      "engine:url=suspicious": 0.4, "message:mime.missing_close_boundary": 0.9, "count:url.extracted": 0.3],
            threshold: threshold, calibrationA: 1.1, calibrationB: -0.2, targetHamRate: 0.002,
            provenance: provenance, validation: validation)
    }

    func verdicts(bayes: Bool, clamav: EngineVerdict.Outcome = .clean) -> [EngineVerdict] {
        [
            EngineVerdict(engine: "spam", outcome: bayes ? .detected(.spam) : .clean, score: bayes ? 7.5 : 1,
                          findings: bayes ? [Finding(code: "spam.BAYES_99", detail: "", score: 3.5)] : []),
            EngineVerdict(engine: "url", outcome: .detected(.suspicious), score: 3,
                          findings: [Finding(code: "url.extracted", detail: "a"), Finding(code: "url.extracted", detail: "b"),
                                     Finding(code: "url.anchor_tracked", detail: "")]),
            EngineVerdict(engine: "clamav", outcome: clamav, score: 0),
        ]
    }

    func manifests() -> [String: EngineManifest] {
        Dictionary(uniqueKeysWithValues: ["spam", "url", "clamav"].map { ($0, EngineManifest(name: $0, adapter: "test")) })
    }

    func decide(_ verdicts: [EngineVerdict], model: VerdictModel = Self.model(), findings: [Finding] = []) -> Decision {
        Aggregator(policy: Policy(model: model)).decide(scanID: "t", verdicts: verdicts, manifests: manifests(), messageFindings: findings)
    }

    @Test("the explanation sums to the decision's score: bias plus contributions, and the reasons")
    func explanationSums() throws {
        let decision = decide(verdicts(bayes: true), findings: [Finding(code: "mime.missing_close_boundary", detail: "")])
        let explanation = try #require(decision.model)
        let summed = explanation.bias + explanation.contributions.reduce(0) { $0 + $1.amount }
        #expect(abs(summed - decision.score) < 1e-12)
        #expect(abs(decision.reasons.reduce(0) { $0 + $1.weightedScore } - decision.score) < 1e-12)
        // -3 + 3.5 + 0.8*0.75 - 0.7 + 0.4 + 0.9 + 0.3*log2(3)/8
        #expect(abs(decision.score - (-3 + 3.5 + 0.6 - 0.7 + 0.4 + 0.9 + 0.3 * log2(3.0) / 8)) < 1e-12)
        #expect(explanation.contributions.first?.feature == "finding:spam.BAYES_99")
        #expect(decision.reasons.first { $0.engine == "spam" }.map { abs($0.weightedScore - 4.1) < 1e-12 } == true)
        #expect(decision.headers.contains { $0.name == "X-Moat-Model" && $0.value.contains("finding:spam.BAYES_99(+3.50)") })
    }

    @Test("the scan's record keeps the features the model scored, which are those of the verdicts, and the decoded subject")
    func recordKeepsScoredFeatures() {
        let verdicts = verdicts(bayes: true)
        let findings = [Finding(code: "mime.missing_close_boundary", detail: "")]
        let decision = decide(verdicts, findings: findings)
        let expected = VerdictFeatures.extract(verdicts: verdicts, messageFindings: findings).values
        #expect(decision.features == expected)
        let message = Message(parsing: Array("Subject: =?utf-8?q?caf=C3=A9?=\r\n  \t next  \r\n\r\nbody\r\n".utf8))
        let record = ScanRecord(decision: decision, input: ScanInput(message: message), contentHash: "h")
        #expect(record.features == expected)
        #expect(record.subject == "café next")
        // An SMTP line's worth of the subject, counted in scalars.
        let long = Message(parsing: Array(("Subject: " + String(repeating: "éb  ", count: 500) + "\r\n\r\nbody\r\n").utf8))
        let cut = ScanRecord(decision: decision, input: ScanInput(message: long), contentHash: "h").subject
        #expect(cut?.unicodeScalars.count == 998)
        #expect(cut?.hasPrefix("éb éb ") == true)
        #expect(cut?.hasSuffix("éb") == true)
    }

    @Test("at or above the threshold the worst learned category's action applies; below, engine detections do not act")
    func thresholdDecides() {
        let spam = decide(verdicts(bayes: true), model: Self.model(threshold: 0.5))
        #expect(spam.score >= 0.5)
        #expect(spam.action == .tag && spam.category == .spam)
        let ham = decide(verdicts(bayes: false), model: Self.model(threshold: 0.5))
        #expect(ham.score < 0.5)
        #expect(ham.action == .accept && ham.category == nil)  // url's "suspicious" alone no longer tags
    }

    @Test("the phishing head names acted-on mail phishing, and the phishing action applies")
    func phishingHead() {
        var model = Self.model(threshold: 0.5)
        model.phishing = VerdictModel.CategoryHead(bias: -1, weights: ["finding:url.anchor_tracked": 2], accuracy: 0.9)
        let held = decide(verdicts(bayes: true), model: model)
        #expect(held.category == .phishing && held.action == .quarantine)
        model.phishing?.weights = ["finding:url.anchor_tracked": 0.5]
        let tagged = decide(verdicts(bayes: true), model: model)
        #expect(tagged.category == .spam && tagged.action == .tag)
        // Below the threshold the head is not asked.
        model.phishing?.weights = ["finding:url.anchor_tracked": 2]
        #expect(decide(verdicts(bayes: false), model: model).category == nil)
    }

    @Test("a malware detection keeps its action whatever the model says")
    func malwareStillRejects() {
        let decision = decide(verdicts(bayes: false, clamav: .detected(.malware)))
        #expect(decision.action == .reject && decision.category == .malware)
    }

    @Test("shadow and failed engines contribute nothing")
    func shadowAndFailures() {
        var verdicts = verdicts(bayes: true)
        verdicts[0].state = .shadow
        verdicts[1].outcome = .timeout
        let features = VerdictFeatures.extract(verdicts: verdicts, messageFindings: [])
        #expect(features.values.keys.allSatisfy { !$0.contains("spam") && !$0.contains("url") })
    }

    @Test("a malformed, foreign or mismatched model file is a clear error, never ignored")
    func loadingErrors() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("moat-model-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let garbage = directory.appendingPathComponent("garbage.json").path
        try Data("{ not json".utf8).write(to: URL(fileURLWithPath: garbage))
        #expect(throws: ConfigurationError.self) { try VerdictModel.load(path: garbage) }

        let encoder = JSONEncoder()
        var foreign = Self.model()
        foreign.featuresVersion = 99
        let foreignPath = directory.appendingPathComponent("foreign.json").path
        try encoder.encode(foreign).write(to: URL(fileURLWithPath: foreignPath))
        do {
            _ = try VerdictModel.load(path: foreignPath)
            Issue.record("a model of another feature version loaded")
        } catch let error as ConfigurationError {
            #expect(error.description.contains("features_version"))
        }

        let good = directory.appendingPathComponent("good.json").path
        try encoder.encode(Self.model()).write(to: URL(fileURLWithPath: good))
        let loaded = try VerdictModel.load(path: good)
        #expect(loaded == Self.model())
        #expect(loaded.mismatch(configuredEngines: ["spam", "url", "clamav", "macro"], path: good) == nil)
        #expect(loaded.mismatch(configuredEngines: ["url", "clamav"], path: good)?.description.contains("spam") == true)

        var policy = Policy()
        policy.modelPath = directory.appendingPathComponent("missing.json").path
        policy.modelPathConfigured = true
        #expect(throws: ConfigurationError.self) { try policy.loadModel() }
        policy.modelPathConfigured = false
        try policy.loadModel()
        #expect(policy.model == nil)
        policy.modelPath = good
        try policy.loadModel()
        #expect(policy.model == Self.model())
    }
}
