/// `[cluster]`: how a `moatd` that shares its PostgreSQL store with others takes part in the
/// cluster. Only read with `[store] backend = "postgres"`; a SQLite store is one node's alone.
public struct ClusterSettings: Sendable, Hashable, Codable {
    /// False: this node shares the database but not engine states, feedback or policy evaluation.
    public var enabled = true
    /// This node's name in `moat cluster status` (default: host name and admin listen address).
    public var nodeID: String?
    /// How often the node records that it is alive, and tries to become the policy evaluator.
    public var heartbeatMilliseconds = 1_000
    /// How often recorded engine states and feedback are read back, so a missed notification or a
    /// restarted node converges.
    public var reconcileSeconds = 5
    /// A node silent this long is shown as lost in the status.
    public var lostAfterSeconds = 10
    /// Whether learning engines (the spam engine's Bayes) share one count store in PostgreSQL:
    /// feedback to any node trains every node. Each node scans with a local replica, brought up to
    /// date on notification and at every reconciliation.
    public var sharedLearning = true

    public init() {}

    enum CodingKeys: String, CodingKey {
        case enabled
        case nodeID = "node_id"
        case heartbeatMilliseconds = "heartbeat_ms"
        case reconcileSeconds = "reconcile_seconds"
        case lostAfterSeconds = "lost_after_seconds"
        case sharedLearning = "shared_learning"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = ClusterSettings()
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? d.enabled
        nodeID = try c.decodeIfPresent(String.self, forKey: .nodeID)
        heartbeatMilliseconds = try c.decodeIfPresent(Int.self, forKey: .heartbeatMilliseconds) ?? d.heartbeatMilliseconds
        reconcileSeconds = try c.decodeIfPresent(Int.self, forKey: .reconcileSeconds) ?? d.reconcileSeconds
        lostAfterSeconds = try c.decodeIfPresent(Int.self, forKey: .lostAfterSeconds) ?? d.lostAfterSeconds
        sharedLearning = try c.decodeIfPresent(Bool.self, forKey: .sharedLearning) ?? d.sharedLearning
        for (key, value) in [(CodingKeys.heartbeatMilliseconds, heartbeatMilliseconds), (.reconcileSeconds, reconcileSeconds),
                             (.lostAfterSeconds, lostAfterSeconds)] where value < 1 {
            throw DecodingError.dataCorruptedError(forKey: key, in: c, debugDescription: "must be at least 1")
        }
        if let nodeID, nodeID.isEmpty || nodeID.count > 128 {
            throw DecodingError.dataCorruptedError(forKey: .nodeID, in: c, debugDescription: "must be 1 to 128 characters")
        }
    }
}
