import Foundation

/// An outbound message kept in the MTA's hold queue for the send-hold delay, so its sender can
/// recall it. Stored before the MTA is answered, so a restart of `moatd` during the delay finds
/// it and still releases it.
public struct HeldMessage: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Hashable, Codable, CaseIterable {
        /// In the hold queue, waiting for `releaseAt`.
        case held
        /// Recalled by its sender or an operator: deleted from the hold queue, never delivered.
        case recalled
        /// Released to delivery.
        case released
    }

    /// The scan id of the message (`X-Moat-Id`).
    public var id: String
    public var queueID: String
    public var sender: String
    public var recipients: [String]
    public var subject: String
    /// Why it is held (the send-hold rule or a mis-send guard), as the sender is told.
    public var reason: String
    public var heldAt: Date
    public var releaseAt: Date
    /// SHA-256 (hex) of the recall token given to the sender; the token itself is never stored.
    public var tokenHash: String
    public var state: State = .held
    /// When the state last changed, and who changed it (`sender`, an operator, or `moatd`).
    public var stateAt: Date?
    public var stateBy: String?
    /// Failed release attempts, and the last failure (the release is retried).
    public var attempts = 0
    public var lastError: String?

    public init(id: String, queueID: String, sender: String, recipients: [String], subject: String, reason: String,
                heldAt: Date, releaseAt: Date, tokenHash: String) {
        self.id = id
        self.queueID = queueID
        self.sender = sender
        self.recipients = recipients
        self.subject = subject
        self.reason = reason
        self.heldAt = heldAt
        self.releaseAt = releaseAt
        self.tokenHash = tokenHash
    }
}
