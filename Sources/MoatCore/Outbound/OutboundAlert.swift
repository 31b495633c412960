import Foundation

/// A sender whose outbound mail departed from its baseline or a cap: what was seen, and what
/// Moat did about it. Stored, logged and counted, for the operator who must look at the account.
public struct OutboundAlert: Sendable, Hashable, Codable {
    public var sender: String
    public var at: Date
    public var departure: SenderActivity.Departure
    /// The action applied to the sender's mail from then on.
    public var action: Action
    public var blockedUntil: Date?
    /// The message that crossed the line.
    public var scanID: String

    public init(sender: String, at: Date, departure: SenderActivity.Departure, action: Action, blockedUntil: Date?, scanID: String) {
        self.sender = sender
        self.at = at
        self.departure = departure
        self.action = action
        self.blockedUntil = blockedUntil
        self.scanID = scanID
    }
}
