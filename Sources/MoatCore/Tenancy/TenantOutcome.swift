/// One tenant's decision on a message that several tenants received: which of the recipients are
/// its, and what its policy made of the same verdicts.
public struct TenantOutcome: Sendable, Hashable, Codable {
    /// nil: recipients of no tenant, decided by the global policy.
    public var tenant: String?
    public var recipients: [String]
    public var action: Action
    public var score: Double
    public var category: VerdictCategory?
    /// The reply this tenant's policy gives on reject or tempfail.
    public var smtpReply: String?

    public init(tenant: String?, recipients: [String], action: Action, score: Double, category: VerdictCategory?, smtpReply: String? = nil) {
        self.tenant = tenant
        self.recipients = recipients
        self.action = action
        self.score = score
        self.category = category
        self.smtpReply = smtpReply
    }
}
