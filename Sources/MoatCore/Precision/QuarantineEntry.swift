import Foundation

/// A message held for an operator: why, and a copy of its bytes to inspect or release.
public struct QuarantineEntry: Sendable, Hashable, Codable {
    public var scanID: String
    public var at: Date
    public var reason: String
    public var queueID: String?
    public var mailFrom: String?
    public var recipients: [String]
    /// The message as Moat saw it (optional: operators may choose not to keep copies).
    public var raw: [UInt8]?
    /// Released entries stay listed (with the time) until deleted or pruned.
    public var releasedAt: Date?
    /// The tenants whose recipients the message had: their operators may see and release it.
    public var tenants: [String] = []

    public init(scanID: String, at: Date = Date(), reason: String, queueID: String? = nil, mailFrom: String? = nil,
                recipients: [String] = [], raw: [UInt8]? = nil, releasedAt: Date? = nil) {
        self.scanID = scanID
        self.at = at
        self.reason = reason
        self.queueID = queueID
        self.mailFrom = mailFrom
        self.recipients = recipients
        self.raw = raw
        self.releasedAt = releasedAt
    }
}
