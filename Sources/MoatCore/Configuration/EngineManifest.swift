/// One engine instance, as declared by a TOML file in `engines/`.
///
/// The manifest is the operator's whole control over an engine: which adapter runs, whether it
/// votes, how much its score weighs, how long it may take and what its failure means.
public struct EngineManifest: Sendable, Hashable, Codable {
    /// What an engine's error or timeout does to the decision.
    public enum FailurePolicy: String, Sendable, Hashable, Codable {
        /// The engine's vote is dropped; the others decide (the failure is still recorded and shown).
        case ignore
        /// The whole message is tempfailed so the MTA retries later.
        case tempfail
    }

    /// Unique instance name; defaults to the file's name without `.toml`.
    public var name: String
    /// Which adapter implements it (`clamav`, `pattern`, ...).
    public var adapter: String
    public var state: EngineState
    /// Multiplier applied to the engine's score before summing.
    public var weight: Double
    /// Deadline for one scan, in milliseconds.
    public var timeoutMilliseconds: Int
    public var onError: FailurePolicy
    /// Adapter-specific settings, validated by the adapter when it is built.
    public var options: [String: ConfigValue]
    /// When the precision tracker takes this engine out of the vote by itself (nil: never).
    public var removal: RemovalPolicy?

    public init(
        name: String,
        adapter: String,
        state: EngineState = .active,
        weight: Double = 1,
        timeoutMilliseconds: Int = 10_000,
        onError: FailurePolicy = .ignore,
        options: [String: ConfigValue] = [:],
        removal: RemovalPolicy? = nil
    ) {
        self.name = name
        self.adapter = adapter
        self.state = state
        self.weight = weight
        self.timeoutMilliseconds = timeoutMilliseconds
        self.onError = onError
        self.options = options
        self.removal = removal
    }

    enum CodingKeys: String, CodingKey {
        case name, adapter, state, weight
        case timeoutMilliseconds = "timeout_ms"
        case onError = "on_error"
        case options, removal
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? ""
        adapter = try c.decode(String.self, forKey: .adapter)
        state = try c.decodeIfPresent(EngineState.self, forKey: .state) ?? .active
        weight = try c.decodeIfPresent(Double.self, forKey: .weight) ?? 1
        guard weight.isFinite, abs(weight) <= 1_000_000 else {
            throw DecodingError.dataCorruptedError(forKey: .weight, in: c, debugDescription: "must be a number between -1000000 and 1000000")
        }
        timeoutMilliseconds = try c.decodeIfPresent(Int.self, forKey: .timeoutMilliseconds) ?? 10_000
        // The isolation's hard limit adds a grace period to the longest timeout: Int.max overflowed there.
        guard (1...86_400_000).contains(timeoutMilliseconds) else {
            throw DecodingError.dataCorruptedError(
                forKey: .timeoutMilliseconds, in: c, debugDescription: "must be between 1 and 86400000 (a day)")
        }
        onError = try c.decodeIfPresent(FailurePolicy.self, forKey: .onError) ?? .ignore
        options = try c.decodeIfPresent([String: ConfigValue].self, forKey: .options) ?? [:]
        removal = try c.decodeIfPresent(RemovalPolicy.self, forKey: .removal)
    }

    /// The scan deadline as a `Duration`.
    public var timeout: Duration { .milliseconds(timeoutMilliseconds) }
}
