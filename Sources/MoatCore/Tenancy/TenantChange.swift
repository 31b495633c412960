import Foundation

/// One change to a tenant (created, domains, policy, deleted), kept so an operator can see who
/// changed what a tenant's mail is subject to, and when.
public struct TenantChange: Sendable, Hashable, Codable {
    public var tenant: String
    public var actor: String
    /// What changed, in words (`policy: reject_score 15 → 8`).
    public var change: String
    public var at: Date

    public init(tenant: String, actor: String, change: String, at: Date = Date()) {
        self.tenant = tenant
        self.actor = actor
        self.change = change
        self.at = at
    }
}
