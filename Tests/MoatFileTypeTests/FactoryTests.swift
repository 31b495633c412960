import Foundation
import MoatCore
@testable import MoatFileType
import Testing

@Suite("FileTypeEngineFactory and policy")
struct FactoryTests {
    @Test("the shipped manifest and policy build an engine whose status names versions and counts")
    func shipped() async throws {
        let manifestPath = TestSupport.repoRoot.appendingPathComponent("engines/filetype.toml").path
        let manifest = try TOMLDocument.load(EngineManifest.self, path: manifestPath)
        #expect(manifest.adapter == "filetype")
        let context = EngineBuildContext(blocking: TestSupport.pool, logger: TestSupport.logger,
                                         rulesDirectory: TestSupport.rulesDirectory, manifestPath: manifestPath)
        let engine = try await FileTypeEngineFactory().makeEngine(manifest, context: context)
        let status = engine.status
        #expect(status["libmagic"]?.hasPrefix("5.") == true)
        #expect(Int(status["policy.block.extensions"] ?? "0")! > 20)
        #expect(status["policy.path"] == TestSupport.policyPath)
    }

    @Test("bad options name the key")
    func badOptions() async throws {
        await #expect(throws: ConfigurationError.self) { try await TestSupport.engine(["max_depth": .integer(0)]) }
        await #expect(throws: ConfigurationError.self) { try await TestSupport.engine(["maxdepth": .integer(3)]) }
        await #expect(throws: ConfigurationError.self) { try await TestSupport.engine(["category": .string("bad")]) }
        await #expect(throws: ConfigurationError.self) { try await TestSupport.engine(["policy": .string("nope.toml")]) }
    }

    @Test("a policy with one extension in two classes is refused with file and key")
    func duplicateExtension() throws {
        let text = """
            [[type]]
            name = "a"
            action = "block"
            extensions = ["exe"]
            [[type]]
            name = "b"
            action = "allow"
            extensions = [".EXE"]
            """
        let document = try TOMLDocument.decode(FileTypePolicy.Document.self, from: text, file: "p.toml")
        #expect(throws: ConfigurationError(file: "p.toml", key: "type[1].extensions", reason: ".exe is already in class \"a\"")) {
            try FileTypePolicy(document: document, file: "p.toml")
        }
    }

    @Test("refresh re-reads the policy file and keeps the old one when it breaks")
    func refresh() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("moat-ft-refresh-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("policy.toml").path
        try "[[type]]\nname = \"x\"\naction = \"block\"\nextensions = [\"xyz\"]\n".write(toFile: path, atomically: true, encoding: .utf8)
        let engine = try await TestSupport.engine(["policy": .string(path)])
        #expect(engine.policy.typeClass(forExtension: "xyz")?.action == .block)
        try "[[type]]\nname = \"x\"\naction = \"allow\"\nextensions = [\"xyz\"]\n".write(toFile: path, atomically: true, encoding: .utf8)
        try await engine.refresh()
        #expect(engine.policy.typeClass(forExtension: "xyz")?.action == .allow)
        try "[[type]]\nname = 1\n".write(toFile: path, atomically: true, encoding: .utf8)
        await #expect(throws: ConfigurationError.self) { try await engine.refresh() }
        #expect(engine.policy.typeClass(forExtension: "xyz")?.action == .allow)
    }
}
