import Foundation
import MailTestSupport
import MoatMessage
import Testing
@testable import MoatSpam

/// The Bayes store keeps token counts it has read in memory; training, whether through the same
/// store or another process's, must make the next probability the one a fresh store computes.
@Suite struct BayesCacheTests {
    static func path() -> String {
        NSTemporaryDirectory() + "moat-bayes-cache-\(UUID().uuidString)/bayes.sqlite"
    }

    static func mail(_ id: Int, _ subject: String, _ body: String) -> Message {
        Fixtures.message("""
            From: sender\(id)@example.org
            To: rcpt@example.net
            Subject: \(subject)
            Message-ID: <\(id)@example.org>

            \(body)
            """)
    }

    static let spam1 = mail(1, "cheap meds", "cheap pills online pharmacy discount viagra offer now")
    static let spam2 = mail(2, "pills offer", "pharmacy discount pills cheap cheap offer click now")
    static let spam3 = mail(3, "discount", "online pharmacy viagra discount offer best price")
    static let ham1 = mail(4, "meeting notes", "the meeting notes from tuesday are attached for review")
    static let probe = mail(5, "offer", "pharmacy discount offer for the meeting on tuesday")

    @Test func trainingThroughTheSameStoreIsSeenByTheNextScan() throws {
        let store = try BayesStore(path: Self.path(), minimumPerClass: 1)
        try store.train(message: Self.spam1, isSpam: true)
        try store.train(message: Self.ham1, isSpam: false)
        let before = try #require(try store.spamProbability(Self.probe))
        // Fills the cache, then changes counts of cached tokens.
        try store.train(message: Self.spam2, isSpam: true)
        let after = try #require(try store.spamProbability(Self.probe))

        let fresh = try BayesStore(path: Self.path(), minimumPerClass: 1)
        for (message, isSpam) in [(Self.spam1, true), (Self.ham1, false), (Self.spam2, true)] {
            try fresh.train(message: message, isSpam: isSpam)
        }
        #expect(after == (try fresh.spamProbability(Self.probe)))
        #expect(after != before)
        // Forgetting is a write too.
        try store.forget(message: Self.spam2)
        #expect((try store.spamProbability(Self.probe)) == before)
    }

    /// A store read whole (every generation) and one that looks tokens up give the same
    /// probabilities, before and after more training.
    @Test func wholeTableReadsAgreeWithLookups() throws {
        let path = Self.path()
        let trainer = try BayesStore(path: path, minimumPerClass: 1, snapshotInterval: nil)
        // Both ask the store every message: the trainer is another store, as another process is.
        let whole = try BayesStore(path: path, minimumPerClass: 1, snapshotInterval: 0, recheckInterval: 0)
        let lookups = try BayesStore(path: path, minimumPerClass: 1, snapshotInterval: nil, recheckInterval: 0)
        var random = TestRandom(seed: 41)
        let words = ["pharmacy", "meeting", "discount", "invoice", "tuesday", "offer", "report", "viagra", "lunch",
                     "price", "agenda", "click", "budget", "winner", "project", "account", "verify", "notes"]
        let texts = random.texts(from: words, count: 60, maxPieces: 12)
        func mails(_ range: Range<Int>) -> [Message] {
            range.map { Self.mail(100 + $0, texts[$0].split(separator: " ").prefix(2).joined(separator: " "), texts[$0]) }
        }
        for (n, message) in mails(0..<20).enumerated() { try trainer.train(message: message, isSpam: n % 2 == 0) }
        for message in mails(40..<60) {
            #expect(try whole.spamProbability(message) == lookups.spamProbability(message))
        }
        // Another generation: the whole-table store reads the table again, the other looks up.
        for (n, message) in mails(20..<40).enumerated() { try trainer.train(message: message, isSpam: n % 3 == 0) }
        for message in mails(40..<60) + [Self.probe] {
            #expect(try whole.spamProbability(message) == lookups.spamProbability(message))
        }
    }

    @Test func trainingByAnotherStoreOnTheSameFileIsSeen() throws {
        let path = Self.path()
        let scanner = try BayesStore(path: path, minimumPerClass: 1, recheckInterval: 0)
        try scanner.train(message: Self.spam1, isSpam: true)
        try scanner.train(message: Self.ham1, isSpam: false)
        let before = try #require(try scanner.spamProbability(Self.probe))
        // `moat bayes train` in another process: another connection pool on the same file.
        let trainer = try BayesStore(path: path, minimumPerClass: 1)
        try trainer.train(message: Self.spam3, isSpam: true)
        let after = try #require(try scanner.spamProbability(Self.probe))
        #expect(after == (try trainer.spamProbability(Self.probe)))
        #expect(after != before)
    }

    /// Within its recheck interval a store answers from its cache without asking SQLite, so another
    /// process's training shows only once the interval has passed; its own training, at once.
    @Test func anotherProcessesTrainingIsSeenAfterTheRecheckInterval() throws {
        let path = Self.path()
        let patient = try BayesStore(path: path, minimumPerClass: 1, recheckInterval: 3600)
        let eager = try BayesStore(path: path, minimumPerClass: 1, recheckInterval: 0)
        try patient.train(message: Self.spam1, isSpam: true)
        try patient.train(message: Self.ham1, isSpam: false)
        let before = try #require(try patient.spamProbability(Self.probe))
        #expect(try eager.spamProbability(Self.probe) == before)
        let trainer = try BayesStore(path: path, minimumPerClass: 1)
        try trainer.train(message: Self.spam3, isSpam: true)
        let after = try #require(try eager.spamProbability(Self.probe))
        #expect(after != before)
        // Still inside its interval: the counts it had.
        #expect(try patient.spamProbability(Self.probe) == before)
        // Its own write makes it read the store again, the other process's lesson included.
        try patient.train(message: Self.spam2, isSpam: true)
        try eager.train(message: Self.spam2, isSpam: true)
        #expect(try patient.spamProbability(Self.probe) == (try eager.spamProbability(Self.probe)))
        #expect(try patient.spamProbability(Self.probe) != after)
    }

    @Test func aStoreFromBeforeTheCacheIsUpgradedInPlace() throws {
        let path = Self.path()
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        // The schema Moat wrote before bayes_vars had a generation column (written by Python's sqlite3).
        let schema = "CREATE TABLE bayes_token (token INTEGER PRIMARY KEY, spam INTEGER NOT NULL, ham INTEGER NOT NULL);"
            + "CREATE TABLE bayes_seen (msgid TEXT PRIMARY KEY, spam INTEGER NOT NULL);"
            + "CREATE TABLE bayes_vars (id INTEGER PRIMARY KEY CHECK (id = 1), nspam INTEGER NOT NULL, nham INTEGER NOT NULL);"
            + "INSERT INTO bayes_vars VALUES (1, 0, 0);"
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        python.arguments = ["-c", "import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); db.executescript(sys.argv[2]); db.commit()", path, schema]
        try python.run()
        python.waitUntilExit()
        #expect(python.terminationStatus == 0)
        // Two stores opening it, as two worker processes do on the first start after an upgrade.
        let first = try BayesStore(path: path, minimumPerClass: 1)
        let second = try BayesStore(path: path, minimumPerClass: 1)
        try first.train(message: Self.spam1, isSpam: true)
        try second.train(message: Self.ham1, isSpam: false)
        #expect(try first.counts().spamMessages == 1)
        #expect(try first.spamProbability(Self.probe) == (try second.spamProbability(Self.probe)))
    }
}
