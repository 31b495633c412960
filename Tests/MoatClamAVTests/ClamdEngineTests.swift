import Foundation
import MoatClamAV
import MoatCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("clamd adapter")
struct ClamdEngineTests {
    static let clamd = "/usr/sbin/clamd"

    @Test("Options: socket or host and port, one of them")
    func options() async throws {
        await #expect(throws: ConfigurationError.self) { try await Fixtures.engine([:], adapter: ClamdEngineFactory()) }
        await #expect(throws: ConfigurationError.self) {
            try await Fixtures.engine(["host": .string("127.0.0.1")], adapter: ClamdEngineFactory())
        }
        let engine = try await Fixtures.engine(["host": .string("127.0.0.1"), "port": .integer(3310)], adapter: ClamdEngineFactory())
        #expect(engine.status["endpoint"] == "tcp:127.0.0.1:3310")
    }

    @Test("Against a real clamd: EICAR found, clean passes, stopped clamd throws",
          .enabled(if: FileManager.default.isExecutableFile(atPath: Self.clamd)))
    func realDaemon() async throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = directory + "/db"
        try FileManager.default.copyItem(atPath: Fixtures.rulesDirectory + "/clamav", toPath: database)
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
        let engine = try await Fixtures.engine(["socket": .string(socket), "timeout_ms": .integer(5000)], adapter: ClamdEngineFactory())
        let eicarMessage = Fixtures.message(attachments: [("eicar.com", Fixtures.eicar)])
        var ready = false
        for _ in 0..<300 where process.isRunning {
            if FileManager.default.fileExists(atPath: socket), (try? await Fixtures.scan(engine, eicarMessage)) != nil {
                ready = true
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        try #require(ready, "clamd did not come up; see \(directory)/clamd.log")

        let detected = try await Fixtures.scan(engine, eicarMessage)
        #expect(detected.category == .malware)
        #expect(detected.findings.first?.code == "clamav.signature")
        #expect(detected.findings.first?.detail.hasPrefix("Moat.Test.EICAR") == true)
        let clean = try await Fixtures.scan(engine, Fixtures.message(attachments: [("notes.txt", Array("hello\n".utf8))]))
        #expect(clean == .clean)

        process.terminate()
        process.waitUntilExit()
        await #expect(throws: ClamdError.self) { try await Fixtures.scan(engine, eicarMessage) }
        #expect(engine.status["failures"] != "0")
    }
}
