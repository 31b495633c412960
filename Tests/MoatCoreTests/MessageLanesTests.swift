import Foundation
import Logging
import MoatMessage
import Synchronization
import Testing
@testable import MoatCore

/// A message's scan runs on one lane thread: its engines' tasks, their deadline races' tasks and
/// their blocking work; a lane held by a long call hands its queue to a new thread.
@Suite("MessageLanes")
struct MessageLanesTests {
    /// Records the thread each engine's scan and blocking work ran on.
    final class ThreadRecordingEngine: ScanEngine {
        let threads = Mutex<[UInt]>([])
        func scan(_ input: ScanInput, context: ScanContext) async throws -> EngineReport {
            threads.withLock { $0.append(UInt(bitPattern: Int(bitPattern: pthread_self()))) }
            let inBlocking = try await context.blocking.run { UInt(bitPattern: Int(bitPattern: pthread_self())) }
            threads.withLock { $0.append(inBlocking) }
            return .clean
        }
    }

    @Test("every engine of a scan, and its blocking work, runs on the same lane thread")
    func oneScanOneThread() async {
        let pool = BlockingWorkPool(threads: 2)
        let engines = (0..<4).map { _ in ThreadRecordingEngine() }
        let pipeline = ScanPipeline(
            registry: EngineRegistry(EngineSnapshot(engines: engines.enumerated().map { Fixtures.engine("e\($0.offset)", $0.element) })),
            blocking: pool)
        for _ in 0..<20 {
            _ = await pipeline.scan(ScanInput(message: Fixtures.plain))
        }
        for engine in engines {
            let threads = engine.threads.withLock { $0 }
            #expect(threads.count == 40)
        }
        // Per scan, the same thread throughout: the first record of each engine in a scan pairs
        // with every other record of that scan. (Unless a lane thread was held past the stall
        // limit on a loaded machine and relieved, which moves the rest of a scan.)
        guard pool.lanes?.relievedStalls == 0 else { return }
        for scan in 0..<20 {
            let seen = Set(engines.flatMap { engine in engine.threads.withLock { Array($0[(scan * 2)..<(scan * 2 + 2)]) } })
            #expect(seen.count == 1, "scan \(scan) ran on \(seen.count) threads")
        }
    }

    @Test("blocking work runs inline on a lane, on the pool elsewhere, and never inline for a pool without lanes")
    func inlineOnlyOnLanes() async throws {
        let pool = BlockingWorkPool(threads: 2)
        let waiting = BlockingWorkPool(threads: 2, lanes: false)
        #expect(try await pool.run { (MessageLane.currentThreadOwner != nil) } == false)
        let onLane = await pool.onLane { (try? await pool.run { (MessageLane.currentThreadOwner != nil) }) ?? false }
        #expect(onLane)
        let waitingOnLane = await pool.onLane { (try? await waiting.run { (MessageLane.currentThreadOwner != nil) }) ?? true }
        #expect(!waitingOnLane)
        // Another scan pool's work, asked for on this pool's lane, runs on that pool.
        let other = BlockingWorkPool(threads: 2)
        let otherOnLane = await pool.onLane { (try? await other.run { (MessageLane.currentThreadOwner != nil) }) ?? true }
        #expect(!otherOnLane)
        try await other.shutdown()
        // Child tasks keep the lane.
        let children = await pool.onLane {
            await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<8 { group.addTask { (MessageLane.currentThreadOwner != nil) } }
                return await group.reduce(true) { $0 && $1 }
            }
        }
        #expect(children)
        try await waiting.shutdown()
        try await pool.shutdown()
    }

    /// Log lines, for the reports a limit must give.
    final class CapturedLog: Sendable {
        let lines = Mutex<[String]>([])
        var logger: Logger { Logger(label: "test") { _ in Handler(log: self) } }

        struct Handler: LogHandler {
            let log: CapturedLog
            var logLevel: Logger.Level = .trace
            var metadata: Logger.Metadata = [:]
            subscript(metadataKey key: String) -> Logger.Metadata.Value? {
                get { metadata[key] }
                set { metadata[key] = newValue }
            }
            func log(event: LogEvent) {
                let fields = (event.metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
                log.lines.withLock { $0.append("\(event.level) \(event.message) \(fields)") }
            }
        }
    }

    /// A scan that holds its lane in a blocking call for `microseconds`, started and in the call
    /// when this returns; the flag is set when the call returns.
    static func hold(_ lanes: MessageLanes, microseconds: UInt32) async throws -> (Task<Void, Never>, Flag) {
        let started = Flag(), done = Flag()
        let task = Task {
            await lanes.run {
                started.set()
                usleep(microseconds)
                done.set()
            }
        }
        while !started.isSet { try await Task.sleep(for: .milliseconds(5)) }
        return (task, done)
    }

    @Test("a lane held by a long blocking call hands its queue to a new thread, and says so", .timeLimit(.minutes(1)))
    func stalledLaneIsRelieved() async throws {
        let captured = CapturedLog()
        let lanes = MessageLanes(count: 1, stallLimit: .milliseconds(40), name: "test-lane", logger: captured.logger)
        let (long, longCallDone) = try await Self.hold(lanes, microseconds: 3_000_000)
        // The only lane is held; a second scan is queued behind it and must still be answered.
        #expect(await lanes.run { 42 } == 42)
        #expect(!longCallDone.isSet)
        #expect(lanes.relievedStalls >= 1)
        let reports = captured.lines.withLock { $0 }
        #expect(reports.contains { $0.contains("warning") && $0.contains("lane_stall_ms") && $0.contains("lane.name=test-lane-0") && $0.contains("lane.stall_ms=40") },
                "\(reports)")
        await long.value
        #expect(longCallDone.isSet)
        // After the stalled thread left, the lane still serves.
        #expect(await lanes.run { 7 } == 7)
    }

    @Test("lanes stopped while one is held still run the work given to them later", .timeLimit(.minutes(1)))
    func stoppedWhileHeld() async throws {
        let lanes = MessageLanes(count: 1, stallLimit: .milliseconds(40), name: "test-stop")
        let (long, done) = try await Self.hold(lanes, microseconds: 1_500_000)
        #expect(await lanes.run { 1 } == 1)
        #expect(lanes.relievedStalls >= 1)
        lanes.stop()
        // The relieving thread has left (nothing queued); the held one is still in its call.
        try await Task.sleep(for: .milliseconds(50))
        #expect(!done.isSet)
        #expect(await lanes.run { 2 } == 2)
        #expect(!done.isSet)
        await long.value
    }

    @Test("concurrent scans spread over the lanes")
    func scansSpreadOverLanes() async {
        let pool = BlockingWorkPool(threads: 2)
        let recorder = ThreadRecordingEngine()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    await pool.onLane {
                        _ = try? await pool.run {
                            recorder.threads.withLock { $0.append(UInt(bitPattern: Int(bitPattern: pthread_self()))) }
                            usleep(30_000)
                        }
                    }
                }
            }
        }
        #expect(Set(recorder.threads.withLock { $0 }).count >= 2)
    }
}
