import Logging
import MoatCore
import MoatMessage
import NIOCore
import ServiceLifecycleTestKit
import Synchronization
import Testing

@testable import MoatMilter

/// An engine with a fixed answer, to drive the real server and pipeline.
private struct AnswerEngine: ScanEngine {
    var report: EngineReport
    var delay: Duration = .zero
    var started: ScanStarted? = nil
    func scan(_ input: ScanInput, context: ScanContext) async throws -> EngineReport {
        started?.mark()
        if delay > .zero { try await Task.sleep(for: delay) }
        return report
    }
}

/// Sleeps on messages that say SLOW (and notes whether that sleep was cancelled); answers clean at once otherwise.
private struct SlowEngine: ScanEngine {
    let started: ScanStarted
    let cancelled: ScanStarted
    func scan(_ input: ScanInput, context: ScanContext) async throws -> EngineReport {
        guard input.message.raw.starts(with: Array("Subject: SLOW".utf8)) else { return .clean }
        started.mark()
        do {
            try await Task.sleep(for: .seconds(60))
        } catch {
            cancelled.mark()
            throw error
        }
        return .clean
    }
}

/// Notes the body size of every message it scans.
private struct SizeEngine: ScanEngine {
    let seen: BodySize
    func scan(_ input: ScanInput, context: ScanContext) async throws -> EngineReport {
        seen.add(input.message.raw.count - input.message.root.bodyRange.lowerBound)
        return .clean
    }
}

private final class BodySize: Sendable {
    private let value = Mutex<[Int]>([])
    func add(_ size: Int) { value.withLock { $0.append(size) } }
    var sizes: [Int] { value.withLock { $0 } }
}

/// Set once a scan has begun, so a test can act while it is in flight.
private final class ScanStarted: Sendable {
    private let value = Mutex(false)
    func mark() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}

@Suite("MilterServer over a real socket")
struct MilterServerTests {
    /// Starts a server on an ephemeral loopback port with `engines`, runs `body` against it, stops it.
    func withServer(
        _ engines: [RegisteredEngine], settings: MilterSettings = MilterSettings(),
        _ body: @Sendable (ListenAddress) async throws -> Void
    ) async throws {
        var settings = settings
        settings.listen = ["inet:0@127.0.0.1"]
        settings.spoolDirectory = "/tmp/moat-test-spool-\(ScanInput.makeID())"
        let pool = BlockingWorkPool(threads: 2)
        let pipeline = ScanPipeline(registry: EngineRegistry(EngineSnapshot(engines: engines)), blocking: pool)
        var logger = Logger(label: "test")
        logger.logLevel = .error
        let server = MilterServer(settings: settings, limits: MessageLimits(), pipeline: pipeline, logger: logger)
        let task = Task { try await server.run() }
        var bound: [String] = []
        for _ in 0..<100 where bound.isEmpty {
            bound = await server.boundAddresses
            if bound.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
        }
        let port = Int(bound.first?.split(separator: ":").last ?? "") ?? 0
        #expect(port > 0)
        do {
            try await body(.inet(host: "127.0.0.1", port: port))
        } catch {
            task.cancel()
            throw error
        }
        task.cancel()
        _ = await task.result
        try await pool.shutdown()
    }

    static func engine(_ name: String, _ report: EngineReport, delay: Duration = .zero) -> RegisteredEngine {
        RegisteredEngine(manifest: EngineManifest(name: name, adapter: "test"), engine: AnswerEngine(report: report, delay: delay))
    }

    @Test("a clean message gets Moat's headers and ACCEPT; two messages on one connection")
    func cleanMessages() async throws {
        try await withServer([Self.engine("av", .clean)]) { address in
            try await MilterClientConnection.withConnection(to: address) { connection in
                try await connection.negotiate()
                #expect(connection.protocolOptions.contains(.noHeaderReply))
                #expect(try await connection.connect(hostname: "c.example", address: "192.0.2.1", port: 25, helo: "c.example") == nil)
                for round in 0..<2 {
                    let answer = try await connection.send(
                        from: "a@example.com", to: ["b@moat.test"], headers: [("Subject", "hi \(round)")],
                        body: Array("Hello\r\n".utf8), queueID: "Q\(round)")
                    #expect(answer.final == .accept)
                    let added = answer.edits.compactMap { reply -> String? in
                        if case .addHeader(let name, _) = reply { return name }
                        return nil
                    }
                    #expect(added == ["X-Moat-Id", "X-Moat-Verdict", "X-Moat-Score", "X-Moat-Engines"])
                }
                try await connection.quit()
            }
        }
    }

    @Test("a malware verdict becomes the policy's reject reply")
    func reject() async throws {
        try await withServer([Self.engine("av", EngineReport(category: .malware, score: 1))]) { address in
            try await MilterClientConnection.withConnection(to: address) { connection in
                try await connection.negotiate()
                _ = try await connection.connect(hostname: "c", address: "192.0.2.1", port: 25, helo: "c")
                let answer = try await connection.send(from: "a@x", to: ["b@y"], headers: [], body: [], queueID: "Q")
                #expect(answer.final == .replyCode("550 5.7.1 Message rejected by content policy"))
                #expect(answer.edits.isEmpty)
            }
        }
    }

    @Test("PROGRESS keeps the MTA waiting while a slow engine runs")
    func progress() async throws {
        var settings = MilterSettings()
        settings.progressIntervalMilliseconds = 100
        try await withServer([Self.engine("slow", .clean, delay: .milliseconds(450))], settings: settings) { address in
            try await MilterClientConnection.withConnection(to: address) { connection in
                try await connection.negotiate()
                _ = try await connection.connect(hostname: "c", address: "192.0.2.1", port: 25, helo: "c")
                let answer = try await connection.send(from: "a@x", to: ["b@y"], headers: [], body: [], queueID: "Q")
                #expect(answer.final == .accept)
                #expect(answer.progressCount >= 2)
            }
        }
    }

    @Test("a body past the spool threshold is written to the spool chunk by chunk and scanned whole")
    func spooledBody() async throws {
        var settings = MilterSettings()
        settings.spoolThresholdBytes = 1024
        // 300 KB: five 64 KiB body chunks, all but the first few written to the spool file while
        // the commands behind them wait their turn.
        let line = Array("line of a long body, spooled to a file and read back for the scan\r\n".utf8)
        var text: [UInt8] = []
        while text.count < 300_000 { text += line }
        let body = text, size = text.count
        let seen = BodySize()
        let engine = RegisteredEngine(manifest: EngineManifest(name: "size", adapter: "test"), engine: SizeEngine(seen: seen))
        try await withServer([engine], settings: settings) { address in
            try await MilterClientConnection.withConnection(to: address) { connection in
                try await connection.negotiate()
                _ = try await connection.connect(hostname: "c", address: "192.0.2.1", port: 25, helo: "c")
                for round in 0..<2 {
                    let answer = try await connection.send(
                        from: "a@x", to: ["b@y"], headers: [("Subject", "big \(round)")], body: body, queueID: "Q\(round)")
                    #expect(answer.final == .accept)
                }
                try await connection.quit()
            }
        }
        #expect(seen.sizes == [size, size])
    }

    @Test("an oversize message gets the oversize action without a scan")
    func oversize() async throws {
        var settings = MilterSettings()
        settings.maxMessageBytes = 10_000
        settings.oversizeAction = .reject
        try await withServer([Self.engine("av", .clean)], settings: settings) { address in
            try await MilterClientConnection.withConnection(to: address) { connection in
                try await connection.negotiate()
                _ = try await connection.connect(hostname: "c", address: "192.0.2.1", port: 25, helo: "c")
                let answer = try await connection.send(
                    from: "a@x", to: ["b@y"], headers: [], body: [UInt8](repeating: 65, count: 50_000), queueID: "Q")
                #expect(answer.final == .replyCode("552 5.3.4 Message too big for content scanning"))
            }
        }
    }

    @Test("a malformed frame closes that connection only; the next connection is served")
    func malformedFrame() async throws {
        try await withServer([Self.engine("av", .clean)]) { address in
            guard case .inet(_, let port) = address else { return }
            // A raw socket sending a frame with an unknown command byte.
            let closed = try await RawSocket.sendAndWaitForClose(port: port, bytes: [0, 0, 0, 1, 0x7A])
            #expect(closed)
            try await MilterClientConnection.withConnection(to: address) { connection in
                try await connection.negotiate()
                _ = try await connection.connect(hostname: "c", address: "192.0.2.1", port: 25, helo: "c")
                let answer = try await connection.send(from: "a@x", to: ["b@y"], headers: [], body: [], queueID: "Q")
                #expect(answer.final == .accept)
            }
        }
    }

    @Test("a Unix socket listener serves the same protocol")
    func unixSocket() async throws {
        let path = "/tmp/moat-test-\(ScanInput.makeID().suffix(8)).sock"
        var settings = MilterSettings(listen: ["unix:\(path)"])
        settings.spoolDirectory = "/tmp/moat-test-spool-\(ScanInput.makeID())"
        let pool = BlockingWorkPool(threads: 1)
        let pipeline = ScanPipeline(registry: EngineRegistry(EngineSnapshot(engines: [Self.engine("av", .clean)])), blocking: pool)
        let server = MilterServer(settings: settings, limits: MessageLimits(), pipeline: pipeline, logger: Logger(label: "test"))
        let task = Task { try await server.run() }
        for _ in 0..<100 where await server.boundAddresses.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
        try await MilterClientConnection.withConnection(to: .unix(path: path)) { connection in
            try await connection.negotiate()
            _ = try await connection.connect(hostname: "c", address: "192.0.2.1", port: 25, helo: "c")
            let answer = try await connection.send(from: "a@x", to: ["b@y"], headers: [], body: [], queueID: "Q")
            #expect(answer.final == .accept)
        }
        task.cancel()
        _ = await task.result
        try await pool.shutdown()
    }

    @Test("graceful shutdown lets the message in flight finish, refuses new connections, then returns")
    func gracefulShutdown() async throws {
        var settings = MilterSettings(listen: ["inet:0@127.0.0.1"])
        settings.spoolDirectory = "/tmp/moat-test-spool-\(ScanInput.makeID())"
        let pool = BlockingWorkPool(threads: 1)
        let started = ScanStarted()
        let engines = [RegisteredEngine(
            manifest: EngineManifest(name: "slow", adapter: "test"),
            engine: AnswerEngine(report: .clean, delay: .milliseconds(600), started: started)
        )]
        let pipeline = ScanPipeline(registry: EngineRegistry(EngineSnapshot(engines: engines)), blocking: pool)
        var logger = Logger(label: "test")
        logger.logLevel = .error
        let server = MilterServer(settings: settings, limits: MessageLimits(), pipeline: pipeline, logger: logger)
        try await testGracefulShutdown { trigger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await server.run() }
                var bound: [String] = []
                for _ in 0..<100 where bound.isEmpty {
                    bound = await server.boundAddresses
                    if bound.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
                }
                let port = Int(bound.first?.split(separator: ":").last ?? "") ?? 0
                let address = ListenAddress.inet(host: "127.0.0.1", port: port)
                let final = try await MilterClientConnection.withConnection(to: address) { connection in
                    try await connection.negotiate()
                    _ = try await connection.connect(hostname: "c", address: "192.0.2.1", port: 25, helo: "c")
                    let shutdown = Task {
                        while !started.isSet { try await Task.sleep(for: .milliseconds(10)) }
                        trigger.triggerGracefulShutdown()
                    }
                    let answer = try await connection.send(from: "a@x", to: ["b@y"], headers: [], body: [], queueID: "Q")
                    _ = await shutdown.result
                    return answer.final
                }
                #expect(final == .accept)
                try await group.next()
                // The listener is closed: a new connection is refused.
                await #expect(throws: (any Error).self) {
                    try await MilterClientConnection.withConnection(to: address) { connection in try await connection.negotiate() }
                }
            }
        }
        try await pool.shutdown()
    }

    /// Waits up to `seconds` for `flag`.
    fileprivate static func eventually(_ flag: ScanStarted, seconds: Double = 10) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while !flag.isSet, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        return flag.isSet
    }

    @Test("an ABORT or a dropped connection during the scan cancels it; after an ABORT the connection carries the next message",
          arguments: ["abort", "drop"])
    func abandonedScanIsCancelled(_ how: String) async throws {
        let started = ScanStarted(), cancelled = ScanStarted()
        let engine = RegisteredEngine(manifest: EngineManifest(name: "slow", adapter: "test", timeoutMilliseconds: 120_000),
                                      engine: SlowEngine(started: started, cancelled: cancelled))
        try await withServer([engine]) { address in
            try await MilterClientConnection.withConnection(to: address) { connection in
                try await connection.negotiate()
                _ = try await connection.connect(hostname: "c", address: "192.0.2.1", port: 25, helo: "c")
                let refused = try await connection.begin(from: "a@x", to: ["b@y"], headers: [("Subject", "SLOW")], body: [], queueID: "Q1")
                #expect(refused == nil)
                #expect(try await Self.eventually(started))
                // Dropping: the connection closes when this closure returns, the scan still running.
                guard how == "abort" else { return }
                try await connection.abort()
                #expect(try await Self.eventually(cancelled), "the engine saw its scan cancelled")
                // No answer for the abandoned message; the next one is scanned and answered.
                let answer = try await connection.send(from: "a@x", to: ["b@y"], headers: [("Subject", "quick")], body: [], queueID: "Q2")
                #expect(answer.final == .accept)
                try await connection.quit()
            }
            #expect(try await Self.eventually(cancelled), "the engine saw its scan cancelled")
        }
    }
}
