import Foundation
import Logging
import MoatCore
import MoatStore
@testable import MoatOutbound
import Synchronization
import Testing

/// A clock the test moves.
final class TestClock: Sendable {
    private let now = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
    var date: Date { now.withLock { $0 } }
    func advance(_ seconds: Double) { now.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// A real SQLite store in a temporary directory, and stand-ins for `postsuper` that log what
/// they were asked (real programs run through `ExternalCommand`).
struct HoldFixture {
    let directory: URL
    let store: SQLiteStore
    let log: URL

    init() async throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("moat-hold-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        store = try SQLiteStore(path: directory.appendingPathComponent("moat.sqlite").path, logger: Logger(label: "test"))
        try await store.migrate()
        log = directory.appendingPathComponent("commands.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
    }

    /// A script that appends its arguments (and standard input, when `readsInput`) to the log and exits `status`.
    func script(_ name: String, status: Int32 = 0, readsInput: Bool = false) throws -> String {
        let path = directory.appendingPathComponent(name).path
        let body = "#!/bin/sh\necho \"\(name) $*\" >>'\(log.path)'\n" + (readsInput ? "cat >>'\(log.path)'\n" : "") + "exit \(status)\n"
        try body.write(toFile: path, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
        return path
    }

    var logged: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    func tearDown() async throws {
        try await store.close()
        try? FileManager.default.removeItem(at: directory)
    }
}

@Suite("Send-hold queue")
struct SendHoldQueueTests {
    func settings(_ fixture: HoldFixture, releaseStatus: Int32 = 0) throws -> SendHoldSettings {
        var settings = SendHoldSettings()
        settings.releaseCommand = [try fixture.script("release", status: releaseStatus), "-H", "{queue_id}"]
        settings.flushCommand = [try fixture.script("flush"), "-i", "{queue_id}"]
        settings.deleteCommand = [try fixture.script("delete"), "-d", "{queue_id}", "hold"]
        return settings
    }

    @Test("due messages are released in due order; a recalled one is deleted and never released")
    func releaseAndRecall() async throws {
        let fixture = try await HoldFixture()
        let clock = TestClock()
        let queue = SendHoldQueue(settings: try settings(fixture), store: fixture.store, logger: Logger(label: "test"), clock: { clock.date })
        let late = try #require(await queue.hold(id: "late", queueID: "QLATE", sender: "a@corp.test", recipients: ["x@a.example"], subject: "s", reason: "r", delaySeconds: 300))
        let early = try #require(await queue.hold(id: "early", queueID: "QEARLY", sender: "a@corp.test", recipients: ["x@a.example"], subject: "s", reason: "r", delaySeconds: 60))
        let recalled = try #require(await queue.hold(id: "oops", queueID: "QOOPS", sender: "a@corp.test", recipients: ["x@a.example"], subject: "s", reason: "r", delaySeconds: 120))
        #expect(late.token != early.token && late.token.count == 32)
        #expect(await queue.releaseDue() == 0)

        await #expect(throws: SendHoldQueue.RecallError.forbidden) { try await queue.recall(id: "oops", token: early.token, actor: "sender") }
        await #expect(throws: SendHoldQueue.RecallError.notFound) { try await queue.recall(id: "nope", token: nil, actor: "operator") }
        let done = try await queue.recall(id: "oops", token: recalled.token, actor: "sender")
        #expect(done.state == .recalled && done.stateBy == "sender")
        await #expect(throws: SendHoldQueue.RecallError.notHeld(.recalled)) { try await queue.recall(id: "oops", token: recalled.token, actor: "sender") }

        clock.advance(400)
        #expect(await queue.releaseDue() == 2)
        #expect(fixture.logged.split(separator: "\n") == ["delete -d QOOPS hold", "release -H QEARLY", "flush -i QEARLY", "release -H QLATE", "flush -i QLATE"])
        let states = try await fixture.store.heldMessages(state: nil, dueBy: nil, limit: 10).map { "\($0.id)=\($0.state.rawValue)" }
        #expect(states == ["early=released", "oops=recalled", "late=released"])
        await #expect(throws: SendHoldQueue.RecallError.notHeld(.released)) { try await queue.recall(id: "late", token: late.token, actor: "sender") }
        try await fixture.tearDown()
    }

    @Test("a restart during the delay: a new queue on the same store releases what fell due")
    func restart() async throws {
        let fixture = try await HoldFixture()
        let clock = TestClock()
        let first = SendHoldQueue(settings: try settings(fixture), store: fixture.store, logger: Logger(label: "test"), clock: { clock.date })
        _ = try #require(await first.hold(id: "m1", queueID: "Q1", sender: "a@corp.test", recipients: ["x@a.example"], subject: "s", reason: "r", delaySeconds: 60))
        clock.advance(120)
        let reopened = try SQLiteStore(path: fixture.directory.appendingPathComponent("moat.sqlite").path, logger: Logger(label: "test"))
        let second = SendHoldQueue(settings: try settings(fixture), store: reopened, logger: Logger(label: "test"), clock: { clock.date })
        #expect(await second.releaseDue() == 1)
        #expect(fixture.logged == "release -H Q1\nflush -i Q1\n")
        try await reopened.close()
        try await fixture.tearDown()
    }

    @Test("a failing release is kept held, retried later, and the failure recorded")
    func failedRelease() async throws {
        let fixture = try await HoldFixture()
        let clock = TestClock()
        let queue = SendHoldQueue(settings: try settings(fixture, releaseStatus: 3), store: fixture.store, logger: Logger(label: "test"), clock: { clock.date })
        _ = try #require(await queue.hold(id: "m1", queueID: "Q1", sender: "a@corp.test", recipients: ["x@a.example"], subject: "s", reason: "r", delaySeconds: 0))
        #expect(await queue.releaseDue() == 0)
        #expect(await queue.releaseDue() == 0, "not retried before its back-off")
        let message = try #require(try await fixture.store.heldMessage(id: "m1"))
        #expect(message.state == .held && message.attempts == 1)
        #expect(message.lastError?.contains("exited 3") == true)
        #expect(fixture.logged == "release -H Q1\n")
        clock.advance(3)
        #expect(await queue.releaseDue() == 0)
        #expect(try await fixture.store.heldMessage(id: "m1")?.attempts == 2)
        try await fixture.tearDown()
    }

    @Test("the notice tells the sender the token and where to post it")
    func notice() async throws {
        let fixture = try await HoldFixture()
        var settings = try settings(fixture)
        settings.noticeCommand = [try fixture.script("notice", readsInput: true), "-i"]
        settings.recallURL = "https://mx.corp.test/outbound/held/{id}/recall"
        let queue = SendHoldQueue(settings: settings, store: fixture.store, logger: Logger(label: "test"))
        let held = try #require(await queue.hold(id: "m1", queueID: "Q1", sender: "alice@corp.test", recipients: ["x@a.example"],
                                                 subject: "Q3 figures\r\nBcc: evil@x", reason: "send-hold for 300 s", delaySeconds: 300))
        queue.notify(held.message, token: held.token)
        for _ in 0..<200 where !fixture.logged.contains("Recall-Token") { try await Task.sleep(for: .milliseconds(20)) }
        let text = fixture.logged
        #expect(text.hasPrefix("notice -i alice@corp.test\n"))
        #expect(text.contains("Recall-Token: \(held.token)"))
        #expect(text.contains("https://mx.corp.test/outbound/held/m1/recall"))
        #expect(!text.contains("\r\nBcc: evil@x"), "header injection through the subject")
        try await fixture.tearDown()
    }
}

/// Settings that become whole milliseconds or dates are bounded when read: 1e300 seconds passed the
/// old "positive" check and trapped converting to Int when the first command ran.
struct SendHoldSettingsBoundsTests {
    @Test(arguments: [
        #"{"command_timeout_seconds": 1e300}"#, #"{"check_interval_seconds": 1e300}"#, #"{"check_interval_seconds": 0}"#,
        #"{"delay_seconds": 1e300}"#, #"{"guard_delay_seconds": -1}"#, #"{"delays": {"example.com": 1e300}}"#,
    ])
    func outOfRangeIsRefused(json: String) {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(SendHoldSettings.self, from: Data(json.utf8)) }
    }

    @Test func saveIntervalIsBounded() throws {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(OutboundSettings.self, from: Data(#"{"save_interval_seconds": 1e300}"#.utf8))
        }
        let settings = try JSONDecoder().decode(OutboundSettings.self, from: Data(#"{"save_interval_seconds": 86400}"#.utf8))
        #expect(settings.saveIntervalSeconds == 86_400)
        let hold = try JSONDecoder().decode(SendHoldSettings.self, from: Data(#"{"command_timeout_seconds": 86400, "delay_seconds": 3600}"#.utf8))
        #expect(hold.commandTimeoutSeconds == 86_400)
    }
}
