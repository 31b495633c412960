/// An immutable view of the engines and the policy, taken once per scan.
///
/// A scan works on one snapshot from start to end, so a swap in the middle of a scan can never
/// show it a half-built registry.
public struct EngineSnapshot: Sendable {
    public var engines: [RegisteredEngine] {
        didSet { manifests = Self.index(engines) }
    }
    public var policy: Policy {
        didSet { tenants = TenantDirectory(Array(tenants.tenants.values), global: policy) }
    }
    /// The tenants and their effective policies (empty: one global policy for all mail).
    public var tenants: TenantDirectory
    /// Increases by one with every swap; lets tests and logs tell snapshots apart.
    public var generation: Int

    public init(engines: [RegisteredEngine] = [], policy: Policy = Policy(), tenants: [Tenant] = [], generation: Int = 0) {
        self.engines = engines
        self.policy = policy
        self.tenants = TenantDirectory(tenants, global: policy)
        self.generation = generation
        self.manifests = Self.index(engines)
    }

    /// Engines that run (active and shadow).
    public var running: [RegisteredEngine] { engines.filter { $0.state != .disabled } }

    /// Manifests by engine name, built once per snapshot rather than on every scan.
    public private(set) var manifests: [String: EngineManifest]

    private static func index(_ engines: [RegisteredEngine]) -> [String: EngineManifest] {
        Dictionary(engines.map { ($0.name, $0.manifest) }, uniquingKeysWith: { first, _ in first })
    }

    public func engine(named name: String) -> RegisteredEngine? {
        engines.first { $0.name == name }
    }
}
