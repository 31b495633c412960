import Foundation
import Logging
import MoatCore
import Testing

@Suite("EngineRegistry and EngineLoader")
struct EngineRegistryTests {
    @Test("state changes swap the snapshot and are recorded with actor and reason")
    func stateChanges() throws {
        let registry = EngineRegistry(EngineSnapshot(engines: [Fixtures.engine("av", FixedEngine(report: .clean))]))
        let before = registry.snapshot
        let change = try registry.setState("av", to: .shadow, actor: "operator", reason: "false positives on invoices")
        #expect(change.from == .active && change.to == .shadow)
        #expect(before.engines[0].state == .active)
        #expect(registry.snapshot.engines[0].state == .shadow)
        #expect(registry.snapshot.generation == before.generation + 1)
        #expect(registry.history == [change])
        #expect(throws: EngineRegistry.RegistryError.unknownEngine("nope")) {
            try registry.setState("nope", to: .disabled, actor: "operator", reason: "")
        }
    }

    /// Builds FixedEngines; counts builds so reuse on reload is observable.
    final class FixedFactory: EngineFactory, @unchecked Sendable {
        // Only mutated from the loader, which builds sequentially in these tests.
        var builds = 0
        var adapter: String { "fixed" }
        func makeEngine(_ manifest: EngineManifest, context: EngineBuildContext) async throws -> any ScanEngine {
            guard let verdict = manifest.options["verdict"]?.stringValue else {
                throw context.invalid("verdict", "required")
            }
            builds += 1
            return FixedEngine(report: verdict == "clean" ? .clean : EngineReport(category: VerdictCategory(rawValue: verdict), score: 1))
        }
    }

    func write(_ files: [String: String]) throws -> String {
        let directory = NSTemporaryDirectory() + "moat-engines-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (name, text) in files {
            try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
        }
        return directory
    }

    @Test("manifests load sorted by file name; names default to the file name")
    func loads() async throws {
        let directory = try write([
            "b-av.toml": "adapter = \"fixed\"\n[options]\nverdict = \"malware\"\n",
            "a-spam.toml": "name = \"spam\"\nadapter = \"fixed\"\nstate = \"shadow\"\n[options]\nverdict = \"spam\"\n",
            "README.md": "not a manifest",
        ])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let loader = EngineLoader(factories: [FixedFactory()], blocking: BlockingWorkPool(threads: 1), logger: Logger(label: "test"))
        let result = await loader.load(directory: directory, rulesDirectory: "rules")
        #expect(result.problems.isEmpty)
        #expect(result.engines.map(\.name) == ["spam", "b-av"])
        #expect(result.engines.map(\.state) == [.shadow, .active])
    }

    @Test("bad manifests are reported with file and key, the good ones still load")
    func problems() async throws {
        let directory = try write([
            "good.toml": "adapter = \"fixed\"\n[options]\nverdict = \"clean\"\n",
            "unknown.toml": "adapter = \"nope\"\n",
            "missing.toml": "adapter = \"fixed\"\n",
            "syntax.toml": "adapter = \n",
            "state.toml": "adapter = \"fixed\"\nstate = \"sleepy\"\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let loader = EngineLoader(factories: [FixedFactory()], blocking: BlockingWorkPool(threads: 1), logger: Logger(label: "test"))
        let result = await loader.load(directory: directory, rulesDirectory: "rules")
        #expect(result.engines.map(\.name) == ["good"])
        let byFile = Dictionary(uniqueKeysWithValues: result.problems.map { (($0.file as NSString).lastPathComponent, $0) })
        #expect(byFile["unknown.toml"]?.key == "adapter")
        #expect(byFile["missing.toml"]?.key == "options.verdict")
        #expect(byFile["syntax.toml"]?.reason.contains("line 1") == true)
        #expect(byFile["state.toml"]?.key == "state")
    }

    @Test("a reload reuses engines whose adapter options did not change")
    func reuse() async throws {
        let directory = try write([
            "av.toml": "adapter = \"fixed\"\n[options]\nverdict = \"malware\"\n",
            "spam.toml": "adapter = \"fixed\"\n[options]\nverdict = \"spam\"\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let factory = FixedFactory()
        let loader = EngineLoader(factories: [factory], blocking: BlockingWorkPool(threads: 1), logger: Logger(label: "test"))
        let first = await loader.load(directory: directory, rulesDirectory: "rules")
        #expect(factory.builds == 2)
        try "adapter = \"fixed\"\nstate = \"shadow\"\n[options]\nverdict = \"spam\"\n".write(toFile: directory + "/spam.toml", atomically: true, encoding: .utf8)
        try "adapter = \"fixed\"\n[options]\nverdict = \"phishing\"\n".write(toFile: directory + "/av.toml", atomically: true, encoding: .utf8)
        let second = await loader.load(directory: directory, rulesDirectory: "rules", previous: EngineSnapshot(engines: first.engines))
        #expect(factory.builds == 3)
        #expect(second.engines.map(\.state) == [.active, .shadow])
        #expect(second.reused == ["spam"])
    }

    @Test("a missing engines directory means no engines, not an error")
    func missingDirectory() async {
        let loader = EngineLoader(factories: [FixedFactory()], blocking: BlockingWorkPool(threads: 1), logger: Logger(label: "test"))
        let result = await loader.load(directory: "/nonexistent/engines", rulesDirectory: "rules")
        #expect(result.engines.isEmpty && result.problems.isEmpty)
    }
}
