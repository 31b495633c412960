import MoatMessage

/// Everything `moat.toml` sets; every key has a default, so no file at all is a working configuration.
public struct MoatConfiguration: Sendable, Codable {
    public var milter: MilterSettings
    public var policy: Policy
    public var limits: MessageLimits
    /// Where the daemon runs engines (worker processes or in process) and what a crash costs.
    public var isolation: IsolationSettings
    /// Directory of engine manifests (`*.toml`).
    public var enginesDirectory: String
    /// Base directory against which relative rule paths in manifests resolve.
    public var rulesDirectory: String
    /// Threads of the blocking-work pool (0: one per core, at least two), and message lanes.
    public var blockingThreads: Int
    /// How long one job may hold a message lane while others wait before a new thread takes over
    /// its queue (`MessageLanes`); each time is logged.
    public var laneStallMilliseconds: Int
    /// Log level: trace, debug, info, notice, warning, error, critical.
    public var logLevel: String
    /// How long `moatd` gives its services to stop after SIGTERM before it cancels them, and again
    /// before it exits regardless: a gateway must stop when told to, even with its database gone.
    public var shutdownTimeoutMilliseconds: Int

    public init(
        milter: MilterSettings = MilterSettings(),
        policy: Policy = Policy(),
        limits: MessageLimits = MessageLimits(),
        isolation: IsolationSettings = IsolationSettings(),
        enginesDirectory: String = "engines",
        rulesDirectory: String = "rules",
        blockingThreads: Int = 0,
        laneStallMilliseconds: Int = 200,
        logLevel: String = "info",
        shutdownTimeoutMilliseconds: Int = 30_000
    ) {
        self.milter = milter
        self.policy = policy
        self.limits = limits
        self.isolation = isolation
        self.enginesDirectory = enginesDirectory
        self.rulesDirectory = rulesDirectory
        self.blockingThreads = blockingThreads
        self.laneStallMilliseconds = laneStallMilliseconds
        self.logLevel = logLevel
        self.shutdownTimeoutMilliseconds = shutdownTimeoutMilliseconds
    }

    enum CodingKeys: String, CodingKey {
        case milter, policy, limits, isolation
        case enginesDirectory = "engines_directory"
        case rulesDirectory = "rules_directory"
        case blockingThreads = "blocking_threads"
        case laneStallMilliseconds = "lane_stall_ms"
        case logLevel = "log_level"
        case shutdownTimeoutMilliseconds = "shutdown_timeout_ms"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = MoatConfiguration()
        milter = try c.decodeIfPresent(MilterSettings.self, forKey: .milter) ?? d.milter
        policy = try c.decodeIfPresent(Policy.self, forKey: .policy) ?? d.policy
        limits = try c.decodeIfPresent(MessageLimits.self, forKey: .limits) ?? d.limits
        isolation = try c.decodeIfPresent(IsolationSettings.self, forKey: .isolation) ?? d.isolation
        enginesDirectory = try c.decodeIfPresent(String.self, forKey: .enginesDirectory) ?? d.enginesDirectory
        rulesDirectory = try c.decodeIfPresent(String.self, forKey: .rulesDirectory) ?? d.rulesDirectory
        blockingThreads = try c.decodeIfPresent(Int.self, forKey: .blockingThreads) ?? d.blockingThreads
        laneStallMilliseconds = try c.decodeIfPresent(Int.self, forKey: .laneStallMilliseconds) ?? d.laneStallMilliseconds
        guard (10...60_000).contains(laneStallMilliseconds) else {
            throw DecodingError.dataCorruptedError(forKey: .laneStallMilliseconds, in: c, debugDescription: "expected 10 to 60000")
        }
        logLevel = try c.decodeIfPresent(String.self, forKey: .logLevel) ?? d.logLevel
        shutdownTimeoutMilliseconds = try c.decodeIfPresent(Int.self, forKey: .shutdownTimeoutMilliseconds) ?? d.shutdownTimeoutMilliseconds
        guard (1_000...600_000).contains(shutdownTimeoutMilliseconds) else {
            throw DecodingError.dataCorruptedError(forKey: .shutdownTimeoutMilliseconds, in: c, debugDescription: "expected 1000 to 600000")
        }
        let levels = ["trace", "debug", "info", "notice", "warning", "error", "critical"]
        guard levels.contains(logLevel) else {
            throw DecodingError.dataCorruptedError(
                forKey: .logLevel, in: c, debugDescription: "'\(logLevel)' is not one of \(levels.joined(separator: ", "))"
            )
        }
    }

    /// The embedded defaults with the policy's learned combiner loaded. A file is read by
    /// `GatewayConfiguration.load` (MoatAdmin), which also knows the daemon's tables.
    public static func defaults() throws -> MoatConfiguration {
        var configuration = MoatConfiguration()
        try configuration.policy.loadModel()
        return configuration
    }
}
