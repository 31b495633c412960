import Foundation
import MoatCore
import Testing
@testable import MoatExternal

@Suite struct CommandEngineTests {
    @Test func exitCodeAndNamePattern() async throws {
        // grep exits 0 on a match, 1 without: a stand-in scanner with no shell involved.
        let engine = try await makeEngine(CommandEngineFactory(), [
            "command": .array([.string("grep"), .string("-o"), .string("EICAR-STANDARD-ANTIVIRUS-TEST-FILE"), .string("{file}")]),
            "clean_codes": .array([.integer(1)]), "detected_codes": .array([.integer(0)]), "name_pattern": .string("^(EICAR\\S*)"),
        ])
        let hit = try await engine.scan(ScanInput(message: Fixtures.eicarMessage), context: scanContext())
        #expect(hit.category == .malware)
        #expect(hit.findings.map(\.detail) == ["EICAR-STANDARD-ANTIVIRUS-TEST-FILE"])
        let clean = try await engine.scan(ScanInput(message: Fixtures.clean), context: scanContext())
        #expect(clean.category == nil)
    }

    @Test func standardInputAndUnmappedExitCode() async throws {
        let engine = try await makeEngine(CommandEngineFactory(), [
            "command": .array([.string("grep"), .string("-c"), .string("Bob")]), "input": .string("stdin"), "retries": .integer(0),
            "clean_codes": .array([.integer(1)]), "detected_codes": .array([.integer(0)]),
        ])
        let hit = try await engine.scan(ScanInput(message: Fixtures.clean), context: scanContext())
        #expect(hit.findings.first?.detail == "detected (exit code 0)")
        let failing = try await makeEngine(CommandEngineFactory(), [
            "command": .array([.string("grep"), .string("x"), .string("/nonexistent/file")]), "input": .string("stdin"), "retries": .integer(0),
        ])
        await #expect(throws: ExternalError.self) { try await failing.scan(ScanInput(message: Fixtures.clean), context: scanContext()) }
        let missing = try await makeEngine(CommandEngineFactory(), [
            "command": .array([.string("moat-no-such-scanner"), .string("{file}")]), "retries": .integer(0),
        ])
        await #expect(throws: ExternalError.self) { try await missing.scan(ScanInput(message: Fixtures.clean), context: scanContext()) }
    }

    @Test func timeoutKillsTheWholeProcessGroup() async throws {
        let marker = NSTemporaryDirectory() + "moat-grandchild-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: marker) }
        // The "scanner" leaves a grandchild behind that would write the marker after 2 s.
        let engine = try await makeEngine(CommandEngineFactory(), [
            "command": .array([.string("sh"), .string("-c"), .string("(sleep 2; touch \(marker)) & sleep 30"), .string("{file}")]),
            "timeout_ms": .integer(300), "retries": .integer(0),
        ])
        let start = ContinuousClock.now
        await #expect(throws: ExternalError.self) { try await engine.scan(ScanInput(message: Fixtures.clean), context: scanContext()) }
        // Returned long before the scanner's own 30 s sleep ended (a bound, not a speed claim:
        // this asserted < 2 s and failed on a loaded machine at 3.2 s).
        #expect(ContinuousClock.now - start < .seconds(20))
        try await Task.sleep(for: .milliseconds(2500))
        #expect(!FileManager.default.fileExists(atPath: marker), "a grandchild survived the timeout")
    }

    @Test func privateTemporaryFileIsRemovedAndOutputBounded() async throws {
        let directory = NSTemporaryDirectory() + "moat-cmdtmp-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // stat prints the directory's mode; yes floods the output past the bound.
        let engine = try await makeEngine(CommandEngineFactory(), [
            "command": .array([.string("sh"), .string("-c"), .string("stat -c '%a' \"$(dirname \"$1\")\"; yes | head -c 1000000; exit 1"), .string("sh"), .string("{file}")]),
            "temporary_directory": .string(directory), "name_pattern": .string("^([0-7]{3})$"), "max_output_bytes": .integer(1024),
        ])
        let report = try await engine.scan(ScanInput(message: Fixtures.clean), context: scanContext())
        #expect(report.findings.first?.detail == "700")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
    }

    @Test func attachmentsMode() async throws {
        let engine = try await makeEngine(CommandEngineFactory(), [
            "command": .array([.string("grep"), .string("-q"), .string("EICAR-STANDARD"), .string("{file}")]), "mode": .string("attachments"),
            "clean_codes": .array([.integer(1)]), "detected_codes": .array([.integer(0)]),
        ])
        let report = try await engine.scan(ScanInput(message: Fixtures.withAttachment(Fixtures.eicar, filename: "eicar.com")), context: scanContext())
        #expect(report.findings.first?.partPath == "2")
        #expect(try await engine.scan(ScanInput(message: Fixtures.clean), context: scanContext()) == .clean)
    }

    @Test(.enabled(if: hasCommand("clamscan"), "clamscan not installed (apt-get install clamav)"))
    func clamscanWithMoatSignatures() async throws {
        let engine = try await makeEngine(CommandEngineFactory(), [
            "command": .array(["clamscan", "--no-summary", "--stdout", "-d", "{rules}/clamav", "{file}"].map(ConfigValue.string)),
            "name_pattern": .string(": (\\S+) FOUND$"), "clean_codes": .array([.integer(0)]), "detected_codes": .array([.integer(1)]),
        ], timeoutMs: 60_000)
        let hit = try await engine.scan(ScanInput(message: Fixtures.eicarMessage), context: scanContext())
        #expect(hit.category == .malware)
        #expect(hit.findings.first?.detail.hasPrefix("Moat.Test.EICAR") == true, "\(hit.findings)")
        #expect(try await engine.scan(ScanInput(message: Fixtures.clean), context: scanContext()).category == nil)
    }
}
