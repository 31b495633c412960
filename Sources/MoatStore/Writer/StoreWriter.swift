import Foundation
import Logging
import MoatCore
import Synchronization

/// Takes scan records from the scan path without waiting and writes them to a `ScanStore` in batches.
///
/// `enqueue(_:)` only takes a lock and appends: it never waits on I/O. `run()` writes a batch as
/// soon as `batchSize` records are queued, and whatever is queued every `flushInterval`. Beyond
/// `queueLimit` queued records the oldest are dropped and counted (a slow or unreachable database
/// must not hold mail). While the database is unreachable (`StoreError.unavailable`) the batch is
/// kept and tried again every round, so an outage shorter than the queue loses nothing; a batch
/// whose write fails otherwise is retried once on the next round, then dropped with an error log line. When `retentionDays` is above 0 the loop also prunes older rows, at
/// start and hourly.
///
/// In `moatd`, run it as a Service: `run()` returns after a final flush once its task is cancelled;
/// wrap it in `cancelWhenGracefulShutdown { try await writer.run() }` so graceful shutdown ends it.
/// Start it before the listeners so it stops after them, then `close()` the store.
public final class StoreWriter: Sendable {
    /// Counts since the writer was made.
    public struct Statistics: Sendable, Hashable {
        /// Records handed to `enqueue(_:)`.
        public var enqueued = 0
        /// Records written to the store.
        public var written = 0
        /// Oldest records dropped because the queue was full.
        public var droppedOverflow = 0
        /// Records of batches that failed twice and were given up.
        public var droppedAfterFailure = 0
        /// Batch writes that failed (a batch retried and failed again counts twice).
        public var failedBatches = 0
        /// Records waiting, including a batch waiting for its retry.
        public var queued = 0
    }

    private struct State {
        var queue = RecordQueue()
        var retry: [ScanRecord]?
        var statistics = Statistics()
        var droppedSinceLastLog = 0
        /// Since when the database has been unreachable (nil: it answered the last write).
        var unavailableSince: ContinuousClock.Instant?
        /// The `run()` loop waiting for a full batch.
        var waiter: CheckedContinuation<Void, Never>?
    }

    public let store: any ScanStore
    public let batchSize: Int
    public let flushInterval: Duration
    public let queueLimit: Int
    public let retentionDays: Int
    private let pruneInterval: Duration
    private let logger: Logger
    private let state = Mutex(State())
    private let gate = WriteGate()

    public init(store: any ScanStore, batchSize: Int = 500, flushInterval: Duration = .milliseconds(200),
                queueLimit: Int = 100_000, retentionDays: Int = 0, logger: Logger = Logger(label: "moat.store")) {
        self.store = store
        self.batchSize = max(1, batchSize)
        self.flushInterval = flushInterval
        self.queueLimit = max(self.batchSize, queueLimit)
        self.retentionDays = max(0, retentionDays)
        self.pruneInterval = .seconds(3600)
        self.logger = logger
    }

    /// A writer with the batch, queue and retention settings of `[store]`.
    public convenience init(store: any ScanStore, configuration: StoreConfiguration,
                            logger: Logger = Logger(label: "moat.store")) {
        self.init(store: store, batchSize: configuration.batchSize,
                  flushInterval: .milliseconds(configuration.flushIntervalMilliseconds),
                  queueLimit: configuration.queueLimit, retentionDays: configuration.retentionDays, logger: logger)
    }

    public var statistics: Statistics {
        state.withLock { state in
            var statistics = state.statistics
            statistics.queued = state.queue.count + (state.retry?.count ?? 0)
            return statistics
        }
    }

    /// Queues `record` for the next batch; returns at once whatever the database is doing.
    public func enqueue(_ record: ScanRecord) {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
            state.statistics.enqueued += 1
            if state.queue.count >= queueLimit {
                state.queue.removeOldest()
                state.statistics.droppedOverflow += 1
                state.droppedSinceLastLog += 1
            }
            state.queue.append(record)
            guard state.queue.count >= batchSize, let waiter = state.waiter else { return nil }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Writes batches until the task is cancelled, then flushes what is queued and returns.
    ///
    /// Writes run in a detached task so that cancellation never interrupts a batch half-way.
    public func run() async throws {
        logger.info("store writer started", metadata: [
            "store.batch_size": "\(batchSize)", "store.flush_interval": "\(flushInterval)", "store.queue_limit": "\(queueLimit)",
        ])
        let clock = ContinuousClock()
        var nextPrune = clock.now
        while !Task.isCancelled {
            await waitForBatchOrInterval()
            await shielded { await self.writeQueued(finalAttempt: false) }
            if retentionDays > 0, clock.now >= nextPrune {
                nextPrune = clock.now.advanced(by: pruneInterval)
                await shielded { await self.pruneExpired() }
            }
        }
        await shielded { await self.writeQueued(finalAttempt: true) }
        let statistics = self.statistics
        logger.info("store writer stopped", metadata: [
            "store.written": "\(statistics.written)", "store.dropped_overflow": "\(statistics.droppedOverflow)",
            "store.dropped_after_failure": "\(statistics.droppedAfterFailure)",
            "store.failed_batches": "\(statistics.failedBatches)", "store.queued": "\(statistics.queued)",
        ])
    }

    /// Writes everything queued now (a failing batch gets its one retry at once) and returns when done.
    ///
    /// For tests, the CLI and shutdown; safe to call while `run()` is running.
    public func flush() async {
        await shielded { await self.writeQueued(finalAttempt: true) }
    }

    // MARK: Writing

    private func shielded(_ work: @escaping @Sendable () async -> Void) async {
        await Task.detached(operation: work).value
    }

    /// Writes the records queued when called, batch by batch; stops at the first failed batch,
    /// which waits for its retry (immediately when `finalAttempt`).
    private func writeQueued(finalAttempt: Bool) async {
        await gate.acquire()
        defer { gate.release() }
        logDroppedOverflow()

        if let retry = state.withLock({ state in defer { state.retry = nil }; return state.retry }) {
            await writeRetry(retry, keepIfUnavailable: !finalAttempt)
            // Still unreachable: the queue waits behind the kept batch.
            if state.withLock({ $0.retry != nil }) { return }
        }
        var remaining = state.withLock { $0.queue.count }
        while remaining > 0 {
            let batch = state.withLock { $0.queue.removeOldest(upTo: min(batchSize, remaining)) }
            guard !batch.isEmpty else { break }
            remaining -= batch.count
            do {
                try await store.record(batch)
                state.withLock { $0.statistics.written += batch.count }
                noteReachable()
            } catch let error as StoreError where error.isUnavailable && !finalAttempt {
                // Kept whole, ahead of the queue, until the database answers.
                noteUnavailable(error, keeping: batch.count + remaining)
                state.withLock { $0.retry = batch }
                break
            } catch {
                state.withLock { $0.statistics.failedBatches += 1 }
                logger.warning("store batch failed, will retry once", metadata: [
                    "store.records": "\(batch.count)", "error.message": "\(error)",
                ])
                if finalAttempt {
                    await writeRetry(batch, keepIfUnavailable: false)
                } else {
                    state.withLock { $0.retry = batch }
                    break
                }
            }
        }
    }

    private func writeRetry(_ batch: [ScanRecord], keepIfUnavailable: Bool) async {
        do {
            try await store.record(batch)
            state.withLock { $0.statistics.written += batch.count }
            noteReachable()
        } catch let error as StoreError where error.isUnavailable && keepIfUnavailable {
            // Still unreachable: kept for the next round (the final flush at shutdown gives up).
            state.withLock { $0.retry = batch }
            noteUnavailable(error, keeping: batch.count)
        } catch {
            state.withLock { state in
                state.statistics.failedBatches += 1
                state.statistics.droppedAfterFailure += batch.count
            }
            logger.error("store batch failed twice, dropped", metadata: [
                "store.records": "\(batch.count)", "store.first_scan_id": "\(batch.first?.id ?? "")", "error.message": "\(error)",
            ])
        }
    }

    private func noteUnavailable(_ error: StoreError, keeping count: Int) {
        let first = state.withLock { state in
            defer { if state.unavailableSince == nil { state.unavailableSince = ContinuousClock.now } }
            state.statistics.failedBatches += 1
            return state.unavailableSince == nil
        }
        if first {
            logger.error("store unreachable: keeping records until it answers", metadata: [
                "store.records": "\(count)", "store.queue_limit": "\(queueLimit)", "error.message": "\(error)",
            ])
        }
    }

    private func noteReachable() {
        guard let since = state.withLock({ state in defer { state.unavailableSince = nil }; return state.unavailableSince }) else { return }
        logger.notice("store reachable again", metadata: ["store.outage": "\(ContinuousClock.now - since)"])
    }

    /// Whether the last write found the database unreachable.
    public var storeUnavailable: Bool { state.withLock { $0.unavailableSince != nil } }

    private func logDroppedOverflow() {
        let dropped = state.withLock { state in defer { state.droppedSinceLastLog = 0 }; return state.droppedSinceLastLog }
        if dropped > 0 {
            logger.warning("store queue full, dropped oldest records", metadata: [
                "store.dropped": "\(dropped)", "store.queue_limit": "\(queueLimit)",
            ])
        }
    }

    private func pruneExpired() async {
        let cutoff = Date().addingTimeInterval(-Double(retentionDays) * 86_400)
        do {
            let removed = try await store.prune(olderThan: cutoff)
            let tenantRemoved = try await TenantRetention.prune(store, defaultDays: retentionDays)
            logger.info("store pruned", metadata: ["store.removed": "\(removed)", "store.retention_days": "\(retentionDays)",
                                                   "store.tenant_quarantine_removed": "\(tenantRemoved)"])
        } catch {
            logger.warning("store prune failed", metadata: ["error.message": "\(error)"])
        }
    }

    // MARK: Waiting

    /// Returns when a full batch is queued, `flushInterval` has passed, or the task is cancelled.
    private func waitForBatchOrInterval() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: self.flushInterval) }
            group.addTask { await self.waitForFullBatch() }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForFullBatch() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    // Checked under the lock: a cancellation after this point finds the waiter and resumes it.
                    if Task.isCancelled || state.queue.count >= batchSize { return true }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state in defer { state.waiter = nil }; return state.waiter }
            waiter?.resume()
        }
    }
}
