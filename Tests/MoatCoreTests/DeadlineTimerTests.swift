import Foundation
import Synchronization
import Testing
@testable import MoatCore

/// The one thread that fires every engine's deadline: targets expire once, after their timeout,
/// never once settled, and a short timeout scheduled behind a long one is not held up by it.
@Suite struct DeadlineTimerTests {
    final class Probe: DeadlineTarget {
        private let state = Mutex<(settled: Bool, expiredAt: ContinuousClock.Instant?, expiries: Int)>((false, nil, 0))
        let scheduledAt = ContinuousClock.now

        var isSettled: Bool { state.withLock { $0.settled } }
        var expiries: Int { state.withLock { $0.expiries } }
        var expiredAt: ContinuousClock.Instant? { state.withLock { $0.expiredAt } }

        func settle() { state.withLock { $0.settled = true } }

        func expire() {
            state.withLock {
                $0.expiries += 1
                $0.expiredAt = ContinuousClock.now
                $0.settled = true
            }
        }
    }

    static func waitUntil(_ condition: () -> Bool, seconds: Double = 10) async throws {
        let end = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while !condition(), ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(5)) }
    }

    @Test func targetsExpireAfterTheirTimeoutUnlessSettled() async throws {
        let timer = DeadlineTimer()
        let pending = (0..<50).map { _ in Probe() }
        let settled = (0..<50).map { _ in Probe() }
        for (a, b) in zip(pending, settled) {
            timer.schedule(a, after: .milliseconds(80))
            timer.schedule(b, after: .milliseconds(80))
            b.settle()
        }
        try await Self.waitUntil { pending.allSatisfy { $0.expiries > 0 } }
        for probe in pending {
            #expect(probe.expiries == 1)
            let at = try #require(probe.expiredAt)
            #expect(at - probe.scheduledAt >= .milliseconds(80))
        }
        try await Task.sleep(for: .milliseconds(100))
        #expect(settled.allSatisfy { $0.expiries == 0 })
        #expect(pending.allSatisfy { $0.expiries == 1 })
    }

    /// The thread sleeps until the long deadline; the short one scheduled after must wake it.
    @Test func aShortDeadlineBehindALongOneFiresOnTime() async throws {
        let timer = DeadlineTimer()
        let long = Probe()
        timer.schedule(long, after: .seconds(3600))
        try await Task.sleep(for: .milliseconds(50))
        let short = Probe()
        timer.schedule(short, after: .milliseconds(50))
        try await Self.waitUntil { short.expiries > 0 }
        let at = try #require(short.expiredAt)
        #expect(at - short.scheduledAt < .seconds(5))
        #expect(long.expiries == 0)
        long.settle()
    }

    /// After a quiet spell (the thread asleep with nothing to wait for) a new deadline still fires.
    @Test func aDeadlineAfterAQuietSpellFires() async throws {
        let timer = DeadlineTimer()
        let first = Probe()
        timer.schedule(first, after: .milliseconds(20))
        try await Self.waitUntil { first.expiries > 0 }
        try await Task.sleep(for: .milliseconds(50))
        let second = Probe()
        timer.schedule(second, after: .milliseconds(20))
        try await Self.waitUntil { second.expiries > 0 }
        #expect(first.expiries == 1)
        #expect(second.expiries == 1)
    }
}
