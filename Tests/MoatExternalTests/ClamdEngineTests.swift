import Foundation
import MoatCore
import Testing
@testable import MoatExternal

#if canImport(Glibc)
import Glibc
#endif

@Suite("clamd adapter")
struct ClamdEngineTests {
    static let clamd = "/usr/sbin/clamd"

    static func engine(_ options: [String: ConfigValue]) async throws -> any ScanEngine {
        try await makeEngine(ClamdEngineFactory(), options)
    }

    @Test("Options: socket, or host and port (clamd's 3310 by default), never both; unknown keys refused")
    func options() async throws {
        #expect(try await Self.engine([:]).status["endpoint"] == "127.0.0.1:3310")
        #expect(try await Self.engine(["host": .string("10.0.0.5"), "port": .integer(3311)]).status["endpoint"] == "10.0.0.5:3311")
        await #expect(throws: ConfigurationError.self) { try await Self.engine(["socket": .string("/run/c.sock"), "port": .integer(1)]) }
        await #expect(throws: ConfigurationError.self) { try await Self.engine(["socket": .string("relative.sock")]) }
        await #expect(throws: ConfigurationError.self) { try await Self.engine(["chunk_sise": .integer(4096)]) }
    }

    @Test("Against a real clamd: EICAR found, clean passes, a stopped clamd is an error and opens the breaker",
          .enabled(if: FileManager.default.isExecutableFile(atPath: Self.clamd)))
    func realDaemon() async throws {
        let directory = NSTemporaryDirectory() + "moat-clamd-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = directory + "/db"
        try FileManager.default.copyItem(atPath: repositoryRoot + "/rules/clamav", toPath: database)
        let socket = directory + "/clamd.sock"
        try """
        LocalSocket \(socket)
        DatabaseDirectory \(database)
        TemporaryDirectory \(directory)
        LogFile \(directory)/clamd.log
        Foreground yes
        MaxThreads 4

        """.write(toFile: directory + "/clamd.conf", atomically: true, encoding: .utf8)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.clamd)
        process.arguments = ["--config-file=\(directory)/clamd.conf"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
        let engine = try await Self.engine([
            "socket": .string(socket), "timeout_ms": .integer(5000), "retries": .integer(0), "breaker_failures": .integer(1),
        ])
        let infected = Fixtures.withAttachment(Fixtures.eicar, filename: "eicar.com")
        var ready = false
        for _ in 0..<300 where process.isRunning {
            if FileManager.default.fileExists(atPath: socket), (try? await engine.scan(ScanInput(message: infected), context: scanContext())) != nil {
                ready = true
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        try #require(ready, "clamd did not come up; see \(directory)/clamd.log")

        let detected = try await engine.scan(ScanInput(message: infected), context: scanContext())
        #expect(detected.category == .malware)
        #expect(detected.findings.first?.code == "clamav.signature")
        #expect(detected.findings.first?.detail.hasPrefix("Moat.Test.EICAR") == true)
        let clean = try await engine.scan(ScanInput(message: Fixtures.clean), context: scanContext())
        #expect(clean == .clean)

        process.terminate()
        process.waitUntilExit()
        await #expect(throws: ExternalError.self) { try await engine.scan(ScanInput(message: infected), context: scanContext()) }
        #expect(engine.status["circuit"] == "open")
    }
}
