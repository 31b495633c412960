import Foundation
import MoatClamAV
import MoatCore
import Testing

@Suite("ClamAV limits and options")
struct ClamAVLimitsAndOptionsTests {
    @Test("A tiny max_files makes a limit finding, not a crash", .enabled(if: Fixtures.zipInstalled))
    func maxFiles() async throws {
        let archive = try Fixtures.zip((1...4).map { ("file\($0).txt", Array("content \($0)\n".utf8)) })
        let engine = try await Fixtures.engine(["max_files": .integer(1)])
        let report = try await Fixtures.scan(engine, Fixtures.message(attachments: [("many.zip", archive)]))
        let limits = report.findings.filter { $0.code == "clamav.limit" }
        #expect(!limits.isEmpty, "findings: \(report.findings)")
        #expect(limits.allSatisfy { $0.score == 1 })
        #expect(report.category == .suspicious)
    }

    @Test("A tiny max_file_size makes a limit finding with the configured score")
    func maxFileSize() async throws {
        let engine = try await Fixtures.engine(["max_file_size": .string("1K"), "limit_score": .double(2.5)])
        let big = [UInt8](repeating: 0x41, count: 4096)
        let report = try await Fixtures.scan(engine, Fixtures.message(attachments: [("big.bin", big)]))
        let limit = report.findings.first { $0.code == "clamav.limit" && $0.partPath == "2" }
        #expect(limit?.detail.hasPrefix("Heuristics.Limits.Exceeded.MaxFileSize") == true, "findings: \(report.findings)")
        #expect(limit?.score == 2.5)
        #expect(report.category == .suspicious)
    }

    @Test("Bad options are configuration errors naming the key", arguments: [
        ("max_files", ConfigValue.string("lots")),
        ("max_file_size", ConfigValue.integer(-1)),
        ("heuristics", ConfigValue.string("yes")),
        ("databases", ConfigValue.integer(3)),
        ("max_filesize", ConfigValue.integer(10)),
    ])
    func badOption(key: String, value: ConfigValue) async throws {
        let error = await #expect(throws: ConfigurationError.self) { try await Fixtures.engine([key: value]) }
        #expect(error?.key == "options.\(key)")
        #expect(error?.file == "engines/clamav-test.toml")
    }

    @Test("A malformed signature file stops the engine from starting")
    func malformedDatabase() async throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data("Broken:0:0:zz\n".utf8).write(to: URL(fileURLWithPath: directory + "/broken.ndb"))
        await #expect(throws: ClamAVError.self) { try await Fixtures.engine(["databases": .array([.string(directory)])]) }
    }

    @Test("The shipped engines/clamav.toml builds an engine with signatures")
    func shippedManifest() async throws {
        let text = try String(contentsOfFile: Fixtures.repoRoot + "/engines/clamav.toml", encoding: .utf8)
        #expect(text.contains("adapter = \"clamav\""))
        let manifest = try TOMLDocument.decode(EngineManifest.self, from: text, file: "engines/clamav.toml")
        var options = manifest.options
        options["system_database"] = .bool(false)
        let engine = try await Fixtures.engine(options)
        #expect(Int(engine.status["signatures"] ?? "") ?? 0 >= 4)
    }
}
