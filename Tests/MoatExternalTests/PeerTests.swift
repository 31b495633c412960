import Foundation
import MoatCore
import Testing
@testable import MoatExternal

/// Each adapter against the real peer, started by `Tests/EndToEnd/peers/start-peer.sh` on loopback.
/// With `MOAT_BENCH=1` each test also prints Moat's per-message time next to the peer's own client.
@Suite struct PeerTests {
    static let benchmarking = ProcessInfo.processInfo.environment["MOAT_BENCH"] == "1"

    @Test(.enabled(if: hasCommand("c-icap") && hasCommand("clamd"), "c-icap or clamav-daemon not installed"))
    func icapWithCICAPAndClamd() async throws {
        let peer = try await Peer.start("icap")
        defer { peer.stop() }
        for mode in ["message", "attachments"] {
            let engine = try await makeEngine(ICAPEngineFactory(), ["port": .integer(peer.port), "service": .string("avscan"), "mode": .string(mode)])
            let eicar = mode == "message" ? Fixtures.eicarMessage : Fixtures.withAttachment(Fixtures.eicar, filename: "eicar.com")
            let hit = try await engine.scan(ScanInput(message: eicar), context: scanContext())
            #expect(hit.category == .malware, "\(mode): \(hit)")
            #expect(hit.findings.first?.detail.hasPrefix("Moat.Test.EICAR") == true, "\(hit.findings)")
            #expect(hit.findings.first?.partPath == (mode == "message" ? "" : "2"))
            let clean = mode == "message" ? Fixtures.clean : Fixtures.withAttachment("plain figures", filename: "figures.txt")
            #expect(try await engine.scan(ScanInput(message: clean), context: scanContext()).category == nil)
            // A larger clean message goes through preview and 100 Continue.
            let large = Fixtures.message(body: String(repeating: "The quarterly figures are fine. ", count: 4000))
            #expect(try await engine.scan(ScanInput(message: large), context: scanContext()).category == nil)
            let status = engine.status
            #expect(status["istag"] != nil && status["errors"] == "0", "\(status)")
            print("icap status (\(mode)): \(status.sorted { $0.key < $1.key })")
        }
        // The peer dies: the next scans fail fast and open the circuit.
        let engine = try await makeEngine(ICAPEngineFactory(), ["port": .integer(peer.port), "breaker_failures": .integer(2), "retries": .integer(0), "timeout_ms": .integer(2000)])
        _ = try await engine.scan(ScanInput(message: Fixtures.clean), context: scanContext())
        if Self.benchmarking { try await bench("icap", engine: engine, peerClient: ["c-icap-client", "-i", "127.0.0.1", "-p", "\(peer.port)", "-s", "avscan", "-f", "{file}", "-noreshdr"]) }
        peer.killGroup(index: 0)
        try await Task.sleep(for: .milliseconds(200))
        for _ in 0..<2 {
            await #expect(throws: ExternalError.self) { try await engine.scan(ScanInput(message: Fixtures.clean), context: scanContext()) }
        }
        #expect(engine.status["circuit"] == "open")
    }

    @Test(.enabled(if: hasCommand("spamd") && hasCommand("spamc"), "spamassassin or spamc not installed"))
    func spamdWithSpamAssassin() async throws {
        let peer = try await Peer.start("spamd")
        defer { peer.stop() }
        for command in ["symbols", "report"] {
            let engine = try await makeEngine(SpamdEngineFactory(), ["port": .integer(peer.port), "command": .string(command)], timeoutMs: 30_000)
            let spam = try await engine.scan(ScanInput(message: Fixtures.spamMessage), context: scanContext())
            #expect(spam.category == .spam, "\(spam)")
            #expect(spam.score >= 10)
            #expect(spam.findings.contains { $0.code == "spamd.MOAT_TEST" && (command == "symbols" || $0.score == 10) }, "\(spam.findings)")
            let ham = try await engine.scan(ScanInput(message: Fixtures.clean), context: scanContext())
            #expect(ham.category == nil)
            if Self.benchmarking && command == "symbols" {
                try await bench("spamd", engine: engine, peerClient: ["spamc", "-p", "\(peer.port)", "-y"], stdin: true)
            }
        }
    }

    @Test(.enabled(if: hasCommand("rspamd"), "rspamd not installed"))
    func rspamdWithGTUBE() async throws {
        let peer = try await Peer.start("rspamd")
        defer { peer.stop() }
        let engine = try await makeEngine(RspamdEngineFactory(), ["port": .integer(peer.port)], timeoutMs: 30_000)
        let envelope = Envelope(clientAddress: "192.0.2.10", helo: "mx.example.org", mailFrom: "alice@example.org", recipients: ["bob@example.org"])
        let spam = try await engine.scan(ScanInput(message: Fixtures.gtubeMessage, envelope: envelope), context: scanContext())
        #expect(spam.category == .spam, "\(spam)")
        #expect(spam.findings.contains { $0.code == "rspamd.GTUBE" })
        let ham = try await engine.scan(ScanInput(message: Fixtures.clean, envelope: envelope), context: scanContext())
        #expect(ham.category == nil, "\(ham)")
        #expect(engine.status["errors"] == "0")
        if Self.benchmarking {
            try await bench("rspamd", engine: engine, peerClient: ["curl", "-s", "-o", "/dev/null", "--data-binary", "@{file}", "http://127.0.0.1:\(peer.port)/checkv2"])
        }
    }

    @Test(.enabled(if: benchmarking && hasCommand("clamscan"), "MOAT_BENCH=1 not set or clamscan missing"))
    func commandBench() async throws {
        let engine = try await makeEngine(CommandEngineFactory(), [
            "command": .array(["clamscan", "--no-summary", "-d", "{rules}/clamav", "{file}"].map(ConfigValue.string)),
        ], timeoutMs: 60_000)
        try await bench("command", engine: engine, peerClient: ["clamscan", "--no-summary", "-d", repositoryRoot + "/rules/clamav", "{file}"], count: 5)
    }

    /// Sequential per-message wall time: the adapter, then the peer's own client on the same messages.
    func bench(_ name: String, engine: any ScanEngine, peerClient: [String], stdin: Bool = false, count: Int = 200) async throws {
        let messages = [Fixtures.clean, Fixtures.spamMessage, Fixtures.eicarMessage, Fixtures.gtubeMessage,
                        Fixtures.message(body: String(repeating: "Figures and more figures. ", count: 2000))]
        for message in messages { _ = try? await engine.scan(ScanInput(message: message), context: scanContext()) }
        let start = ContinuousClock.now
        for index in 0..<count { _ = try? await engine.scan(ScanInput(message: messages[index % messages.count]), context: scanContext()) }
        let moat = (ContinuousClock.now - start) / count
        let directory = NSTemporaryDirectory() + "moat-bench-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let files = try messages.enumerated().map { index, message in
            let path = "\(directory)/m\(index).eml"
            try Data(message.raw).write(to: URL(fileURLWithPath: path))
            return path
        }
        let clientStart = ContinuousClock.now
        for index in 0..<count {
            let file = files[index % files.count]
            let arguments = peerClient.map { $0.replacingOccurrences(of: "{file}", with: file) }
            let input = stdin ? Array(try Data(contentsOf: URL(fileURLWithPath: file))) : nil
            _ = try await sharedPool.run { try ScannerProcess.run(arguments, input: input, outputLimit: 1 << 16, timeout: .seconds(60)) }
        }
        let client = (ContinuousClock.now - clientStart) / count
        let line = "bench \(name): moat \(moat) per message, \(peerClient[0]) \(client) per message (\(count) sequential messages)"
        print(line)
        if let output = ProcessInfo.processInfo.environment["MOAT_BENCH_OUT"] {
            let handle = FileHandle(forWritingAtPath: output) ?? { _ = FileManager.default.createFile(atPath: output, contents: nil); return FileHandle(forWritingAtPath: output)! }()
            handle.seekToEndOfFile()
            handle.write(Data((line + "\n").utf8))
            try handle.close()
        }
    }
}
