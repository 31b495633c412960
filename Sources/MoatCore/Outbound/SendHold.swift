import Foundation

/// A decision's instruction to keep a delivered message in the MTA's hold queue until
/// `releaseAt`, when Moat releases it unless its sender recalled it.
public struct SendHold: Sendable, Hashable, Codable {
    public var releaseAt: Date
    /// The reason the MTA records with the hold (and the sender is told).
    public var reason: String

    public init(releaseAt: Date, reason: String) {
        self.releaseAt = releaseAt
        self.reason = reason
    }
}
