import AdminTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MoatAdmin
import MoatCore
import NIOCore
import Testing

/// The issue's scenario: three engines, one starts flagging ham; labelled feedback moves it to
/// shadow by its manifest's policy while 1,000 scans run; an operator puts it back.
@Suite("Misfiring engine leaves the vote by policy", .serialized)
struct MisfiringEngineScenarioTests {
    static let manifests = [
        // Correct: flags the spam marker only.
        "spamwords.toml": """
            adapter = "pattern"
            [options]
            patterns = ["BUY-NOW-PILLS"]
            scope = "parts"
            category = "spam"
            score = 6
            """,
        // Misfiring: "the" is in every message, so it flags ham too. Its policy: shadow below 0.95.
        "misfire.toml": """
            adapter = "pattern"
            [options]
            patterns = ["the"]
            scope = "parts"
            category = "spam"
            score = 6
            [removal]
            min_samples = 50
            min_precision = 0.95
            precision_action = "shadow"
            """,
        // Neutral third engine.
        "headers.toml": """
            adapter = "pattern"
            [options]
            patterns = ["X-Never-Present-Header"]
            scope = "headers"
            """,
    ]

    @Test("shadowed by policy under load, counted no more, re-enabled by the operator, all recorded")
    func scenario() async throws {
        let daemon = try await DaemonUnderTest.start(manifests: Self.manifests)
        // Before: the misfiring engine tags ham as spam.
        let before = await daemon.scan(Mail.ham(0))
        #expect(before.action == .tag)
        #expect(before.reasons.first { $0.engine == "misfire" }?.counted == true)

        // 1,000 concurrent scans of ham while 200 labelled messages are scanned and given feedback.
        let results = try await withThrowingTaskGroup(of: [Decision].self, returning: [Decision].self) { group in
            for batch in 0..<10 {
                group.addTask {
                    var decisions: [Decision] = []
                    for index in 0..<100 { decisions.append(await daemon.scan(Mail.ham(1000 + batch * 100 + index))) }
                    return decisions
                }
            }
            group.addTask {
                for index in 0..<100 {
                    let ham = await daemon.scan(Mail.ham(index))
                    _ = try await daemon.supervisor.feedback(scanID: ham.scanID, truth: .ham, source: "corpus:test")
                    let spam = await daemon.scan(Mail.spam(index))
                    _ = try await daemon.supervisor.feedback(scanID: spam.scanID, truth: .spam, source: "corpus:test")
                }
                return []
            }
            var all: [Decision] = []
            for try await decisions in group { all += decisions }
            return all
        }
        #expect(results.count == 1000)
        // None failed: every scan was decided by the engines (no failsafe tempfail, no error verdicts).
        #expect(results.allSatisfy { $0.action == .accept || $0.action == .tag })
        #expect(results.allSatisfy { decision in decision.verdicts.allSatisfy { !$0.isFailure } })

        // The policy moved it to shadow; decisions after the swap do not count it.
        #expect(daemon.runtime.registry.snapshot.engine(named: "misfire")?.state == .shadow)
        let after = await daemon.scan(Mail.ham(5000))
        #expect(after.action == .accept)
        let misfire = try #require(after.reasons.first { $0.engine == "misfire" })
        #expect(misfire.counted == false)
        #expect(after.verdicts.first { $0.engine == "misfire" }?.state == .shadow)
        let statistics = daemon.tracker.statistics(engine: "misfire")
        #expect(try #require(statistics.categories["any"]?.precision) < 0.95)
        #expect(daemon.runtime.registry.snapshot.engine(named: "spamwords")?.state == .active)

        // The operator re-enables it through the admin API (what `moat engines enable` sends).
        try await daemon.api.application().test(.router) { client in
            var headers = HTTPFields()
            headers[.authorization] = "Bearer \(daemon.token.value)"
            headers[.contentType] = "application/json"
            try await client.execute(
                uri: "/engines/misfire/state", method: .post, headers: headers,
                body: ByteBuffer(string: #"{"state": "active", "reason": "pattern fixed upstream", "actor": "operator"}"#)
            ) { response in
                #expect(response.status == .ok)
            }
        }
        #expect(daemon.runtime.registry.snapshot.engine(named: "misfire")?.state == .active)
        #expect(daemon.tracker.statistics(engine: "misfire").samples == 0)

        // Every state change is in the store, newest first, with who and why.
        let changes = try await daemon.store.stateChanges(engine: "misfire", limit: 10)
        #expect(changes.map(\.to) == [.active, .shadow])
        #expect(changes.map(\.actor) == ["operator", "policy"])
        #expect(changes[1].reason.contains("precision"))
        #expect(changes[0].reason == "pattern fixed upstream")
        await daemon.stop()
    }

    @Test("quorum: malware needs two engines to agree before it is rejected")
    func quorum() async throws {
        let manifest = { (pattern: String) in
            "adapter = \"pattern\"\n[options]\npatterns = [\"\(pattern)\"]\nscope = \"parts\"\ncategory = \"malware\"\nscore = 1\n"
        }
        let daemon = try await DaemonUnderTest.start(manifests: ["av1.toml": manifest("EVIL"), "av2.toml": manifest("EVIL-TWO"), "av3.toml": manifest("NEVER")])
        var policy = Policy()
        policy.quorum = [.malware: 2]
        policy.tagScore = nil
        policy.rejectScore = nil
        daemon.runtime.registry.replace(engines: daemon.runtime.registry.snapshot.engines, policy: policy)
        let one = await daemon.scan("Subject: x\r\n\r\nEVIL only one engine\r\n")
        #expect(one.action == .tag)
        #expect(one.category == .suspicious)
        #expect(one.reasons.first { $0.engine == "av1" }?.note.contains("quorum 1/2 not met") == true)
        let two = await daemon.scan("Subject: x\r\n\r\nEVIL-TWO matches both\r\n")
        #expect(two.action == .reject)
        #expect(two.category == .malware)
        await daemon.stop()
    }
}
