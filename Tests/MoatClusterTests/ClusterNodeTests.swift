import AdminTestSupport
import Foundation
import Logging
import MoatAdmin
@testable import MoatCluster
import MoatCore
import MoatMessage
import MoatSpam
import MoatStore
import PostgresTestSupport
import Testing

@Suite("Cluster messages and the feedback ledger")
struct ClusterMessageTests {
    @Test("a message survives the channel; an oversized one is not sent")
    func roundTrip() throws {
        let change = StateChange(engine: "spam", from: .active, to: .shadow, actor: "policy", reason: "precision 0.80 < 0.95",
                                 at: Date(timeIntervalSince1970: 1_800_000_000.123))
        let message = ClusterMessage(node: "a", kind: .state, change: change)
        let payload = try #require(ClusterMessage.encode(message))
        #expect(ClusterMessage.decode(payload) == message)
        let huge = StateChange(engine: "spam", from: .active, to: .shadow, actor: "x", reason: String(repeating: "r", count: 9_000))
        #expect(ClusterMessage.encode(ClusterMessage(node: "a", kind: .state, change: huge)) == nil)
        #expect(ClusterMessage.decode("not json") == nil)
    }

    @Test("feedback counts once whichever way it arrives, and the ledger stays bounded")
    func ledger() {
        var ledger = FeedbackLedger(limit: 3)
        let feedback = (0..<5).map { Feedback(scanID: "s\($0)", trueClass: .spam, source: "op", at: Date(timeIntervalSince1970: 1_800_000_000 + Double($0))) }
        let first = ledger.insert(feedback[0])
        let again = ledger.insert(feedback[0])
        #expect(first)
        #expect(!again, "the notification and the reconciliation name the same feedback")
        var relabelled = feedback[0]
        relabelled.trueClass = .ham
        let relabel = ledger.insert(relabelled)
        #expect(relabel, "a new label for the same scan counts")
        for item in feedback.dropFirst() { _ = ledger.insert(item) }
        #expect(ledger.count == 3)
    }
}

/// Two nodes on one real PostgreSQL database, each a whole daemon without sockets.
@Suite("Cluster nodes on PostgreSQL", .serialized, .enabled(if: PostgresCluster.binariesPresent))
struct ClusterNodeTests {
    static let manifests = [
        "misfire.toml": """
            adapter = "pattern"
            [options]
            patterns = ["meeting"]
            scope = "parts"
            category = "spam"
            score = 6
            [removal]
            min_samples = 3
            min_precision = 0.9
            precision_action = "shadow"
            """,
    ]

    struct Node {
        var daemon: DaemonUnderTest
        var cluster: ClusterNode
    }

    func makeNode(_ id: String, url: String) async throws -> Node {
        let daemon = try await DaemonUnderTest.start(manifests: Self.manifests, postgresURL: url)
        var settings = ClusterSettings()
        settings.nodeID = id
        settings.heartbeatMilliseconds = 100
        let cluster = try ClusterNode(settings: settings, postgresURL: url, address: id, supervisor: daemon.supervisor, logger: Logger(label: "test"))
        daemon.supervisor.attach(cluster)
        return Node(daemon: daemon, cluster: cluster)
    }

    func state(_ node: Node) -> EngineState? {
        node.daemon.runtime.registry.snapshot.engines.first { $0.name == "misfire" }?.state
    }

    func eventually(_ seconds: Double = 10, _ condition: () async -> Bool) async -> Bool {
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(Int(seconds * 1000)))
        while ContinuousClock.now < deadline {
            if await condition() { return true }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return await condition()
    }

    @Test("a node that missed the notifications converges at its next reconciliation, counting feedback once")
    func reconcileAfterMissedNotification() async throws {
        let url = try await PostgresCluster.shared.makeDatabase()
        let a = try await makeNode("a", url: url)
        let b = try await makeNode("b", url: url)
        // Neither node listens: every notification is missed.
        let id = await a.daemon.scan("From: x@example.com\r\nSubject: notes\r\n\r\nThe meeting notes.\r\n").scanID
        _ = try await a.daemon.supervisor.feedback(scanID: id, truth: .ham, source: "ops")
        _ = try await a.daemon.supervisor.setState(engine: "misfire", to: .disabled, actor: "ops", reason: "maintenance")
        #expect(state(b) == .active)
        #expect(b.daemon.tracker.statistics(engine: "misfire").samples == 0)
        await b.cluster.reconcile()
        #expect(state(b) == .disabled)
        #expect(b.daemon.tracker.statistics(engine: "misfire").samples == 1)
        await b.cluster.reconcile()
        #expect(b.daemon.tracker.statistics(engine: "misfire").samples == 1, "read back twice, counted once")
        await a.daemon.stop()
        await b.daemon.stop()
    }

    @Test("one evaluator at a time: the policy acts once for the cluster, and another node takes over")
    func singleEvaluator() async throws {
        let url = try await PostgresCluster.shared.makeDatabase()
        let a = try await makeNode("a", url: url)
        let b = try await makeNode("b", url: url)
        let runA = Task { try await a.cluster.run() }
        let runB = Task { try await b.cluster.run() }
        #expect(await eventually { a.cluster.isEvaluator != b.cluster.isEvaluator })
        for _ in 0..<25 {
            #expect(!(a.cluster.isEvaluator && b.cluster.isEvaluator))
            try await Task.sleep(for: .milliseconds(20))
        }
        // Three hams the engine called spam, labelled on both nodes: both count all three (pooled),
        // only the evaluator demotes.
        for (index, node) in [a, b, a].enumerated() {
            let id = await node.daemon.scan("From: x@example.com\r\nSubject: notes \(index)\r\n\r\nThe meeting notes \(index).\r\n").scanID
            _ = try await node.daemon.supervisor.feedback(scanID: id, truth: .ham, source: "ops")
        }
        #expect(await eventually { state(a) == .shadow && state(b) == .shadow })
        #expect(await eventually { a.daemon.tracker.statistics(engine: "misfire").samples == 3 && b.daemon.tracker.statistics(engine: "misfire").samples == 3 })
        let policyChanges = try await a.daemon.store.stateChanges(engine: "misfire", limit: 10).filter { $0.actor == "policy" }
        #expect(policyChanges.count == 1)
        // The evaluator goes; the other takes over.
        let (gone, stays, goneTask) = a.cluster.isEvaluator ? (a, b, runA) : (b, a, runB)
        goneTask.cancel()
        _ = try? await goneTask.value
        #expect(!gone.cluster.isEvaluator)
        #expect(await eventually { stays.cluster.isEvaluator })
        let status = try await stays.cluster.status()
        #expect(status.nodes.map(\.id) == ["a", "b"])
        #expect(status.nodes.filter(\.evaluator).map(\.id) == [stays.cluster.nodeID])
        (a.cluster.isEvaluator ? runA : runB).cancel()
        _ = try? await runA.value
        _ = try? await runB.value
        await a.daemon.stop()
        await b.daemon.stop()
    }

    static func mail(_ index: Int, words: String) -> String {
        "From: sender\(index)@example.com\r\nTo: rcpt@example.net\r\nSubject: note \(index)\r\nMessage-ID: <m\(index)@example.com>\r\n\r\n\(words) number \(index).\r\n"
    }

    @Test("feedback to one node trains the Bayes counts every node scans with")
    func sharedLearning() async throws {
        let url = try await PostgresCluster.shared.makeDatabase()
        let directory = NSTemporaryDirectory() + "moat-shared-bayes-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let storeA = try BayesStore(path: directory + "/a.sqlite", minimumPerClass: 2)
        let storeB = try BayesStore(path: directory + "/b.sqlite", minimumPerClass: 2)
        // Node a starts with counts of its own (a seed); node b with none.
        for index in 0..<3 {
            try storeA.train(message: Message(parsing: Array(Self.mail(index, words: "cheap pills casino winner").utf8)), isSpam: true)
            try storeA.train(message: Message(parsing: Array(Self.mail(10 + index, words: "quarterly report agenda minutes").utf8)), isSpam: false)
        }
        let a = try await makeNode("a", url: url)
        let b = try await makeNode("b", url: url)
        a.daemon.supervisor.setLearners(.init(stores: ["spam": storeA]))
        b.daemon.supervisor.setLearners(.init(stores: ["spam": storeB]))
        let runA = Task { try await a.cluster.run() }
        // The first node finds the shared store empty and uploads its counts; the second copies them.
        await a.cluster.learning?.sync(a.daemon.supervisor.learners)
        let runB = Task { try await b.cluster.run() }
        #expect(await eventually { (try? storeB.snapshot()) == (try? storeA.snapshot()) })
        #expect(try storeB.counts().spamMessages == 3)

        // Feedback with the message, given to node b, reaches node a's local store.
        let probe = Self.mail(50, words: "zorblax quuxifier frobnicate wibble")
        let probeMessage = Message(parsing: Array(probe.utf8))
        let before = try #require(try storeA.spamProbability(probeMessage))
        for index in 20..<24 {
            let raw = Self.mail(index, words: "zorblax quuxifier frobnicate wibble")
            // Logged before the feedback that names it by content.
            _ = try await b.daemon.supervisor.scanRecord(id: await b.daemon.scan(raw).scanID)
            let result = try await b.daemon.supervisor.feedback(raw: Array(raw.utf8), truth: .spam, source: "ops")
            #expect(result.learned == ["spam"])
        }
        #expect(await eventually { (try? storeA.counts().spamMessages) == 7 })
        let after = try #require(try storeA.spamProbability(probeMessage))
        #expect(after > before + 0.2, "before \(before), after \(after)")
        #expect(await eventually { (try? storeB.snapshot()) == (try? storeA.snapshot()) })

        // The same message again as spam changes nothing; as ham it moves, on both nodes.
        let again = Self.mail(20, words: "zorblax quuxifier frobnicate wibble")
        let repeated = try await a.daemon.supervisor.feedback(raw: Array(again.utf8), truth: .spam, source: "ops")
        #expect(repeated.learned.isEmpty)
        let moved = try await a.daemon.supervisor.feedback(raw: Array(again.utf8), truth: .ham, source: "ops")
        #expect(moved.learned == ["spam"])
        #expect(await eventually {
            (try? storeB.counts()).map { $0.spamMessages == 6 && $0.hamMessages == 4 } == true && (try? storeB.snapshot()) == (try? storeA.snapshot())
        })
        runA.cancel()
        runB.cancel()
        _ = try? await runA.value
        _ = try? await runB.value
        await a.daemon.stop()
        await b.daemon.stop()
    }
}
