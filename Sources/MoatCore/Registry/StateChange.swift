import Foundation

/// A record that an engine's state changed, with who or what changed it and why.
public struct StateChange: Sendable, Hashable, Codable {
    public var engine: String
    public var from: EngineState
    public var to: EngineState
    /// Who or what made the change: `operator`, `policy`, `reload`.
    public var actor: String
    public var reason: String
    public var at: Date

    public init(engine: String, from: EngineState, to: EngineState, actor: String, reason: String, at: Date = Date()) {
        self.engine = engine
        self.from = from
        self.to = to
        self.actor = actor
        self.reason = reason
        self.at = at
    }
}
