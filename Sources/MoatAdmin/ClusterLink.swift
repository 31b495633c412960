import Foundation
import MoatCore

/// What the supervisor tells the other nodes of a cluster, and asks of it. Implemented by
/// `MoatCluster` over PostgreSQL; absent on a node of its own.
public protocol ClusterLink: Sendable {
    /// A state change this node made and recorded: every other node applies it.
    func stateChanged(_ change: StateChange) async
    /// Feedback this node recorded: every other node counts it (precision is pooled).
    func feedbackRecorded(_ feedback: Feedback) async
    /// Whether this node evaluates removal policies: exactly one node of the cluster does.
    var isEvaluator: Bool { get }
    /// Whether learned stores are shared: feedback then trains through `learn`, never locally.
    var sharesLearning: Bool { get }
    /// Learns a lesson for the whole cluster (recorded in the shared store, then replicated to
    /// every node's local copy). False when it was already learned as that class.
    func learn(_ lesson: TokenLesson, engine: String) async throws -> Bool
    /// Every node as last recorded, for `GET /cluster`.
    func status() async throws -> ClusterStatus
}

/// The nodes of a cluster as the database last heard from them.
public struct ClusterStatus: Sendable, Codable, Hashable {
    public struct Node: Sendable, Codable, Hashable {
        public var id: String
        public var version: String
        public var address: String
        public var startedAt: Date
        public var heartbeatAt: Date
        /// Seconds since the last heartbeat, by the database's clock.
        public var lagSeconds: Double
        public var lost: Bool
        public var evaluator: Bool
        /// Engine name → state, as this node has them.
        public var engines: [String: EngineState]

        public init(id: String, version: String, address: String, startedAt: Date, heartbeatAt: Date, lagSeconds: Double,
                    lost: Bool, evaluator: Bool, engines: [String: EngineState]) {
            self.id = id
            self.version = version
            self.address = address
            self.startedAt = startedAt
            self.heartbeatAt = heartbeatAt
            self.lagSeconds = lagSeconds
            self.lost = lost
            self.evaluator = evaluator
            self.engines = engines
        }

        enum CodingKeys: String, CodingKey {
            case id, version, address, lost, evaluator, engines
            case startedAt = "started_at"
            case heartbeatAt = "heartbeat_at"
            case lagSeconds = "lag_seconds"
        }
    }

    /// The node answering.
    public var this: String
    public var nodes: [Node]

    public init(this: String, nodes: [Node]) {
        self.this = this
        self.nodes = nodes
    }
}
