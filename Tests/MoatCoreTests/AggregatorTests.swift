import MoatCore
import Testing

@Suite("Aggregator")
struct AggregatorTests {
    func verdict(_ engine: String, _ outcome: EngineVerdict.Outcome, score: Double = 0,
                 state: EngineState = .active, replacements: [PartReplacement] = []) -> EngineVerdict {
        EngineVerdict(engine: engine, outcome: outcome, score: score, replacements: replacements, state: state)
    }

    func manifests(_ names: [String], weight: Double = 1, onError: EngineManifest.FailurePolicy = .ignore) -> [String: EngineManifest] {
        Dictionary(uniqueKeysWithValues: names.map { ($0, EngineManifest(name: $0, adapter: "test", weight: weight, onError: onError)) })
    }

    @Test("score thresholds map to tag, quarantine and reject", arguments: [
        (2.0, Action.accept), (5.0, .tag), (9.9, .tag), (10.0, .quarantine), (15.0, .reject), (40.0, .reject),
    ])
    func thresholds(score: Double, expected: Action) {
        let policy = Policy(tagScore: 5, quarantineScore: 10, rejectScore: 15)
        let decision = Aggregator(policy: policy).decide(
            scanID: "t", verdicts: [verdict("spam", .detected(.suspicious), score: score)],
            manifests: manifests(["spam"]))
        // A suspicious detection alone asks for tag; thresholds can only make it stricter.
        #expect(decision.action == max(expected, .tag))
        #expect(decision.score == score)
    }

    @Test("weights multiply engine scores")
    func weights() {
        let decision = Aggregator(policy: Policy()).decide(
            scanID: "t", verdicts: [verdict("a", .detected(.spam), score: 4), verdict("b", .detected(.spam), score: 4)],
            manifests: manifests(["a", "b"], weight: 2))
        #expect(decision.score == 16)
        #expect(decision.action == .reject)
        #expect(decision.smtpReply == "550 5.7.1 Message rejected by content policy")
    }

    @Test("the strictest category action wins and the worst category is reported")
    func categories() {
        let decision = Aggregator(policy: Policy()).decide(
            scanID: "t", verdicts: [verdict("spam", .detected(.spam), score: 1), verdict("av", .detected(.malware), score: 1)],
            manifests: manifests(["spam", "av"]))
        #expect(decision.action == .reject)
        #expect(decision.category == .malware)
    }

    @Test("replacements are delivered only when the message is delivered")
    func replacementsOnlyWhenDelivered() {
        let replacement = PartReplacement(partPath: "2", rawPart: Array("x".utf8), reason: "macro removed")
        let delivered = Aggregator(policy: Policy()).decide(
            scanID: "t", verdicts: [verdict("macro", .detected(.suspicious), score: 1, replacements: [replacement])],
            manifests: manifests(["macro"]))
        #expect(delivered.action == .tag)
        #expect(delivered.replacements == [replacement])

        let refused = Aggregator(policy: Policy()).decide(
            scanID: "t", verdicts: [
                verdict("macro", .detected(.suspicious), score: 1, replacements: [replacement]),
                verdict("av", .detected(.malware), score: 1),
            ], manifests: manifests(["macro", "av"]))
        #expect(refused.action == .reject)
        #expect(refused.replacements.isEmpty)
    }

    @Test("quarantine carries a reason; headers name every engine")
    func quarantineAndHeaders() {
        let decision = Aggregator(policy: Policy()).decide(
            scanID: "abc", verdicts: [verdict("url", .detected(.phishing), score: 3), verdict("av", .clean)],
            manifests: manifests(["url", "av"]))
        #expect(decision.action == .quarantine)
        #expect(decision.quarantineReason?.contains("phishing") == true)
        let headers = Dictionary(uniqueKeysWithValues: decision.headers.map { ($0.name, $0.value) })
        #expect(headers["X-Moat-Id"] == "abc")
        #expect(headers["X-Moat-Verdict"] == "quarantine category=phishing")
        #expect(headers["X-Moat-Score"] == "3.00")
        #expect(headers["X-Moat-Engines"] == "url=phishing score=3.00; av=clean")
    }

    @Test("a long engine header is folded below 78 columns")
    func folding() {
        let verdicts = (0..<12).map { verdict("engine-number-\($0)", .clean) }
        let decision = Aggregator(policy: Policy()).decide(scanID: "t", verdicts: verdicts, manifests: [:])
        let value = decision.headers.first { $0.name == "X-Moat-Engines" }!.value
        let lines = value.split(separator: "\n")
        #expect(lines.count > 1)
        #expect(lines.allSatisfy { $0.count <= 78 })
        #expect(lines.dropFirst().allSatisfy { $0.hasPrefix("\t") })
    }

    @Test("failsafe decision follows on_scan_failure")
    func failsafe() {
        #expect(Aggregator(policy: Policy()).failed(scanID: "t", reason: "boom").action == .tempfail)
        #expect(Aggregator(policy: Policy(onScanFailure: .accept)).failed(scanID: "t", reason: "boom").action == .accept)
    }
}
