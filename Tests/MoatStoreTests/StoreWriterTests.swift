import Foundation
import MoatCore
@testable import MoatStore
import Synchronization
import Testing

@Suite("StoreWriter")
struct StoreWriterTests {
    @Test("enqueue drops the oldest records beyond the queue limit")
    func dropsOldest() async throws {
        let store = ScriptedStore()
        let writer = StoreWriter(store: store, batchSize: 10, queueLimit: 100)
        for index in 0..<1000 { writer.enqueue(scanRecord("d\(index)")) }
        #expect(writer.statistics == .init(enqueued: 1000, written: 0, droppedOverflow: 900, queued: 100))
        await writer.flush()
        #expect(store.recordedIDs == (900..<1000).map { "d\($0)" })
        #expect(store.batchSizes == Array(repeating: 10, count: 10))
        #expect(writer.statistics.written == 100)
    }

    @Test("enqueue returns at once while the store hangs")
    func neverBlocks() async throws {
        let store = ScriptedStore()
        store.hold()
        let writer = StoreWriter(store: store, batchSize: 10, flushInterval: .milliseconds(5), queueLimit: 100)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await writer.run() }
            for index in 0..<10 { writer.enqueue(scanRecord("first\(index)")) }
            #expect(await eventually { store.waitingCalls == 1 }) // the loop is stuck writing that batch
            for index in 0..<1000 { writer.enqueue(scanRecord("b\(index)")) }
            let statistics = writer.statistics
            #expect(statistics.enqueued == 1010)
            #expect(statistics.queued == 100)
            #expect(statistics.droppedOverflow == 900)
            store.release()
            await writer.flush()
            group.cancelAll()
            try await group.waitForAll()
        }
        #expect(writer.statistics.written == 110)
        #expect(Array(store.recordedIDs.suffix(100)) == (900..<1000).map { "b\($0)" })
    }

    @Test("run() writes a full batch at once and a partial one after the flush interval")
    func batchAndInterval() async throws {
        let store = ScriptedStore()
        let writer = StoreWriter(store: store, batchSize: 100, flushInterval: .seconds(3600))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await writer.run() }
            for index in 0..<100 { writer.enqueue(scanRecord("f\(index)")) }
            #expect(await eventually { writer.statistics.written == 100 })
            for index in 0..<30 { writer.enqueue(scanRecord("p\(index)")) }
            group.cancelAll() // stopping flushes the partial batch
            try await group.waitForAll()
        }
        #expect(writer.statistics.written == 130)
        #expect(store.batchSizes == [100, 30])

        let quick = ScriptedStore()
        let timed = StoreWriter(store: quick, batchSize: 1000, flushInterval: .milliseconds(20))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await timed.run() }
            for index in 0..<3 { timed.enqueue(scanRecord("i\(index)")) }
            #expect(await eventually { timed.statistics.written == 3 })
            group.cancelAll()
            try await group.waitForAll()
        }
    }

    @Test("a failed batch is retried once on the next round")
    func retriesOnce() async throws {
        let store = ScriptedStore()
        store.failNext(1)
        let writer = StoreWriter(store: store, batchSize: 5, flushInterval: .milliseconds(10))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await writer.run() }
            for index in 0..<5 { writer.enqueue(scanRecord("r\(index)")) }
            #expect(await eventually { writer.statistics.written == 5 })
            group.cancelAll()
            try await group.waitForAll()
        }
        #expect(writer.statistics.failedBatches == 1)
        #expect(writer.statistics.droppedAfterFailure == 0)
        #expect(store.recordedIDs == (0..<5).map { "r\($0)" })
    }

    @Test("a batch that fails twice is dropped and counted")
    func dropsAfterSecondFailure() async throws {
        let store = ScriptedStore()
        store.failNext(2)
        let writer = StoreWriter(store: store, batchSize: 4)
        for index in 0..<6 { writer.enqueue(scanRecord("x\(index)")) }
        await writer.flush()
        let statistics = writer.statistics
        #expect(statistics.failedBatches == 2)
        #expect(statistics.droppedAfterFailure == 4)
        #expect(statistics.written == 2)
        #expect(statistics.queued == 0)
        #expect(store.recordedIDs == ["x4", "x5"])
    }

    @Test("while the database is unreachable nothing is dropped; everything is written when it answers")
    func keepsRecordsWhileUnavailable() async throws {
        let store = ScriptedStore()
        store.failNext(Int.max, unavailable: true)
        let writer = StoreWriter(store: store, batchSize: 4, flushInterval: .milliseconds(5))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await writer.run() }
            for index in 0..<10 { writer.enqueue(scanRecord("u\(index)")) }
            #expect(await eventually { writer.storeUnavailable })
            for index in 10..<20 { writer.enqueue(scanRecord("u\(index)")) }
            try await Task.sleep(for: .milliseconds(50))
            #expect(writer.statistics.written == 0)
            store.failNext(0)
            #expect(await eventually { writer.statistics.written == 20 })
            group.cancelAll()
            try await group.waitForAll()
        }
        let statistics = writer.statistics
        #expect(statistics.droppedAfterFailure == 0)
        #expect(statistics.droppedOverflow == 0)
        #expect(statistics.failedBatches > 1)
        #expect(!writer.storeUnavailable)
        #expect(store.recordedIDs == (0..<20).map { "u\($0)" }, "in order, each once")
    }

    @Test("writer settings come from [store]")
    func configuration() {
        let writer = StoreWriter(store: ScriptedStore(), configuration: StoreConfiguration(
            retentionDays: 7, batchSize: 50, flushIntervalMilliseconds: 20, queueLimit: 1000))
        #expect(writer.batchSize == 50)
        #expect(writer.flushInterval == .milliseconds(20))
        #expect(writer.queueLimit == 1000)
        #expect(writer.retentionDays == 7)
    }

    @Test("the run loop prunes rows older than the retention")
    func prunes() async throws {
        let store = ScriptedStore()
        let writer = StoreWriter(store: store, retentionDays: 30)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await writer.run() }
            #expect(await eventually { store.pruneCutoffs.count == 1 })
            group.cancelAll()
            try await group.waitForAll()
        }
        let cutoff = try #require(store.pruneCutoffs.first)
        #expect(abs(cutoff.timeIntervalSinceNow + 30 * 86_400) < 600)
    }
}

/// Waits (bounded) until `condition` holds; the result is what the test checks, never the time taken.
func eventually(_ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now.advanced(by: .seconds(30))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(2))
    }
    return condition()
}

/// Counts the batches the writer hands to the real store.
final class BatchCountingStore: ScanStore {
    let base: any ScanStore
    private let sizes = Mutex<[Int]>([])
    var batchSizes: [Int] { sizes.withLock { $0 } }

    init(_ base: any ScanStore) { self.base = base }

    func migrate() async throws { try await base.migrate() }
    func record(_ scans: [ScanRecord]) async throws {
        sizes.withLock { $0.append(scans.count) }
        try await base.record(scans)
    }
    func scan(id: String) async throws -> ScanRecord? { try await base.scan(id: id) }
    func scan(contentHash: String) async throws -> ScanRecord? { try await base.scan(contentHash: contentHash) }
    func recentScans(limit: Int, tenant: String?) async throws -> [ScanRecord] { try await base.recentScans(limit: limit, tenant: tenant) }
    func recordFeedback(_ feedback: Feedback) async throws { try await base.recordFeedback(feedback) }
    func labelledScans(since: Date?, limit: Int) async throws -> [(ScanRecord, Feedback)] {
        try await base.labelledScans(since: since, limit: limit)
    }
    func recordStateChange(_ change: StateChange) async throws { try await base.recordStateChange(change) }
    func stateChanges(engine: String?, actor: String?, limit: Int) async throws -> [StateChange] {
        try await base.stateChanges(engine: engine, actor: actor, limit: limit)
    }
    func engineDays(since: Date) async throws -> [EngineDay] { try await base.engineDays(since: since) }
    func quarantine(_ entry: QuarantineEntry) async throws { try await base.quarantine(entry) }
    func quarantined(limit: Int, tenant: String?) async throws -> [QuarantineEntry] { try await base.quarantined(limit: limit, tenant: tenant) }
    func tenants() async throws -> [Tenant] { try await base.tenants() }
    func saveTenant(_ tenant: Tenant, change: TenantChange) async throws { try await base.saveTenant(tenant, change: change) }
    func deleteTenant(id: String, change: TenantChange) async throws -> Bool { try await base.deleteTenant(id: id, change: change) }
    func tenantChanges(tenant: String?, limit: Int) async throws -> [TenantChange] { try await base.tenantChanges(tenant: tenant, limit: limit) }
    func outboundSenders() async throws -> [String: SenderActivity] { try await base.outboundSenders() }
    func saveOutboundSenders(_ senders: [String: SenderActivity], forgetting: [String]) async throws {
        try await base.saveOutboundSenders(senders, forgetting: forgetting)
    }
    func recordOutboundAlert(_ alert: OutboundAlert) async throws { try await base.recordOutboundAlert(alert) }
    func outboundAlerts(sender: String?, limit: Int) async throws -> [OutboundAlert] { try await base.outboundAlerts(sender: sender, limit: limit) }
    func saveHeldMessage(_ message: HeldMessage) async throws { try await base.saveHeldMessage(message) }
    func heldMessages(state: HeldMessage.State?, dueBy: Date?, limit: Int) async throws -> [HeldMessage] {
        try await base.heldMessages(state: state, dueBy: dueBy, limit: limit)
    }
    func heldMessage(id: String) async throws -> HeldMessage? { try await base.heldMessage(id: id) }
    func searchScans(_ query: ScanQuery) async throws -> [ScanRecord] { try await base.searchScans(query) }
    func recordQuarantineAction(_ action: QuarantineAction) async throws { try await base.recordQuarantineAction(action) }
    func quarantineActions(scanID: String?, limit: Int) async throws -> [QuarantineAction] {
        try await base.quarantineActions(scanID: scanID, limit: limit)
    }
    func actionCounts(since: Date, tenant: String?) async throws -> [ActionCount] { try await base.actionCounts(since: since, tenant: tenant) }
    func findingCounts(since: Date, tenant: String?, limit: Int) async throws -> [FindingCount] {
        try await base.findingCounts(since: since, tenant: tenant, limit: limit)
    }
    func quarantined(scanID: String) async throws -> QuarantineEntry? { try await base.quarantined(scanID: scanID) }
    func markReleased(scanID: String, at: Date) async throws -> Bool { try await base.markReleased(scanID: scanID, at: at) }
    func deleteQuarantined(scanID: String) async throws -> Bool { try await base.deleteQuarantined(scanID: scanID) }
    func prune(olderThan date: Date) async throws -> Int { try await base.prune(olderThan: date) }
    func close() async throws { try await base.close() }
}

/// A store whose `record(_:)` can be made to fail or hang, remembering what it was given.
final class ScriptedStore: ScanStore {
    struct Failure: Error {}

    private struct State {
        var recordedIDs: [String] = []
        var batchSizes: [Int] = []
        var failuresLeft = 0
        var failUnavailable = false
        var holding = false
        var waiting: [CheckedContinuation<Void, Never>] = []
        var pruneCutoffs: [Date] = []
    }

    private let state = Mutex(State())

    var recordedIDs: [String] { state.withLock { $0.recordedIDs } }
    var batchSizes: [Int] { state.withLock { $0.batchSizes } }
    var waitingCalls: Int { state.withLock { $0.waiting.count } }
    var pruneCutoffs: [Date] { state.withLock { $0.pruneCutoffs } }

    func failNext(_ count: Int, unavailable: Bool = false) {
        state.withLock { state in
            state.failuresLeft = count
            state.failUnavailable = unavailable
        }
    }
    /// Makes `record(_:)` wait until `release()`.
    func hold() { state.withLock { $0.holding = true } }
    func release() {
        let waiting = state.withLock { state in
            state.holding = false
            defer { state.waiting = [] }
            return state.waiting
        }
        for continuation in waiting { continuation.resume() }
    }

    func record(_ scans: [ScanRecord]) async throws {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let wait = state.withLock { state in
                if state.holding { state.waiting.append(continuation) }
                return state.holding
            }
            if !wait { continuation.resume() }
        }
        let fail: (Bool, Bool) = state.withLock { state in
            if state.failuresLeft > 0 {
                state.failuresLeft -= 1
                return (true, state.failUnavailable)
            }
            state.recordedIDs += scans.map(\.id)
            state.batchSizes.append(scans.count)
            return (false, false)
        }
        if fail.1 { throw StoreError.unavailable(backend: "scripted", operation: "record", reason: "connection refused") }
        if fail.0 { throw Failure() }
    }

    func prune(olderThan date: Date) async throws -> Int {
        state.withLock { $0.pruneCutoffs.append(date) }
        return 0
    }

    func migrate() async throws {}
    func scan(id: String) async throws -> ScanRecord? { nil }
    func scan(contentHash: String) async throws -> ScanRecord? { nil }
    func recentScans(limit: Int, tenant: String?) async throws -> [ScanRecord] { [] }
    func recordFeedback(_ feedback: Feedback) async throws {}
    func labelledScans(since: Date?, limit: Int) async throws -> [(ScanRecord, Feedback)] { [] }
    func recordStateChange(_ change: StateChange) async throws {}
    func stateChanges(engine: String?, actor: String?, limit: Int) async throws -> [StateChange] { [] }
    func quarantine(_ entry: QuarantineEntry) async throws {}
    func quarantined(limit: Int, tenant: String?) async throws -> [QuarantineEntry] { [] }
    func tenants() async throws -> [Tenant] { [] }
    func saveTenant(_ tenant: Tenant, change: TenantChange) async throws {}
    func deleteTenant(id: String, change: TenantChange) async throws -> Bool { false }
    func tenantChanges(tenant: String?, limit: Int) async throws -> [TenantChange] { [] }
    func outboundSenders() async throws -> [String: SenderActivity] { [:] }
    func saveOutboundSenders(_ senders: [String: SenderActivity], forgetting: [String]) async throws {}
    func recordOutboundAlert(_ alert: OutboundAlert) async throws {}
    func outboundAlerts(sender: String?, limit: Int) async throws -> [OutboundAlert] { [] }
    func saveHeldMessage(_ message: HeldMessage) async throws {}
    func heldMessages(state: HeldMessage.State?, dueBy: Date?, limit: Int) async throws -> [HeldMessage] { [] }
    func heldMessage(id: String) async throws -> HeldMessage? { nil }
    func searchScans(_ query: ScanQuery) async throws -> [ScanRecord] { [] }
    func recordQuarantineAction(_ action: QuarantineAction) async throws {}
    func quarantineActions(scanID: String?, limit: Int) async throws -> [QuarantineAction] { [] }
    func actionCounts(since: Date, tenant: String?) async throws -> [ActionCount] { [] }
    func findingCounts(since: Date, tenant: String?, limit: Int) async throws -> [FindingCount] { [] }
    func engineDays(since: Date) async throws -> [EngineDay] { [] }
    func quarantined(scanID: String) async throws -> QuarantineEntry? { nil }
    func markReleased(scanID: String, at: Date) async throws -> Bool { false }
    func deleteQuarantined(scanID: String) async throws -> Bool { false }
    func close() async throws {}
}
