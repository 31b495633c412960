import Foundation

/// A record that a quarantined message was released or deleted, with who did it: the entry itself
/// may be gone (deleted), the record stays for the audit.
public struct QuarantineAction: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case release
        case delete
    }

    public var scanID: String
    public var kind: Kind
    /// `console:NAME`, `operator`, or `TENANT:NAME` for a tenant's operator.
    public var actor: String
    /// What the release command printed, or why the action was taken.
    public var detail: String
    public var at: Date

    public init(scanID: String, kind: Kind, actor: String, detail: String = "", at: Date = Date()) {
        self.scanID = scanID
        self.kind = kind
        self.actor = actor
        self.detail = detail
        self.at = at
    }

    enum CodingKeys: String, CodingKey {
        case kind, actor, detail, at
        case scanID = "id"
    }
}
