import Foundation
import Logging
import MoatCore
import Synchronization
import Testing
@testable import MoatExternal

/// Peers that are down, answer junk, hang or die mid-reply: every adapter throws in bounded time,
/// and the breaker opens after `breaker_failures` failures.
@Suite struct FaultTests {
    static let networkAdapters = ["icap", "spamd", "rspamd", "clamd"]

    static func engine(_ adapter: String, port: Int, timeoutMs: Int = 500, breakerFailures: Int = 2, probeMs: Int = 300) async throws -> any ScanEngine {
        let factory = ExternalAdapters.factories.first { $0.adapter == adapter }!
        return try await makeEngine(factory, [
            "port": .integer(port), "timeout_ms": .integer(timeoutMs), "retries": .integer(1), "retry_backoff_ms": .integer(10),
            "breaker_failures": .integer(breakerFailures), "breaker_probe_ms": .integer(probeMs),
        ])
    }

    static func expectFailure(_ engine: any ScanEngine, within limit: Duration) async -> ExternalError? {
        let start = ContinuousClock.now
        do {
            _ = try await engine.scan(ScanInput(message: Fixtures.clean), context: scanContext())
            Issue.record("scan succeeded against a broken peer")
            return nil
        } catch {
            #expect(ContinuousClock.now - start < limit, "took \(ContinuousClock.now - start)")
            return error as? ExternalError
        }
    }

    @Test(arguments: networkAdapters)
    func peerDownAtStartThenCircuitOpens(adapter: String) async throws {
        let engine = try await Self.engine(adapter, port: deadPort())
        for _ in 0..<2 {
            guard case .connect = await Self.expectFailure(engine, within: .seconds(2)) else {
                Issue.record("expected a connect error"); return
            }
        }
        #expect(engine.status["circuit"] == "open")
        guard case .circuitOpen = await Self.expectFailure(engine, within: .milliseconds(50)) else {
            Issue.record("expected the circuit to be open"); return
        }
    }

    @Test(arguments: networkAdapters)
    func garbageAnswer(adapter: String) async throws {
        let server = JunkServer(.garbage)
        defer { server.stop() }
        let engine = try await Self.engine(adapter, port: server.port)
        guard case .protocolViolation = await Self.expectFailure(engine, within: .seconds(2)) else {
            Issue.record("expected a protocol violation"); return
        }
    }

    /// Issue 23: external engines blocked the scan pool's threads in `poll`, the threads libclamav
    /// needs, so a hung ICAP server stalled the CPU engines. Their connections now live on SwiftNIO's
    /// event loops: a hundred exchanges wait on the hung peer at once, more than any pool has
    /// threads, and the scan pool still runs work.
    @Test("a hung ICAP peer holds no thread: a hundred exchanges wait at once and C work still runs")
    func hungPeerLeavesTheScanPoolFree() async throws {
        let server = JunkServer(.hang)
        defer { server.stop() }
        let pool = BlockingWorkPool()  // the daemon's default size
        let context = ScanContext(blocking: pool, logger: Logger(label: "test"))
        let exchanges = 100
        #expect(exchanges > BlockingWorkPool.scannerProcesses.threadCount && exchanges > pool.threadCount)
        let factory = ExternalAdapters.factories.first { $0.adapter == "icap" }!
        let engine = try await makeEngine(factory, [
            "port": .integer(server.port), "timeout_ms": .integer(5_000), "retries": .integer(0),
            "max_connections": .integer(exchanges), "breaker_failures": .integer(1000),
        ])
        let finished = FinishedScans()
        var scans: [Task<Void, Never>] = []
        for _ in 0..<exchanges {
            scans.append(Task { [engine] in
                _ = try? await engine.scan(ScanInput(message: Fixtures.clean), context: context)
                finished.count.withLock { $0 += 1 }
            })
        }
        // Every exchange is connected and waiting on the peer: more than the scan pool has threads.
        for _ in 0..<500 where server.heldCount < exchanges { try await Task.sleep(for: .milliseconds(10)) }
        #expect(server.heldCount >= exchanges)
        // The scan pool still runs work at once, while none of those exchanges has timed out.
        let ran = try await pool.run { true }
        #expect(ran)
        #expect(finished.count.withLock { $0 } == 0, "the scan pool waited for the hung peer's exchanges")
        for scan in scans { await scan.value }
        try await pool.shutdown()
    }

    @Test(arguments: networkAdapters)
    func hangingPeerTimesOut(adapter: String) async throws {
        let server = JunkServer(.hang)
        defer { server.stop() }
        let engine = try await Self.engine(adapter, port: server.port, timeoutMs: 300)
        // Two attempts (one retry) of 300 ms each, plus backoff.
        guard case .timedOut = await Self.expectFailure(engine, within: .seconds(3)) else {
            Issue.record("expected a timeout"); return
        }
        #expect(engine.status["retries"] == "1")
    }

    /// Issue 23: an MTA that aborts the message cancels the scan; an exchange waiting on a peer
    /// must end then, not at its timeout, and must not count against the peer.
    @Test(arguments: networkAdapters)
    func cancellingTheScanEndsTheExchange(adapter: String) async throws {
        let server = JunkServer(.hang)
        defer { server.stop() }
        // A timeout no test run reaches: if cancellation did not end the exchange, the error would
        // be a timeout (after a minute), not a cancellation.
        let engine = try await Self.engine(adapter, port: server.port, timeoutMs: 60_000, breakerFailures: 1)
        let scan = Task { try await engine.scan(ScanInput(message: Fixtures.clean), context: scanContext()) }
        for _ in 0..<500 where server.heldCount < 1 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(server.heldCount == 1)
        let cancelled = ContinuousClock.now
        scan.cancel()
        await #expect(throws: CancellationError.self) { try await scan.value }
        // Not a speed check: half the timeout tells "ended by the cancellation" from "by the timeout".
        #expect(ContinuousClock.now - cancelled < .seconds(30), "the exchange ran to its timeout")
        #expect(engine.status["circuit"] == "closed")
        #expect(engine.status["errors"] == "0")
        #expect(engine.status["retries"] == "0")
    }

    @Test(arguments: networkAdapters)
    func peerDiesMidReply(adapter: String) async throws {
        let partial = switch adapter {
        case "icap": "ICAP/1.0 200 OK\r\nISTag: \"x\"\r\n"
        case "spamd": "SPAMD/1.1 0 EX_OK\r\nContent-length: 10"
        default: "HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n{\"action\""
        }
        let server = JunkServer(.closeMidReply(partial))
        defer { server.stop() }
        let engine = try await Self.engine(adapter, port: server.port)
        #expect(await Self.expectFailure(engine, within: .seconds(2)) != nil)
    }

    /// `Int(_:radix:)` reads "-5" as -5: a peer's negative chunk size reached a read of -5 bytes,
    /// whose range ran backwards and stopped the process. Now it is a protocol error.
    @Test(arguments: ["rspamd", "icap"])
    func negativeChunkSizeIsAProtocolError(adapter: String) async throws {
        let partial = adapter == "icap"
            ? "ICAP/1.0 200 OK\r\nISTag: \"x\"\r\nEncapsulated: res-hdr=0, res-body=19\r\n\r\nHTTP/1.1 200 OK\r\n\r\n-5\r\nhello\r\n"
            : "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n"
        let server = JunkServer(.closeMidReply(partial))
        defer { server.stop() }
        let engine = try await Self.engine(adapter, port: server.port)
        let failure = await Self.expectFailure(engine, within: .seconds(2))
        #expect(failure != nil)
        #expect(failure.map { "\($0)".contains("chunk size") } == true, "\(String(describing: failure))")
    }

    @Test func circuitClosesAfterSuccessfulProbe() async throws {
        // A command engine whose scanner fails until a marker file exists.
        let marker = NSTemporaryDirectory() + "moat-probe-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: marker) }
        let engine = try await makeEngine(CommandEngineFactory(), [
            "command": .array([.string("test"), .string("-e"), .string(marker)]), "input": .string("stdin"),
            "clean_codes": .array([.integer(0)]), "detected_codes": .array([.integer(7)]),
            "breaker_failures": .integer(2), "breaker_probe_ms": .integer(200), "retries": .integer(0),
        ])
        for _ in 0..<2 { _ = try? await engine.scan(ScanInput(message: Fixtures.clean), context: scanContext()) }
        #expect(engine.status["circuit"] == "open")
        await #expect(throws: ExternalError.self) { try await engine.scan(ScanInput(message: Fixtures.clean), context: scanContext()) }
        _ = FileManager.default.createFile(atPath: marker, contents: nil)
        try await Task.sleep(for: .milliseconds(250))
        let report = try await engine.scan(ScanInput(message: Fixtures.clean), context: scanContext())
        #expect(report.category == nil)
        #expect(engine.status["circuit"] == "closed")
    }
}

/// How many scans have ended, shared with the tasks that run them.
private final class FinishedScans: Sendable {
    let count = Mutex(0)
}
