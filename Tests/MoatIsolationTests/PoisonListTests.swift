import MoatMessage
import Testing
@testable import MoatIsolation

/// Two kills make a poison message; the list is bounded; a clean retry clears the suspicion.
struct PoisonListTests {
    @Test func twoKillsMakePoison() {
        var list = PoisonList(capacity: 10)
        list.recordKill("h1", engine: "clamav")
        #expect(list.poison("h1") == nil)
        list.recordKill("h1", engine: "clamav")
        #expect(list.poison("h1") == PoisonList.Entry(kills: 2, engine: "clamav"))
    }

    @Test func aCleanRetryClearsTheKill() {
        var list = PoisonList(capacity: 10)
        list.recordKill("h1", engine: "url")
        list.clear("h1")
        list.recordKill("h1", engine: "url")
        #expect(list.poison("h1") == nil)
    }

    @Test func oldestEntriesAreForgottenFirst() {
        var list = PoisonList(capacity: 3)
        for index in 0..<5 { list.recordKill("h\(index)", engine: "e", kills: 2) }
        #expect(list.count == 3)
        #expect(list.poison("h0") == nil)
        #expect(list.poison("h1") == nil)
        #expect(list.poison("h4") != nil)
    }

    @Test func contentHashIgnoresTheHeaderSection() {
        func hash(_ text: String) -> String { WorkerPool.contentHash(Message(parsing: Array(text.utf8))) }
        let first = hash("Received: from a by b; Mon\r\nSubject: x\r\n\r\nsame body")
        let retried = hash("Received: from a by b; Tue\r\nSubject: x\r\n\r\nsame body")
        let other = hash("Subject: x\r\n\r\nother body")
        #expect(first == retried)
        #expect(first != other)
        #expect(first.count == 64)
    }
}
