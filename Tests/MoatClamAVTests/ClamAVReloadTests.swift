import Foundation
import MoatClamAV
import MoatCore
import Testing

@Suite("ClamAV hot reload and status")
struct ClamAVReloadTests {
    static let marker = "MOAT-RELOAD-MARKER-7F3A"

    @Test("500 concurrent scans survive a reload; scans after the swap see the new signature")
    func reloadUnderLoad() async throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.copyItem(atPath: Fixtures.rulesDirectory + "/clamav/moat-eicar.ndb", toPath: directory + "/moat-eicar.ndb")
        let engine = try await Fixtures.engine(["databases": .array([.string(directory)])])
        #expect(engine.status["signatures"] == "1")
        let message = Fixtures.message(attachments: [("note.txt", Array("payload \(Self.marker) end\n".utf8))])
        try await engine.refresh()
        #expect(engine.status["reloads"] == "0", "nothing changed, nothing reloaded")

        let hex = Self.marker.utf8.map { String(format: "%02x", $0) }.joined()
        try await withThrowingTaskGroup(of: (after: Bool, detected: Bool).self) { group in
            for _ in 0..<250 {
                group.addTask { (false, try await Fixtures.scan(engine, message).category == .malware) }
            }
            try Data("Moat.Test.ReloadMarker:0:*:\(hex)\n".utf8).write(to: URL(fileURLWithPath: directory + "/reload.ndb"))
            try await engine.refresh()
            for _ in 0..<250 {
                group.addTask { (true, try await Fixtures.scan(engine, message).category == .malware) }
            }
            var before = 0, after = 0
            for try await result in group {
                if result.after {
                    #expect(result.detected)
                    after += 1
                } else {
                    before += 1
                }
            }
            #expect(before == 250 && after == 250)
        }
        #expect(engine.status["signatures"] == "2")
        #expect(engine.status["reloads"] == "1")
        #expect(engine.status["generation"] == "2")
    }

    @Test("A broken database keeps the running one and reports the error")
    func failedReload() async throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.copyItem(atPath: Fixtures.rulesDirectory + "/clamav/moat-eicar.hdb", toPath: directory + "/moat-eicar.hdb")
        let engine = try await Fixtures.engine(["databases": .array([.string(directory)])])
        try Data("this is not a signature\n".utf8).write(to: URL(fileURLWithPath: directory + "/broken.ndb"))
        await #expect(throws: ClamAVError.self) { try await engine.refresh() }
        #expect(engine.status["last_reload_error"] != nil)
        let report = try await Fixtures.scan(engine, Fixtures.message(attachments: [("eicar.com", Fixtures.eicar)]))
        #expect(report.category == .malware)
    }

    @Test("No database at all: starts, says it detects nothing, detects nothing")
    func noSignatures() async throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let engine = try await Fixtures.engine(["databases": .array([.string(directory), .string(directory + "/missing")])])
        #expect(engine.status["signatures"] == "0")
        #expect(engine.status["warning"] != nil)
        let report = try await Fixtures.scan(engine, Fixtures.message(attachments: [("eicar.com", Fixtures.eicar)]))
        #expect(report == .clean)
    }

    @Test("Status names the library version and load time")
    func status() async throws {
        let engine = try await Fixtures.engine()
        let status = engine.status
        #expect(status["engine_version"]?.hasPrefix("1.") == true)
        #expect(Int(status["functionality_level"] ?? "") ?? 0 > 0)
        #expect(Int(status["load_ms"] ?? "") != nil)
        print("clamav status: \(status.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
    }
}
