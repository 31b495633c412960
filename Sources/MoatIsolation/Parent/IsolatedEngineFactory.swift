import MoatCore

/// The daemon's stand-in for an adapter whose engines run in worker processes.
///
/// The parent keeps every manifest (names, states, weights, timeouts, removal policies) but builds
/// no engine: no signature database, no C library state, nothing that could crash it. The workers
/// build the real engines and report manifest problems when they start.
public struct IsolatedEngineFactory: EngineFactory {
    public let adapter: String

    public init(adapter: String) {
        self.adapter = adapter
    }

    public func makeEngine(_ manifest: EngineManifest, context: EngineBuildContext) async throws -> any ScanEngine {
        IsolatedEngine(adapter: adapter)
    }
}

/// An engine that exists in the worker processes; the pool scans with it, never this value.
struct IsolatedEngine: ScanEngine {
    struct RunsInWorkers: Error, CustomStringConvertible {
        var description: String { "this engine runs in the scan workers; scan through the worker pool" }
    }

    let adapter: String

    func scan(_ input: ScanInput, context: ScanContext) async throws -> EngineReport {
        throw RunsInWorkers()
    }

    var status: [String: String] { ["runs_in": "worker processes"] }
}
