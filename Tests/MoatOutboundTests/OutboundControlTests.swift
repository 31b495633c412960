import Foundation
import Logging
import MoatCore
import MoatMessage
import MoatStore
@testable import MoatOutbound
import Testing

/// Outbound protection as the pipeline's reviewer, against a real SQLite store.
@Suite("Outbound control")
struct OutboundControlTests {
    func input(from sender: String, login: String?, to recipients: [String], headers: String = "", queueID: String? = "Q1") -> ScanInput {
        let raw = "From: \(sender)\r\nTo: \(recipients.joined(separator: ", "))\r\nSubject: report\r\n\(headers)\r\nbody\r\n"
        var envelope = Envelope(clientAddress: "192.0.2.10", mailFrom: sender, recipients: recipients, queueID: queueID)
        envelope.authenticatedAs = login
        return ScanInput(message: Message(parsing: Array(raw.utf8)), envelope: envelope)
    }

    func decision(_ input: ScanInput, direction: MessageDirection = .outbound, category: VerdictCategory? = nil) -> Decision {
        let verdicts = category.map { [EngineVerdict(engine: "spam", outcome: .detected($0), score: 2)] } ?? []
        var decision = Aggregator(policy: Policy()).decide(scanID: ScanInput.makeID(), verdicts: verdicts, manifests: [:])
        decision.direction = direction
        return decision
    }

    func control(_ fixture: HoldFixture, clock: TestClock, _ change: (inout OutboundSettings) -> Void) throws -> OutboundControl {
        var settings = OutboundSettings()
        settings.hold.releaseCommand = [try fixture.script("release"), "-H", "{queue_id}"]
        settings.hold.flushCommand = [try fixture.script("flush"), "-i", "{queue_id}"]
        settings.hold.deleteCommand = [try fixture.script("delete"), "-d", "{queue_id}", "hold"]
        change(&settings)
        return OutboundControl(settings: settings, store: fixture.store, registry: EngineRegistry(), logger: Logger(label: "test"), clock: { clock.date })
    }

    @Test("a burst from one account over its cap is contained with a 4xx; another account's mail flows; inbound is untouched")
    func containment() async throws {
        let fixture = try await HoldFixture()
        let clock = TestClock()
        let outbound = try control(fixture, clock: clock) { $0.hijack.caps.messages = 3 }
        for _ in 0..<3 {
            let input = input(from: "alice@corp.test", login: "alice", to: ["x@a.example"])
            #expect(await outbound.review(input, decision: decision(input)).action == .accept)
        }
        let burst = input(from: "alice@corp.test", login: "alice", to: ["y@a.example"])
        let contained = await outbound.review(burst, decision: decision(burst))
        #expect(contained.action == .tempfail)
        #expect(contained.smtpReply?.hasPrefix("451 4.7.1") == true)
        #expect(contained.reasons.last?.label == "outbound")
        // Still paused for the next message, whatever its size.
        let next = input(from: "alice@corp.test", login: "alice", to: ["z@a.example"])
        #expect(await outbound.review(next, decision: decision(next)).action == .tempfail)
        let bob = input(from: "bob@corp.test", login: "bob", to: ["x@a.example"])
        #expect(await outbound.review(bob, decision: decision(bob)).action == .accept)
        let inbound = input(from: "alice@corp.test", login: nil, to: ["x@a.example"])
        #expect(await outbound.review(inbound, decision: decision(inbound, direction: .inbound)).action == .accept)

        let alerts = try await outbound.alerts(sender: nil, limit: 10)
        #expect(alerts.count == 1)
        #expect(alerts.first?.sender == "alice" && alerts.first?.departure.metric == "messages")
        #expect(await outbound.blockedSenders().map(\.sender) == ["alice"])
        // Counters survive a restart; an operator lifts the pause.
        await outbound.save()
        let restarted = try control(fixture, clock: clock) { $0.hijack.caps.messages = 3 }
        try await restarted.load()
        #expect(await restarted.activity(of: "alice")?.isBlocked(at: clock.date) == true)
        #expect(await restarted.unblock("alice"))
        #expect(await restarted.activity(of: "alice")?.current.messages == 0, "lifting the pause starts the window again")
        let later = input(from: "alice@corp.test", login: "alice", to: ["x@a.example"])
        #expect(await restarted.review(later, decision: decision(later)).action == .accept)
        try await fixture.tearDown()
    }

    @Test("outbound spam counts toward the bad-verdict cap")
    func badVerdicts() async throws {
        let fixture = try await HoldFixture()
        let clock = TestClock()
        let outbound = try control(fixture, clock: clock) { $0.hijack.caps.badVerdicts = 1; $0.hijack.action = .quarantine }
        let first = input(from: "mallory@corp.test", login: "mallory", to: ["x@a.example"])
        #expect(await outbound.review(first, decision: decision(first, category: .spam)).action == .tag)
        let second = input(from: "mallory@corp.test", login: "mallory", to: ["y@a.example"])
        let held = await outbound.review(second, decision: decision(second, category: .spam))
        #expect(held.action == .quarantine)
        #expect(held.quarantineReason?.contains("bad_verdicts") == true)
        try await fixture.tearDown()
    }

    @Test("send-hold: a held decision with a stored record; a guard's hold; a guard's reject with its reason")
    func holdAndGuards() async throws {
        let fixture = try await HoldFixture()
        let clock = TestClock()
        let outbound = try control(fixture, clock: clock) {
            $0.hold.delays = ["slow.corp.test": 120]
            $0.hold.guardDelaySeconds = 600
            $0.guards.internalDomains = ["corp.test", "slow.corp.test"]
            $0.guards.maxVisibleExternalRecipients = 2
            $0.guards.maxExternalDomains = 3
            $0.guards.externalDomainsAction = .reject
        }
        let slow = input(from: "carol@slow.corp.test", login: "carol", to: ["x@a.example"], queueID: "QSLOW")
        let slowDecision = await outbound.review(slow, decision: decision(slow))
        #expect(slowDecision.action == .accept)
        #expect(slowDecision.hold?.reason.contains("moat send-hold \(slowDecision.scanID)") == true)
        #expect(slowDecision.hold?.releaseAt == clock.date.addingTimeInterval(120))
        let stored = try #require(try await fixture.store.heldMessage(id: slowDecision.scanID))
        #expect(stored.queueID == "QSLOW" && stored.state == .held && stored.recipients == ["x@a.example"])

        let plain = input(from: "alice@corp.test", login: "alice", to: ["x@a.example"])
        #expect(await outbound.review(plain, decision: decision(plain)).hold == nil, "no delay for corp.test")

        let visible = input(from: "alice@corp.test", login: "alice", to: ["a@one.example", "b@one.example", "c@one.example"], queueID: "QVIS")
        let guarded = await outbound.review(visible, decision: decision(visible))
        #expect(guarded.hold?.releaseAt == clock.date.addingTimeInterval(600))
        #expect(guarded.headers.contains { $0.name == "X-Moat-Guard" && $0.value.hasPrefix("visible_recipients; hold;") })

        let spread = input(from: "alice@corp.test", login: "alice", to: ["a@one.example", "b@two.example", "c@three.example", "d@four.example"])
        let refused = await outbound.review(spread, decision: decision(spread))
        #expect(refused.action == .reject)
        #expect(refused.smtpReply?.hasPrefix("550 5.7.1 recipients in 4 unrelated external domains") == true)
        #expect(refused.hold == nil)

        let noQueue = input(from: "carol@slow.corp.test", login: "carol", to: ["x@a.example"], queueID: nil)
        #expect(await outbound.review(noQueue, decision: decision(noQueue)).hold == nil, "without a queue id nothing could release it")
        try await fixture.tearDown()
    }
}
