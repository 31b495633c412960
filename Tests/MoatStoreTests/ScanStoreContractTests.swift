import Foundation
import MoatCore
@testable import MoatStore
import Testing

/// The `ScanStore` contract: every test runs the same body against SQLite and PostgreSQL.
@Suite("ScanStore contract")
struct ScanStoreContractTests {
    @Test("records scans with their engine verdicts and reads them back", arguments: Backend.available)
    func recordAndFetch(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store
            let scans = [
                scanRecord("s1", engines: 3, action: .reject, category: .malware),
                scanRecord("s2", secondsAfterBase: 1, engines: 0),
                ScanRecord(id: "s3", receivedAt: baseDate, contentHash: "00",
                           recipients: ["\"quoted\" <a@example.net>", "back\\slash@example.net", "tab\t\u{1}@example.net", "Jürgen@exämple.de"],
                           action: .tempfail, score: 0, category: nil, engines: []),
                ScanRecord(id: "s4", receivedAt: baseDate, contentHash: "01", action: .reject, score: 0, category: nil, engines: [],
                           isolation: "isolation.poison: poison message: its content crashed the clamav engine 2 times"),
                ScanRecord(id: "s5", receivedAt: baseDate, contentHash: "02", action: .tag, score: 1.5, category: .spam, engines: [],
                           features: ["finding:spam.BAYES_99": 1, "score:spam": 0.75, "count:url.extracted": 0.198]),
            ]
            try await store.record(scans)
            for scan in scans {
                #expect(try await store.scan(id: scan.id)?.normalised == scan.normalised)
            }
            #expect(try await store.scan(id: "missing") == nil)
            let first = try #require(try await store.scan(id: "s1"))
            #expect(first.engines.map(\.engine) == ["engine-0", "engine-1", "engine-2"])
            #expect(first.engines[1].state == .shadow)

            // Recording the same id again replaces the scan and its verdicts.
            var replaced = scanRecord("s1", engines: 1, action: .accept)
            replaced.recipients = ["c@example.net"]
            try await store.record([replaced])
            #expect(try await store.scan(id: "s1")?.normalised == replaced.normalised)
            #expect(try await store.rowCounts()["scans"] == 5)
            #expect(try await store.scan(id: "s4")?.isolation?.hasPrefix("isolation.poison") == true)
            // The combiner's features come back for training from feedback.
            #expect(try await store.scan(id: "s5")?.features == ["finding:spam.BAYES_99": 1, "score:spam": 0.75, "count:url.extracted": 0.198])
            #expect(try await store.scan(id: "s4")?.features == nil)
            try await store.recordFeedback(Feedback(scanID: "s5", trueClass: .ham, source: "test"))
            #expect(try await store.labelledScans(since: nil, limit: 10).first { $0.0.id == "s5" }?.0.features?["score:spam"] == 0.75)
            #expect(try await store.rowCounts()["engine_verdicts"] == 1)

            // A batch naming one id twice keeps the last.
            try await store.record([scanRecord("dup", engines: 1), scanRecord("dup", secondsAfterBase: 5, engines: 2)])
            #expect(try await store.scan(id: "dup")?.normalised == scanRecord("dup", secondsAfterBase: 5, engines: 2).normalised)
            try await store.record([])
        }
    }

    @Test("finds the newest scan of a content hash", arguments: Backend.available)
    func lookupByContentHash(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store
            try await store.record([
                scanRecord("old", secondsAfterBase: 0, contentHash: "hash-a"),
                scanRecord("new", secondsAfterBase: 60, contentHash: "hash-a"),
                scanRecord("other", secondsAfterBase: 120, contentHash: "hash-b"),
            ])
            #expect(try await store.scan(contentHash: "hash-a")?.id == "new")
            #expect(try await store.scan(contentHash: "hash-b")?.engines.count == 2)
            #expect(try await store.scan(contentHash: "hash-c") == nil)
        }
    }

    @Test("lists recent scans newest first", arguments: Backend.available)
    func recentScansOrder(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store
            try await store.record([3, 1, 4, 0, 2].map { scanRecord("r\($0)", secondsAfterBase: Double($0)) })
            #expect(try await store.recentScans(limit: 10).map(\.id) == ["r4", "r3", "r2", "r1", "r0"])
            #expect(try await store.recentScans(limit: 2).map(\.id) == ["r4", "r3"])
            #expect(try await store.recentScans(limit: 2).allSatisfy { $0.engines.count == 2 })
            #expect(try await store.recentScans(limit: 0).isEmpty)
        }
    }

    @Test("a later feedback replaces the earlier one", arguments: Backend.available)
    func feedbackReplace(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store
            try await store.record([scanRecord("f1")])
            try await store.recordFeedback(Feedback(scanID: "f1", trueClass: .spam, source: "consensus", at: baseDate))
            let corrected = Feedback(scanID: "f1", trueClass: .ham, source: "operator", at: baseDate.addingTimeInterval(10))
            try await store.recordFeedback(corrected)
            let labelled = try await store.labelledScans(since: nil, limit: 10)
            #expect(labelled.count == 1)
            #expect(labelled.first?.1.normalised == corrected.normalised)
            #expect(try await store.rowCounts()["feedback"] == 1)
        }
    }

    @Test("joins feedback with scans, newest first, since and limit", arguments: Backend.available)
    func labelledScansJoin(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store
            try await store.record((0..<5).map { scanRecord("l\($0)", secondsAfterBase: Double($0), engines: 2, category: .spam) })
            for index in 0..<5 {
                try await store.recordFeedback(Feedback(scanID: "l\(index)", trueClass: index.isMultiple(of: 2) ? .spam : .ham,
                                                        source: "corpus:test", at: baseDate.addingTimeInterval(Double(100 + index))))
            }
            // Feedback for a scan the store never saw is kept but has nothing to join.
            try await store.recordFeedback(Feedback(scanID: "unknown", trueClass: .malware, source: "operator",
                                                    at: baseDate.addingTimeInterval(500)))

            let all = try await store.labelledScans(since: nil, limit: 100)
            #expect(all.map(\.0.id) == ["l4", "l3", "l2", "l1", "l0"])
            #expect(all.allSatisfy { $0.0.id == $0.1.scanID })
            #expect(all.first?.0.normalised == scanRecord("l4", secondsAfterBase: 4, engines: 2, category: .spam).normalised)
            #expect(all.first?.1.trueClass == .spam)
            #expect(all[1].1.trueClass == .ham)

            let since = try await store.labelledScans(since: baseDate.addingTimeInterval(102), limit: 100)
            #expect(since.map(\.0.id) == ["l4", "l3", "l2"])
            let limited = try await store.labelledScans(since: baseDate.addingTimeInterval(102), limit: 2)
            #expect(limited.map(\.0.id) == ["l4", "l3"])
        }
    }

    @Test("filters state changes by engine and actor, newest first", arguments: Backend.available)
    func stateChanges(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store
            let changes = [
                StateChange(engine: "clamav", from: .active, to: .shadow, actor: "policy", reason: "precision 0.91 < 0.95",
                            at: baseDate),
                StateChange(engine: "pattern", from: .active, to: .disabled, actor: "operator", reason: "noisy",
                            at: baseDate.addingTimeInterval(1)),
                StateChange(engine: "clamav", from: .shadow, to: .active, actor: "operator", reason: "signatures fixed",
                            at: baseDate.addingTimeInterval(2)),
            ]
            for change in changes { try await store.recordStateChange(change) }
            #expect(try await store.stateChanges(engine: nil, limit: 10).map(\.normalised)
                == changes.reversed().map(\.normalised))
            #expect(try await store.stateChanges(engine: "clamav", limit: 10).map(\.normalised)
                == [changes[2], changes[0]].map(\.normalised))
            #expect(try await store.stateChanges(engine: "clamav", limit: 1).map(\.reason) == ["signatures fixed"])
            #expect(try await store.stateChanges(engine: "macro", limit: 10).isEmpty)
            // The policy's last action is found behind a newer manual change.
            #expect(try await store.stateChanges(engine: "clamav", actor: "policy", limit: 1).map(\.reason) == ["precision 0.91 < 0.95"])
            #expect(try await store.stateChanges(engine: nil, actor: "operator", limit: 10).count == 2)
            #expect(try await store.stateChanges(engine: "pattern", actor: "policy", limit: 10).isEmpty)
        }
    }

    @Test("quarantine: list without bytes, show with bytes, release, delete", arguments: Backend.available)
    func quarantine(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store
            let raw = Array("From: a@example.org\r\nSubject: x\r\n\r\nbody \u{0}\u{ff}".utf8) + [0, 255, 13, 10]
            let first = QuarantineEntry(scanID: "q1", at: baseDate, reason: "malware: Eicar", queueID: "ABC",
                                        mailFrom: "a@example.org", recipients: ["b@example.net"], raw: raw)
            let second = QuarantineEntry(scanID: "q2", at: baseDate.addingTimeInterval(5), reason: "policy", raw: nil)
            try await store.quarantine(first)
            try await store.quarantine(second)

            let listed = try await store.quarantined(limit: 10)
            #expect(listed.map(\.scanID) == ["q2", "q1"])
            #expect(listed.allSatisfy { $0.raw == nil })
            var withoutRaw = first
            withoutRaw.raw = nil
            #expect(listed.last?.normalised == withoutRaw.normalised)
            #expect(try await store.quarantined(limit: 1).map(\.scanID) == ["q2"])

            #expect(try await store.quarantined(scanID: "q1")?.normalised == first.normalised)
            #expect(try await store.quarantined(scanID: "q2")?.raw == nil)
            #expect(try await store.quarantined(scanID: "missing") == nil)

            let releasedAt = baseDate.addingTimeInterval(60)
            #expect(try await store.markReleased(scanID: "q1", at: releasedAt))
            #expect(try await !store.markReleased(scanID: "missing", at: releasedAt))
            #expect(try await store.quarantined(scanID: "q1")?.releasedAt.map(roundedDate) == roundedDate(releasedAt))
            #expect(try await store.quarantined(limit: 10).count == 2)

            #expect(try await store.deleteQuarantined(scanID: "q1"))
            #expect(try await !store.deleteQuarantined(scanID: "q1"))
            #expect(try await store.quarantined(limit: 10).map(\.scanID) == ["q2"])
        }
    }

    @Test("quarantine without keeping message bytes", arguments: Backend.available)
    func quarantineWithoutRaw(_ backend: Backend) async throws {
        try await withStore(backend, keepQuarantinedRaw: false) { fixture in
            try await fixture.store.quarantine(QuarantineEntry(scanID: "q", at: baseDate, reason: "spam", raw: [1, 2, 3]))
            let entry = try #require(try await fixture.store.quarantined(scanID: "q"))
            #expect(entry.raw == nil)
            #expect(entry.reason == "spam")
        }
    }

    @Test("prunes everything older than a date", arguments: Backend.available)
    func prune(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store
            let cutoff = baseDate.addingTimeInterval(100)
            try await store.record([scanRecord("old1"), scanRecord("old2", secondsAfterBase: 99),
                                    scanRecord("new1", secondsAfterBase: 100), scanRecord("new2", secondsAfterBase: 200)])
            try await store.recordFeedback(Feedback(scanID: "old1", trueClass: .ham, source: "operator", at: baseDate))
            try await store.recordFeedback(Feedback(scanID: "new1", trueClass: .spam, source: "operator", at: cutoff))
            try await store.recordStateChange(StateChange(engine: "e", from: .active, to: .shadow, actor: "policy",
                                                          reason: "old", at: baseDate))
            try await store.recordStateChange(StateChange(engine: "e", from: .shadow, to: .active, actor: "operator",
                                                          reason: "new", at: cutoff.addingTimeInterval(1)))
            try await store.quarantine(QuarantineEntry(scanID: "old1", at: baseDate, reason: "old", raw: [1]))
            try await store.quarantine(QuarantineEntry(scanID: "new2", at: cutoff.addingTimeInterval(100), reason: "new"))

            // 2 scans + 1 feedback + 1 state change + 1 quarantine entry.
            #expect(try await store.prune(olderThan: cutoff) == 5)
            #expect(try await store.recentScans(limit: 10).map(\.id) == ["new2", "new1"])
            #expect(try await store.labelledScans(since: nil, limit: 10).map(\.0.id) == ["new1"])
            #expect(try await store.stateChanges(engine: nil, limit: 10).map(\.reason) == ["new"])
            #expect(try await store.quarantined(limit: 10).map(\.scanID) == ["new2"])
            let counts = try await store.rowCounts()
            #expect(counts["engine_verdicts"] == 4) // the pruned scans' verdicts went with them
            #expect(try await store.prune(olderThan: cutoff) == 0)
        }
    }

    @Test("migrating again, and from a second store on the same database, keeps the data", arguments: Backend.available)
    func migrateTwice(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            try await fixture.store.record([scanRecord("m1")])
            try await fixture.store.migrate()
            try await fixture.store.migrate()
            let second = try fixture.reopen()
            try await second.migrate()
            #expect(try await second.scan(id: "m1")?.normalised == scanRecord("m1").normalised)
            try await second.record([scanRecord("m2", secondsAfterBase: 1)])
            try await second.close()
            #expect(try await fixture.store.recentScans(limit: 10).map(\.id) == ["m2", "m1"])
        }
    }

    @Test("many tasks write at once", arguments: Backend.available)
    func concurrentWrites(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store
            let tasks = 16
            let batchesPerTask = 5
            let recordsPerBatch = 10
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<tasks {
                    group.addTask {
                        for batch in 0..<batchesPerTask {
                            try await store.record((0..<recordsPerBatch).map { index in
                                scanRecord("t\(task)-b\(batch)-\(index)", secondsAfterBase: Double(index), engines: 3)
                            })
                            try await store.recordFeedback(Feedback(scanID: "t\(task)-b\(batch)-0", trueClass: .spam,
                                                                    source: "operator", at: baseDate))
                            try await store.recordStateChange(StateChange(engine: "e\(task)", from: .active, to: .shadow,
                                                                          actor: "policy", reason: "r", at: baseDate))
                            _ = try await store.recentScans(limit: 5)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let counts = try await store.rowCounts()
            #expect(counts["scans"] == tasks * batchesPerTask * recordsPerBatch)
            #expect(counts["engine_verdicts"] == tasks * batchesPerTask * recordsPerBatch * 3)
            #expect(counts["feedback"] == tasks * batchesPerTask)
            #expect(counts["state_changes"] == tasks * batchesPerTask)
        }
    }

    @Test("StoreWriter writes 50,000 records in batches", arguments: Backend.available)
    func writerBulk(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let counting = BatchCountingStore(fixture.store)
            let writer = StoreWriter(store: counting, batchSize: 500, flushInterval: .milliseconds(50), queueLimit: 100_000)
            let records = StoreBenchmark.makeRecords(count: 50_000, enginesPerRecord: 2, prefix: "w")
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await writer.run() }
                // enqueue never suspends: the whole loop runs without awaiting.
                for record in records { writer.enqueue(record) }
                #expect(writer.statistics.enqueued == 50_000)
                await writer.flush()
                group.cancelAll()
                try await group.waitForAll()
            }
            let statistics = writer.statistics
            #expect(statistics.written == 50_000)
            #expect(statistics.droppedOverflow == 0 && statistics.droppedAfterFailure == 0 && statistics.failedBatches == 0)
            #expect(statistics.queued == 0)
            #expect(counting.batchSizes.allSatisfy { $0 <= 500 })
            #expect(counting.batchSizes.reduce(0, +) == 50_000)
            #expect(try await fixture.store.rowCounts()["scans"] == 50_000)
            #expect(try await fixture.store.rowCounts()["engine_verdicts"] == 100_000)
            #expect(try await fixture.store.scan(id: records[49_999].id)?.normalised == records[49_999].normalised)
        }
    }
}

/// Tenants, their change log, and the tenant columns of scans and quarantine, on both backends.
@Suite("ScanStore contract: tenants")
struct TenantStoreContractTests {
    @Test("saves, replaces, lists and deletes tenants with a change log", arguments: Backend.available)
    func tenantsRoundTrip(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store
            var policy = TenantPolicy(rejectScore: 8, onDetect: [.spam: .quarantine], macroMode: .reject, blockSenders: ["@bad.example"])
            policy.engines = ["spam": .init(vote: false), "clamav": .init(weight: 2)]
            let acme = Tenant(id: "acme", name: "Acme Ltd", domains: ["Acme.Example"], addresses: ["ceo@other.example"], policy: policy)
            try await store.saveTenant(acme, change: TenantChange(tenant: "acme", actor: "ops", change: "created", at: baseDate))
            try await store.saveTenant(Tenant(id: "globex", domains: ["globex.example"]),
                                       change: TenantChange(tenant: "globex", actor: "ops", change: "created", at: baseDate.addingTimeInterval(1)))
            let read = try await store.tenants()
            #expect(read.map(\.id) == ["acme", "globex"])
            #expect(read[0].domains == ["acme.example"])
            #expect(read[0].addresses == ["ceo@other.example"])
            #expect(read[0].policy == policy)
            #expect(read[0].name == "Acme Ltd")
            #expect(read[0].updatedBy == "ops")

            var changed = acme
            changed.domains.append("acme.test")
            try await store.saveTenant(changed, change: TenantChange(tenant: "acme", actor: "alice", change: "domain added: acme.test",
                                                                     at: baseDate.addingTimeInterval(2)))
            #expect(try await store.tenants().first?.domains == ["acme.example", "acme.test"])
            #expect(try await store.tenantChanges(tenant: "acme", limit: 10).map(\.change) == ["domain added: acme.test", "created"])
            #expect(try await store.tenantChanges(tenant: nil, limit: 10).count == 3)

            #expect(try await store.deleteTenant(id: "globex", change: TenantChange(tenant: "globex", actor: "ops", change: "deleted")))
            #expect(try await store.deleteTenant(id: "globex", change: TenantChange(tenant: "globex", actor: "ops", change: "deleted")) == false)
            #expect(try await store.tenants().map(\.id) == ["acme"])
            #expect(try await store.tenantChanges(tenant: "globex", limit: 10).map(\.change) == ["deleted", "created"])
        }
    }

    @Test("keeps the tenants of scans and lists one tenant's quarantine", arguments: Backend.available)
    func tenantColumns(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store
            var scan = scanRecord("t1", engines: 1)
            scan.tenants = ["acme", "globex"]
            try await store.record([scan, scanRecord("t2", engines: 0)])
            #expect(try await store.scan(id: "t1")?.tenants == ["acme", "globex"])
            #expect(try await store.scan(id: "t2")?.tenants == [])
            // One tenant's recent scans, selected by the store (not the newest scans filtered).
            #expect(try await store.recentScans(limit: 10, tenant: "globex").map(\.id) == ["t1"])
            #expect(try await store.recentScans(limit: 10, tenant: "initech").isEmpty)
            #expect(try await store.recentScans(limit: 10).count == 2)
            for (id, tenants) in [("q1", ["acme"]), ("q2", ["globex"]), ("q3", ["acme", "globex"]), ("q4", [])] {
                var entry = QuarantineEntry(scanID: id, at: baseDate, reason: "held", recipients: ["a@example.net"], raw: [65])
                entry.tenants = tenants
                try await store.quarantine(entry)
            }
            #expect(Set(try await store.quarantined(limit: 10, tenant: "acme").map(\.scanID)) == ["q1", "q3"])
            #expect(Set(try await store.quarantined(limit: 10, tenant: "globex").map(\.scanID)) == ["q2", "q3"])
            #expect(try await store.quarantined(limit: 10).count == 4)
            #expect(try await store.quarantined(scanID: "q3")?.tenants == ["acme", "globex"])
        }
    }
}

/// A held message outlives the shortest retention of its tenants: the longest one decides.
@Suite("Tenant quarantine retention")
struct TenantRetentionTests {
    @Test func longestRetentionAmongTenantsDecides() {
        let now = Date(timeIntervalSince1970: 2_000_000_000)
        let tenants = [
            "short": Tenant(id: "short", policy: TenantPolicy(quarantineRetentionDays: 7)),
            "long": Tenant(id: "long", policy: TenantPolicy(quarantineRetentionDays: 60)),
            "plain": Tenant(id: "plain"),
        ]
        func entry(_ id: String, daysAgo: Double, _ tenants: [String]) -> QuarantineEntry {
            var entry = QuarantineEntry(scanID: id, at: now.addingTimeInterval(-daysAgo * 86_400), reason: "held")
            entry.tenants = tenants
            return entry
        }
        let entries = [
            entry("short-old", daysAgo: 8, ["short"]), entry("short-new", daysAgo: 6, ["short"]),
            entry("shared", daysAgo: 8, ["short", "long"]), entry("plain", daysAgo: 30, ["short", "plain"]),
            entry("none", daysAgo: 400, []),
        ]
        let expired = TenantRetention.expired(entries, tenants: tenants, defaultDays: 90, now: now).map(\.scanID)
        #expect(expired == ["short-old"])
    }

    @Test("the writer's prune removes a tenant's expired held messages", arguments: Backend.available)
    func pruneThroughTheStore(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store
            try await store.saveTenant(Tenant(id: "short", policy: TenantPolicy(quarantineRetentionDays: 7)),
                                       change: TenantChange(tenant: "short", actor: "t", change: "created"))
            try await store.saveTenant(Tenant(id: "long", policy: TenantPolicy(quarantineRetentionDays: 400)),
                                       change: TenantChange(tenant: "long", actor: "t", change: "created"))
            for (id, daysAgo, tenant) in [("old", 10.0, "short"), ("new", 1.0, "short"), ("kept-long", 200.0, "long"), ("none", 200.0, "")] {
                var entry = QuarantineEntry(scanID: id, at: Date().addingTimeInterval(-daysAgo * 86_400), reason: "held")
                entry.tenants = tenant.isEmpty ? [] : [tenant]
                try await store.quarantine(entry)
            }
            // The store's own 90-day prune leaves tenants' held messages to their retention.
            _ = try await store.prune(olderThan: Date().addingTimeInterval(-90 * 86_400))
            #expect(Set(try await store.quarantined(limit: 10).map(\.scanID)) == ["old", "new", "kept-long"])
            #expect(try await TenantRetention.prune(store, defaultDays: 90) == 1)
            #expect(Set(try await store.quarantined(limit: 10).map(\.scanID)) == ["new", "kept-long"])
        }
    }
}

@Suite("ScanStore contract: outbound")
struct OutboundStoreContractTests {
    @Test("saves, replaces and forgets sender counters; keeps alerts and held messages in due order", arguments: Backend.available)
    func outboundRoundTrip(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store
            let start = Date(timeIntervalSince1970: 1_800_000_000)
            var settings = HijackSettings()
            settings.caps.messages = 2
            var alice = SenderActivity(now: start)
            #expect(alice.record(recipients: ["x@a.example", "y@b.example"], bad: false, at: start, settings: settings) == nil)
            let bob = SenderActivity(now: start)
            try await store.saveOutboundSenders(["alice@corp.test": alice, "bob@corp.test": bob], forgetting: [])
            alice.advance(to: start.addingTimeInterval(7200), settings: settings)
            try await store.saveOutboundSenders(["alice@corp.test": alice], forgetting: ["bob@corp.test"])
            let reopened = try fixture.reopen()
            let senders = try await reopened.outboundSenders()
            #expect(Set(senders.keys) == ["alice@corp.test"])
            #expect(senders["alice@corp.test"] == alice)
            #expect(senders["alice@corp.test"]?.windowsSeen == 2)

            let departure = SenderActivity.Departure(metric: "messages", observed: 3, limit: 2, expected: nil, kind: .cap)
            for (index, sender) in ["alice@corp.test", "carol@corp.test", "alice@corp.test"].enumerated() {
                try await store.recordOutboundAlert(OutboundAlert(sender: sender, at: start.addingTimeInterval(Double(index)), departure: departure,
                                                                  action: .tempfail, blockedUntil: start.addingTimeInterval(3600), scanID: "s\(index)"))
            }
            #expect(try await reopened.outboundAlerts(sender: nil, limit: 10).map(\.scanID) == ["s2", "s1", "s0"])
            #expect(try await reopened.outboundAlerts(sender: "alice@corp.test", limit: 1).map(\.scanID) == ["s2"])

            func held(_ id: String, due: Double) -> HeldMessage {
                HeldMessage(id: id, queueID: "Q\(id)", sender: "alice@corp.test", recipients: ["x@a.example"], subject: "s", reason: "r",
                            heldAt: start, releaseAt: start.addingTimeInterval(due), tokenHash: "00")
            }
            try await store.saveHeldMessage(held("late", due: 300))
            try await store.saveHeldMessage(held("early", due: 60))
            var recalled = held("gone", due: 10)
            recalled.state = .recalled
            try await store.saveHeldMessage(recalled)
            #expect(try await reopened.heldMessages(state: .held, dueBy: nil, limit: 10).map(\.id) == ["early", "late"])
            #expect(try await reopened.heldMessages(state: .held, dueBy: start.addingTimeInterval(100), limit: 10).map(\.id) == ["early"])
            #expect(try await reopened.heldMessages(state: nil, dueBy: start.addingTimeInterval(100), limit: 10).map(\.id) == ["gone", "early"])
            #expect(try await reopened.heldMessages(state: nil, dueBy: nil, limit: 10).map(\.id) == ["gone", "early", "late"])
            var released = held("early", due: 60)
            released.state = .released
            released.stateBy = "moatd"
            try await store.saveHeldMessage(released)
            #expect(try await reopened.heldMessage(id: "early") == released)
            #expect(try await reopened.heldMessages(state: .held, dueBy: nil, limit: 10).map(\.id) == ["late"])
            #expect(try await reopened.heldMessage(id: "missing") == nil)
            try await reopened.close()
        }
    }
}
