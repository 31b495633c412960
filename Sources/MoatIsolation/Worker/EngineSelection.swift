import MoatCore

/// Which engines a worker builds: all, only some (a dedicated pool), or all but some (the default
/// pool when others are dedicated). The rest get stand-ins, so the manifests still load as one set.
public enum EngineSelection: Sendable, Equatable {
    case all
    case only(Set<String>)
    case except(Set<String>)

    /// From the worker's `--worker-only` / `--worker-except` arguments (comma-separated names).
    public init(only: String?, except: String?) {
        func names(_ list: String) -> Set<String> { Set(list.split(separator: ",").map(String.init)) }
        if let only { self = .only(names(only)) } else if let except { self = .except(names(except)) } else { self = .all }
    }

    public func includes(_ name: String) -> Bool {
        switch self {
        case .all: true
        case .only(let names): names.contains(name)
        case .except(let names): !names.contains(name)
        }
    }

    /// `factories` wrapped so that engines outside the selection are never built.
    public func apply(to factories: [any EngineFactory]) -> [any EngineFactory] {
        guard self != .all else { return factories }
        return factories.map { SelectedEngineFactory(inner: $0, selection: self) }
    }
}

/// Builds an engine only when the worker's selection includes it.
struct SelectedEngineFactory: EngineFactory {
    let inner: any EngineFactory
    let selection: EngineSelection

    var adapter: String { inner.adapter }

    func makeEngine(_ manifest: EngineManifest, context: EngineBuildContext) async throws -> any ScanEngine {
        guard selection.includes(manifest.name) else { return IsolatedEngine(adapter: adapter) }
        return try await inner.makeEngine(manifest, context: context)
    }
}
