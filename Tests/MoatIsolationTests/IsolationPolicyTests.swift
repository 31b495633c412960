import Foundation
import MoatCore
import Testing

@testable import MoatIsolation

/// `[isolation]` decoding and the aggregator's imposed action.
struct IsolationPolicyTests {
    @Test func defaultsRunInWorkerProcesses() throws {
        let configuration = try JSONDecoder().decode(MoatConfiguration.self, from: Data("{}".utf8))
        #expect(configuration.isolation.mode == .process)
        #expect(configuration.isolation.workers == 0)
        #expect(configuration.isolation.resolvedWorkers(cores: 2) == 1)
        #expect(configuration.isolation.resolvedWorkers(cores: 16) == 8)
        #expect(configuration.isolation.dedicated == ["clamav": 1])
        #expect(configuration.isolation.onEngineCrash == .tempfail)
        #expect(configuration.isolation.poisonAction == .reject)
        #expect(configuration.isolation.hardTimeout(engineTimeouts: [15_000, 30_000]) == .milliseconds(35_000))
    }

    @Test func settingsAreValidated() {
        for bad in [#"{"workers": -1}"#, #"{"dedicated": {"clamav": 0}}"#, #"{"memory_limit_mb": -1}"#, #"{"poison_reply": "250 ok"}"#, #"{"mode": "threads"}"#] {
            #expect(throws: DecodingError.self) { try JSONDecoder().decode(IsolationSettings.self, from: Data(bad.utf8)) }
        }
        let fixed = try? JSONDecoder().decode(IsolationSettings.self, from: Data(#"{"scan_hard_timeout_ms": 9000, "mode": "in_process"}"#.utf8))
        #expect(fixed?.hardTimeout(engineTimeouts: [30_000]) == .milliseconds(9_000))
        #expect(fixed?.mode == .inProcess)
    }

    @Test func hardTimeoutSaturatesAndManifestNumbersAreBounded() throws {
        let grace = try JSONDecoder().decode(IsolationSettings.self, from: Data(#"{"hard_timeout_grace_ms": 9223372036854775807}"#.utf8))
        #expect(grace.hardTimeout(engineTimeouts: [30_000]) == .milliseconds(Int.max))
        for bad in [#"{"adapter": "x", "timeout_ms": 9223372036854775807}"#, #"{"adapter": "x", "timeout_ms": 0}"#,
                    #"{"adapter": "x", "weight": 1e300}"#] {
            #expect(throws: DecodingError.self) { try JSONDecoder().decode(EngineManifest.self, from: Data(bad.utf8)) }
        }
        let fine = try JSONDecoder().decode(EngineManifest.self, from: Data(#"{"adapter": "x", "timeout_ms": 86400000, "weight": -2}"#.utf8))
        #expect(fine.timeoutMilliseconds == 86_400_000)
    }

    @Test func imposedActionRaisesButNeverLowers() {
        let aggregator = Aggregator(policy: Policy())
        let clean = aggregator.decide(scanID: "s1", verdicts: [EngineVerdict(engine: "a", outcome: .clean)], manifests: [:])
        let poisoned = aggregator.impose(.init(action: .reject, reply: "554 5.7.0 poison", reason: "poison message"), on: clean)
        #expect(poisoned.action == .reject)
        #expect(poisoned.smtpReply == "554 5.7.0 poison")
        #expect(poisoned.headers.contains { $0.name == "X-Moat-Verdict" && $0.value.contains("poison message") })
        #expect(poisoned.reasons.last?.engine == "moat")

        let malware = aggregator.decide(scanID: "s2", verdicts: [EngineVerdict(engine: "a", outcome: .detected(.malware), score: 10)], manifests: [:])
        let kept = aggregator.impose(.init(action: .tempfail, reason: "crash"), on: malware)
        #expect(kept.action == .reject)
        #expect(kept.smtpReply == Policy().rejectReply)
    }
}

/// What the parent keeps of a worker's verdicts: the worker may have been broken by the message.
struct WorkerVerdictSelectionTests {
    @Test func oneVerdictPerRequestedEngineInOrderAndNoneSilentlyMissing() {
        let sent = [
            EngineVerdict(engine: "url", outcome: .clean),
            EngineVerdict(engine: "made-up", outcome: .detected(.malware), score: 10),
            EngineVerdict(engine: "spam", outcome: .detected(.spam), score: 7),
            EngineVerdict(engine: "spam", outcome: .clean),
        ]
        let kept = WorkerPool.ordered(sent, by: ["spam", "clamav", "url"], states: ["clamav": .shadow])
        #expect(kept.map(\.engine) == ["spam", "clamav", "url"])
        #expect(kept[0].outcome == .detected(.spam))
        #expect(kept[1].label == "error")
        #expect(kept[1].state == .shadow)
        #expect(kept[2].outcome == .clean)
    }
}
