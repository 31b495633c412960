import Foundation
import MoatCore
import Testing

/// The baseline model with a clock the test controls: caps from the first message, the baseline
/// test only after the learning windows, decay of old windows, and no learning during a block.
@Suite("Sender baseline")
struct SenderActivityTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    func settings(_ change: (inout HijackSettings) -> Void = { _ in }) -> HijackSettings {
        var settings = HijackSettings()
        settings.windowSeconds = 3600
        settings.halfLifeSeconds = 24 * 3600
        settings.learningWindows = 24
        settings.factor = 5
        settings.floor = OutboundCounts(messages: 10, recipients: 10, recipientDomains: 5, badVerdicts: 2)
        settings.caps = OutboundCounts(messages: 100, recipients: 200, recipientDomains: 50, badVerdicts: 5)
        settings.blockSeconds = 1800
        change(&settings)
        return settings
    }

    /// Sends `count` messages, one recipient each, spread over one window starting at `at`.
    func send(_ activity: inout SenderActivity, count: Int, at: Date, settings: HijackSettings, domain: String = "partner.example") -> SenderActivity.Departure? {
        for index in 0..<count {
            let when = at.addingTimeInterval(Double(index) * (settings.windowSeconds / Double(max(count, 1))) * 0.99)
            if let departure = activity.record(recipients: ["r\(index)@\(domain)"], bad: false, at: when, settings: settings) { return departure }
        }
        return nil
    }

    @Test("a new sender has no baseline: only the caps apply")
    func coldStart() {
        let settings = settings()
        var activity = SenderActivity(now: start)
        // 60 messages in the first hour: far above any baseline, but under the cap of 100.
        #expect(send(&activity, count: 60, at: start, settings: settings) == nil)
        #expect(activity.expected(settings: settings) == nil)
        // The cap holds from the first window.
        var fresh = SenderActivity(now: start)
        let departure = send(&fresh, count: 150, at: start, settings: settings)
        #expect(departure?.kind == .cap)
        #expect(departure?.metric == "messages")
        #expect(departure?.observed == 101)
        #expect(fresh.isBlocked(at: start.addingTimeInterval(1000)))
        #expect(!fresh.isBlocked(at: start.addingTimeInterval(3 * 3600)))
    }

    @Test("after learning, a burst far above the sender's own baseline departs; its usual volume does not")
    func baselineDeparture() {
        let settings = settings()
        var activity = SenderActivity(now: start)
        for hour in 0..<24 {
            #expect(send(&activity, count: 4, at: start.addingTimeInterval(Double(hour) * 3600), settings: settings) == nil)
        }
        let now = start.addingTimeInterval(24 * 3600)
        activity.advance(to: now, settings: settings)
        let expected = try! #require(activity.expected(settings: settings))
        #expect(abs(expected.messages - 4) < 0.01, "the debiased average of 24 windows of 4 is 4, got \(expected.messages)")
        // Its usual 4 an hour, and even 15 (over the floor, under 5 × 4), pass.
        #expect(send(&activity, count: 15, at: now, settings: settings) == nil)
        // 25 in the next hour is over 5 × baseline and over the floor.
        let departure = send(&activity, count: 40, at: now.addingTimeInterval(3600), settings: settings)
        #expect(departure?.kind == .baseline)
        #expect(departure?.metric == "messages")
        #expect((departure?.observed ?? 0) > (departure?.limit ?? .infinity))
        #expect((departure?.limit ?? 0) < 40)
    }

    @Test("the floor keeps a quiet sender's small burst from departing")
    func floor() {
        let settings = settings()
        var activity = SenderActivity(now: start)
        for hour in 0..<30 {
            _ = send(&activity, count: hour % 10 == 0 ? 1 : 0, at: start.addingTimeInterval(Double(hour) * 3600), settings: settings)
        }
        // Baseline about 0.1 an hour: 8 messages are 80 times it, but under the floor of 10.
        #expect(send(&activity, count: 8, at: start.addingTimeInterval(30 * 3600), settings: settings) == nil)
    }

    @Test("old windows decay: a busy past weighs less as quiet hours pass")
    func decay() {
        let settings = settings()
        var activity = SenderActivity(now: start)
        _ = send(&activity, count: 50, at: start, settings: settings)
        activity.advance(to: start.addingTimeInterval(3600), settings: settings)
        let first = activity.baseline.messages
        #expect(abs(first - 50 * (1 - settings.decay)) < 1e-9)
        // A day of empty windows (one half-life) halves what the busy hour left in the baseline.
        activity.advance(to: start.addingTimeInterval(25 * 3600), settings: settings)
        #expect(abs(activity.baseline.messages - first / 2) < 1e-9)
        #expect(activity.windowsSeen == 25)
        // A clock that goes back stays in the current window.
        let before = activity
        activity.advance(to: start, settings: settings)
        #expect(activity == before)
    }

    @Test("distinct recipients and domains are counted once per window, and saturate at max_distinct")
    func distinct() {
        let settings = settings { $0.maxDistinct = 3; $0.caps.recipients = 1000 }
        var activity = SenderActivity(now: start)
        #expect(activity.record(recipients: ["A@x.example", "a@x.example", "b@y.example"], bad: false, at: start, settings: settings) == nil)
        #expect(activity.current.recipients == 2)
        #expect(activity.current.recipientDomains == 2)
        _ = activity.record(recipients: ["c@z.example", "d@w.example", "e@v.example"], bad: true, at: start, settings: settings)
        #expect(activity.current.recipients == 3)
        #expect(activity.current.messages == 2)
        #expect(activity.current.badVerdicts == 1)
    }

    @Test("bad verdicts have their own cap; blocked mail is not learnt")
    func badVerdicts() {
        let settings = settings()
        var activity = SenderActivity(now: start)
        for index in 0..<5 {
            #expect(activity.record(recipients: ["x\(index)@a.example"], bad: true, at: start, settings: settings) == nil)
        }
        let departure = activity.record(recipients: ["y@a.example"], bad: true, at: start, settings: settings)
        #expect(departure?.metric == "bad_verdicts")
        #expect(activity.current.messages == 5, "the departing message is not counted")
        #expect(activity.trips == 1)
    }

    @Test("settings refuse unknown keys and impossible values")
    func settingsValidation() throws {
        let decode = { (text: String) throws -> HijackSettings in try JSONDecoder().decode(HijackSettings.self, from: Data(text.utf8)) }
        #expect(throws: DecodingError.self) { try decode(#"{"factr": 3}"#) }
        #expect(throws: DecodingError.self) { try decode(#"{"caps": {"mesages": 3}}"#) }
        #expect(throws: DecodingError.self) { try decode(#"{"action": "reject"}"#) }
        #expect(throws: DecodingError.self) { try decode(#"{"window_seconds": 0}"#) }
        let partial = try decode(#"{"caps": {"messages": 7}, "action": "quarantine"}"#)
        #expect(partial.caps.messages == 7)
        #expect(partial.caps.recipients == HijackSettings().caps.recipients)
        #expect(partial.action == .quarantine)
    }
}
