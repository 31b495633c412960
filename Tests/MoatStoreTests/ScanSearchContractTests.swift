import Foundation
import MoatCore
@testable import MoatStore
import Testing

/// The console's queries of the verdict log, on both backends: search by every filter, a page at
/// a time; decisions per hour and action; the most frequent finding codes; the detail round trip.
@Suite("ScanStore contract: search")
struct ScanSearchContractTests {
    static func detail(codes: [String]) -> ScanDetail {
        let findings = codes.map { Finding(code: $0, detail: "seen <b>here</b>", score: 1) }
        let findingsJSON = String(decoding: (try? JSONEncoder().encode(findings)) ?? Data("[]".utf8), as: UTF8.self)
        let json = """
            {"id": "x", "action": "tag", "score": 1, "category": "spam", "reasons": [], "message_findings": [], "replaced_parts": [],
             "headers": [{"name": "X-Moat-Action", "value": "tag"}],
             "engines": [{"engine": "engine-0", "verdict": "spam", "state": "active", "score": 1, "elapsed_ms": 2,
                          "findings": \(findingsJSON), "replaced_parts": []}]}
            """
        let document = try! JSONDecoder().decode(DecisionDocument.self, from: Data(json.utf8))
        return ScanDetail(decision: document, parts: [ScanDetail.Part(path: "1", contentType: "text/plain", filename: nil, disposition: nil, bytes: 12, depth: 1)],
                          codes: Array(Set(codes)).sorted(), truncated: false)
    }

    @Test("searches by sender, recipient, subject, action, category, engine, score, identifier, time and tenant", arguments: Backend.available)
    func search(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store
            var records: [ScanRecord] = []
            for index in 0..<12 {
                var record = scanRecord("s\(index)", secondsAfterBase: Double(index) * 600, engines: 2,
                                        action: index % 3 == 0 ? .reject : .accept, category: index % 3 == 0 ? .spam : nil)
                record.mailFrom = index % 2 == 0 ? "news@shop.example" : "Alice@Corp.Example"
                record.recipients = ["r\(index)@dest.example"]
                record.subject = index == 5 ? "Invoice 100% _due_ <script>" : "hello \(index)"
                record.score = Double(index)
                record.tenants = index < 4 ? ["acme"] : []
                record.detail = Self.detail(codes: index % 3 == 0 ? ["spam.A", "spam.B"] : ["url.C"])
                records.append(record)
            }
            try await store.record(records)
            func ids(_ configure: (inout ScanQuery) -> Void) async throws -> [String] {
                var query = ScanQuery(limit: 100)
                configure(&query)
                return try await store.searchScans(query).map(\.id)
            }
            #expect(try await ids { _ in } == (0..<12).reversed().map { "s\($0)" })
            #expect(try await ids { $0.sender = "corp.example" } == ["s11", "s9", "s7", "s5", "s3", "s1"])
            #expect(try await ids { $0.recipient = "R7@" } == ["s7"])
            // LIKE's own characters are literals in a search.
            #expect(try await ids { $0.subject = "100% _due_" } == ["s5"])
            #expect(try await ids { $0.subject = "%" } == ["s5"])
            #expect(try await ids { $0.action = .reject } == ["s9", "s6", "s3", "s0"])
            #expect(try await ids { $0.category = .spam; $0.minimumScore = 3; $0.maximumScore = 6 } == ["s6", "s3"])
            #expect(try await ids { $0.engine = "engine-0" } == ["s9", "s6", "s3", "s0"])
            #expect(try await ids { $0.engine = "engine-1" } == [])
            #expect(try await ids { $0.identifier = "QS4" } == ["s4"])
            #expect(try await ids { $0.identifier = "<s8@example.org>" } == ["s8"])
            #expect(try await ids { $0.from = baseDate.addingTimeInterval(3000); $0.to = baseDate.addingTimeInterval(4200) } == ["s6", "s5"])
            #expect(try await ids { $0.tenant = "acme" } == ["s3", "s2", "s1", "s0"])
            var page = ScanQuery(limit: 5, offset: 10)
            #expect(try await store.searchScans(page).map(\.id) == ["s1", "s0"])
            page.offset = 0
            let first = try await store.searchScans(page)
            #expect(first.count == 5)
            #expect(first.first?.subject == "hello 11")
            #expect(first.first?.detail == nil, "lists leave the detail out")
            #expect(try await store.scan(id: "s5")?.detail == Self.detail(codes: ["url.C"]))
            #expect(try await store.scan(id: "s5")?.subject == "Invoice 100% _due_ <script>")
        }
    }

    @Test("counts decisions per hour and action, and the most frequent findings", arguments: Backend.available)
    func counts(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store
            let hour = (baseDate.timeIntervalSince1970 / 3600).rounded(.down) * 3600
            var records: [ScanRecord] = []
            for index in 0..<9 {
                var record = scanRecord("c\(index)", action: index < 3 ? .reject : .accept)
                record.receivedAt = Date(timeIntervalSince1970: hour + Double(index / 5) * 3600 + Double(index) * 10)
                record.tenants = index == 0 ? ["acme"] : []
                record.detail = Self.detail(codes: index < 3 ? ["spam.A", "url.C"] : ["url.C"])
                records.append(record)
            }
            var old = scanRecord("old", action: .reject)
            old.receivedAt = Date(timeIntervalSince1970: hour - 7200)
            old.detail = Self.detail(codes: ["spam.OLD"])
            records.append(old)
            try await store.record(records)
            let since = Date(timeIntervalSince1970: hour)
            let counts = try await store.actionCounts(since: since, tenant: nil)
            #expect(counts == [
                ActionCount(hour: since, action: .accept, count: 2), ActionCount(hour: since, action: .reject, count: 3),
                ActionCount(hour: since.addingTimeInterval(3600), action: .accept, count: 4),
            ])
            #expect(try await store.actionCounts(since: since, tenant: "acme") == [ActionCount(hour: since, action: .reject, count: 1)])
            #expect(try await store.findingCounts(since: since, tenant: nil, limit: 10) == [
                FindingCount(code: "url.C", count: 9), FindingCount(code: "spam.A", count: 3),
            ])
            #expect(try await store.findingCounts(since: since, tenant: nil, limit: 1) == [FindingCount(code: "url.C", count: 9)])
            #expect(try await store.findingCounts(since: since, tenant: "acme", limit: 10).map(\.code) == ["spam.A", "url.C"])
        }
    }

    @Test("counts each engine's verdicts, failures and time per day", arguments: Backend.available)
    func engineDays(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store
            let day = (baseDate.timeIntervalSince1970 / 86_400).rounded(.down) * 86_400
            var records: [ScanRecord] = []
            for index in 0..<6 {
                var record = scanRecord("d\(index)")
                record.receivedAt = Date(timeIntervalSince1970: day + (index < 4 ? 100 : 86_400 + 100) + Double(index))
                let labels = ["clean", "error", "timeout", "not_ready", "spam", "clean"]
                record.engines[0].label = labels[index]
                record.engines[0].elapsedMilliseconds = Double(10 * (index + 1))
                records.append(record)
            }
            var old = scanRecord("before")
            old.receivedAt = Date(timeIntervalSince1970: day - 10)
            records.append(old)
            try await store.record(records)
            let days = try await store.engineDays(since: Date(timeIntervalSince1970: day))
            let first = Date(timeIntervalSince1970: day), second = Date(timeIntervalSince1970: day + 86_400)
            #expect(days.map(\.day) == [first, first, second, second])
            #expect(days.map(\.engine) == ["engine-0", "engine-1", "engine-0", "engine-1"])
            // A starting engine's not_ready verdict is neither a scan nor a failure.
            #expect(days.map(\.scans) == [3, 4, 2, 2])
            #expect(days.map(\.errors) == [1, 0, 0, 0])
            #expect(days.map(\.timeouts) == [1, 0, 0, 0])
            #expect(days[0].meanMilliseconds == 20 && days[0].maxMilliseconds == 30)
            #expect(days[2].meanMilliseconds == 55 && days[2].maxMilliseconds == 60)
            #expect(days[1].meanMilliseconds == 6.5)
        }
    }

    @Test("records who released and deleted quarantined mail, kept after the entry is gone", arguments: Backend.available)
    func quarantineActions(_ backend: Backend) async throws {
        try await withStore(backend) { fixture in
            let store = fixture.store
            try await store.quarantine(QuarantineEntry(scanID: "q1", at: baseDate, reason: "phishing", queueID: "ABC"))
            try await store.recordQuarantineAction(QuarantineAction(scanID: "q1", kind: .release, actor: "console:ops", detail: "released", at: baseDate))
            #expect(try await store.deleteQuarantined(scanID: "q1"))
            try await store.recordQuarantineAction(QuarantineAction(scanID: "q1", kind: .delete, actor: "acme:bob", at: baseDate.addingTimeInterval(5)))
            try await store.recordQuarantineAction(QuarantineAction(scanID: "q2", kind: .delete, actor: "operator", at: baseDate.addingTimeInterval(9)))
            let forOne = try await store.quarantineActions(scanID: "q1", limit: 10)
            #expect(forOne.map(\.kind) == [.delete, .release])
            #expect(forOne.map(\.actor) == ["acme:bob", "console:ops"])
            #expect(forOne.last?.detail == "released")
            #expect(try await store.quarantineActions(scanID: nil, limit: 2).map(\.scanID) == ["q2", "q1"])
            #expect(try await store.prune(olderThan: baseDate.addingTimeInterval(6)) == 2)
            #expect(try await store.quarantineActions(scanID: nil, limit: 10).map(\.scanID) == ["q2"])
        }
    }
}
