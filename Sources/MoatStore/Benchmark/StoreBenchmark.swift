import Foundation
import Logging
import MoatCore

/// Write throughput of a `ScanStore`, directly and through a `StoreWriter`, for `moat bench store`.
///
/// Records are synthetic (fixed shape: three recipients, `enginesPerRecord` verdicts) and made
/// before the clock starts. The store should be empty and migrated; the benchmark leaves its rows.
public enum StoreBenchmark {
    /// How records reach the store.
    public enum Path: String, Sendable, Hashable, CaseIterable {
        /// `store.record(_:)` called with consecutive batches of `batchSize`, one at a time.
        case direct
        /// `StoreWriter.enqueue(_:)` for every record, its `run()` loop writing, then `flush()`.
        case writer
    }

    public struct Result: Sendable, Hashable, CustomStringConvertible {
        public var path: Path
        public var records: Int
        public var enginesPerRecord: Int
        public var batchSize: Int
        /// From the first record handed over to the last one written.
        public var seconds: Double
        public var recordsPerSecond: Double
        /// Writer path only: how long enqueueing every record took (the scan path's cost).
        public var enqueueSeconds: Double?
        /// Writer path only: records the writer dropped (0 unless the store failed).
        public var dropped: Int

        public var description: String {
            var text = "\(path.rawValue): \(records) records x \(enginesPerRecord) engines, batch \(batchSize): "
                + String(format: "%.2f s, %.0f records/s", seconds, recordsPerSecond)
            if let enqueueSeconds {
                text += String(format: ", enqueue %.3f s (%.0f records/s)", enqueueSeconds, Double(records) / max(enqueueSeconds, 1e-9))
            }
            if dropped > 0 { text += ", dropped \(dropped)" }
            return text
        }
    }

    /// Synthetic records one second apart ending at `end`, keyed as the daemon keys them: ids from
    /// `ScanInput.makeID()` (made in order, as scans are) and the daemon's content hash of a synthetic
    /// text, so the B-tree inserts land where the daemon's do. `prefix` names the run in the texts.
    public static func makeRecords(count: Int, enginesPerRecord: Int = 4, prefix: String = "bench",
                                   end: Date = Date()) -> [ScanRecord] {
        let engineNames = ["clamav", "pattern", "filetype", "macro", "url", "spamd", "icap", "yara"]
        return (0..<count).map { index in
            let flagged = index % 10 == 0
            let engines = (0..<enginesPerRecord).map { engine in
                let name = engine < engineNames.count ? engineNames[engine] : "engine\(engine)"
                return ScanRecord.EngineEntry(engine: name, label: flagged && engine == 0 ? "spam" : "clean",
                                              score: Double(engine), state: .active, elapsedMilliseconds: 1.5 + Double(engine))
            }
            let hash = ContentHash.of(Array("\(prefix)-\(index)".utf8))
            let recipients = ["a@bench.example", "b@bench.example", "c\(index % 13)@bench.example"]
            return ScanRecord(
                id: ScanInput.makeID(), receivedAt: end.addingTimeInterval(Double(index - count)), contentHash: hash,
                messageID: "<\(prefix)-\(index)@bench.example>", queueID: String(index, radix: 36, uppercase: true),
                mailFrom: "sender\(index % 97)@bench.example", recipients: recipients,
                action: flagged ? .reject : .accept, score: Double(index % 100) / 10, category: flagged ? .spam : nil,
                engines: engines
            )
        }
    }

    /// Writes `records` synthetic records to `store` along `path` and measures the rate.
    public static func run(store: any ScanStore, records: Int, path: Path, enginesPerRecord: Int = 4, batchSize: Int = 500,
                           prefix: String = "bench", logger: Logger = Logger(label: "moat.bench.store")) async throws -> Result {
        let scans = makeRecords(count: records, enginesPerRecord: enginesPerRecord, prefix: prefix)
        let clock = ContinuousClock()
        switch path {
        case .direct:
            let start = clock.now
            var offset = 0
            while offset < scans.count {
                let end = min(offset + batchSize, scans.count)
                try await store.record(Array(scans[offset..<end]))
                offset = end
            }
            let seconds = (clock.now - start).inSeconds
            return Result(path: path, records: records, enginesPerRecord: enginesPerRecord, batchSize: batchSize,
                          seconds: seconds, recordsPerSecond: Double(records) / max(seconds, 1e-9), enqueueSeconds: nil, dropped: 0)
        case .writer:
            let writer = StoreWriter(store: store, batchSize: batchSize, queueLimit: max(records, batchSize), logger: logger)
            return try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await writer.run() }
                let start = clock.now
                for scan in scans { writer.enqueue(scan) }
                let enqueued = clock.now
                await writer.flush()
                let seconds = (clock.now - start).inSeconds
                group.cancelAll()
                try await group.waitForAll()
                let statistics = writer.statistics
                return Result(path: path, records: records, enginesPerRecord: enginesPerRecord, batchSize: batchSize,
                              seconds: seconds, recordsPerSecond: Double(statistics.written) / max(seconds, 1e-9),
                              enqueueSeconds: (enqueued - start).inSeconds,
                              dropped: statistics.droppedOverflow + statistics.droppedAfterFailure)
            }
        }
    }
}
