import Foundation
import Logging

/// Reads `engines/*.toml` and builds the engines they declare.
///
/// On reload an engine whose manifest did not change is reused as it is, so a reload costs only
/// what changed (a ClamAV database is not recompiled because another manifest moved).
public struct EngineLoader: Sendable {
    /// The outcome of reading a manifest directory: the engines built, and what could not be.
    public struct Result: Sendable {
        public var engines: [RegisteredEngine]
        public var problems: [ConfigurationError]
        /// Names of engines carried over unchanged from the previous snapshot.
        public var reused: Set<String> = []
    }

    public var factories: [String: any EngineFactory]
    public var blocking: BlockingWorkPool
    public var logger: Logger
    /// Handed to every factory (see ``EngineBuildContext/WarmUp``).
    public var warmUp: EngineBuildContext.WarmUp = .wait
    public var progress: @Sendable (String) -> Void = { _ in }

    public init(factories: [any EngineFactory], blocking: BlockingWorkPool, logger: Logger) {
        self.factories = Dictionary(factories.map { ($0.adapter, $0) }, uniquingKeysWith: { first, _ in first })
        self.blocking = blocking
        self.logger = logger
    }

    /// Reads every `*.toml` in `directory` (a missing directory means no engines).
    public func load(directory: String, rulesDirectory: String, previous: EngineSnapshot? = nil) async -> Result {
        let (manifests, problems) = Self.manifests(in: directory)
        var result = await build(manifests, rulesDirectory: rulesDirectory, previous: previous)
        result.problems = problems + result.problems
        return result
    }

    /// The manifests of `directory` in file-name order, each named after its file when it has no
    /// `name`, and the files that could not be read; the one reader `moatd`, `moat`, `moat train`
    /// and the rule-test runner share.
    public static func manifests(in directory: String) -> (manifests: [(path: String, manifest: EngineManifest)], problems: [ConfigurationError]) {
        let files: [String]
        do {
            files = try FileManager.default.contentsOfDirectory(atPath: directory)
                .filter { $0.hasSuffix(".toml") }
                .sorted()
        } catch {
            if FileManager.default.fileExists(atPath: directory) {
                return ([], [ConfigurationError(file: directory, reason: "cannot list: \(error.localizedDescription)")])
            }
            return ([], [])
        }
        var manifests: [(path: String, manifest: EngineManifest)] = []
        var problems: [ConfigurationError] = []
        for file in files {
            let path = directory + "/" + file
            do {
                var manifest = try TOMLDocument.load(EngineManifest.self, path: path)
                if manifest.name.isEmpty { manifest.name = String(file.dropLast(5)) }
                manifests.append((path, manifest))
            } catch let error as ConfigurationError {
                problems.append(error)
            } catch {
                problems.append(ConfigurationError(file: path, reason: "\(error)"))
            }
        }
        return (manifests, problems)
    }

    /// Builds engines from already-decoded manifests (`path` is used in error messages).
    public func build(_ manifests: [(path: String, manifest: EngineManifest)], rulesDirectory: String, previous: EngineSnapshot? = nil) async -> Result {
        var engines: [RegisteredEngine] = []
        var problems: [ConfigurationError] = []
        var seen = Set<String>()
        var reused = Set<String>()
        let adapters = Set(factories.keys)
        for (path, manifest) in manifests {
            if let problem = Self.problem(path, manifest, names: &seen, adapters: adapters) {
                problems.append(problem)
                continue
            }
            if let old = previous?.engine(named: manifest.name), Self.sameEngine(old.manifest, manifest) {
                engines.append(RegisteredEngine(manifest: manifest, engine: old.engine))
                reused.insert(manifest.name)
                continue
            }
            guard let factory = factories[manifest.adapter] else { continue }
            let context = EngineBuildContext(
                blocking: blocking, logger: logger, rulesDirectory: rulesDirectory, manifestPath: path, warmUp: warmUp, progress: progress
            )
            do {
                let engine = try await factory.makeEngine(manifest, context: context)
                engines.append(RegisteredEngine(manifest: manifest, engine: engine))
            } catch let error as ConfigurationError {
                problems.append(error)
            } catch {
                problems.append(ConfigurationError(file: path, reason: "cannot start engine: \(error)"))
            }
        }
        return Result(engines: engines, problems: problems, reused: reused)
    }

    /// What keeps a decoded manifest from being built, before its factory runs: a name an earlier
    /// manifest in `names` took (the name is added), or an adapter not among `adapters`. Shared
    /// by `build` and `moat config check`, which reports without building.
    public static func problem(
        _ path: String, _ manifest: EngineManifest, names: inout Set<String>, adapters: Set<String>
    ) -> ConfigurationError? {
        guard names.insert(manifest.name).inserted else {
            return ConfigurationError(file: path, key: "name", reason: "engine name '\(manifest.name)' is used twice")
        }
        guard adapters.contains(manifest.adapter) else {
            return ConfigurationError(
                file: path, key: "adapter", reason: "unknown adapter '\(manifest.adapter)' (known: \(adapters.sorted().joined(separator: ", ")))")
        }
        return nil
    }

    /// Manifests that differ only in state, weight, timeout or failure policy keep their engine.
    private static func sameEngine(_ a: EngineManifest, _ b: EngineManifest) -> Bool {
        a.adapter == b.adapter && a.options == b.options
    }
}
