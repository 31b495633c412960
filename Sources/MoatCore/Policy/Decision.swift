/// The outcome of scanning one message: the action, why, and what to change in the message.
///
/// The milter session turns it into protocol replies; the CLI prints it as text or JSON.
public struct Decision: Sendable, Hashable {
    /// One engine verdict's contribution to the decision, for `moat explain` and the JSON output.
    public struct Reason: Sendable, Hashable, Codable {
        public var engine: String
        public var label: String
        /// Weighted contribution to the total score.
        public var weightedScore: Double
        /// Whether this engine's verdict counted (false for shadow engines and ignored failures).
        public var counted: Bool
        /// The action this verdict alone asked for.
        public var action: Action
        public var note: String
    }

    /// A header to add to the delivered message.
    public struct Header: Sendable, Hashable, Codable {
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    public var scanID: String
    public var action: Action
    /// Sum of the voting engines' weighted scores.
    public var score: Double
    /// The worst category any voting engine detected.
    public var category: VerdictCategory?
    public var reasons: [Reason]
    /// Every engine's verdict, shadow ones included.
    public var verdicts: [EngineVerdict]
    public var headers: [Header]
    /// Parts to deliver in place of the originals (only when the message is delivered).
    public var replacements: [PartReplacement]
    /// The SMTP reply line for reject and tempfail (`550 5.7.1 text`).
    public var smtpReply: String?
    /// Why the message is quarantined, for the MTA's hold record.
    public var quarantineReason: String?
    /// Parser findings on the message itself (limits hit, malformed MIME).
    public var messageFindings: [Finding]
    /// The learned combiner's working when it decided (nil under the hand-set policy).
    public var model: ModelExplanation? = nil
    /// The feature values the learned combiner scored (nil under the hand-set policy): the scan's
    /// record stores them, and they are the same numbers, so they are worked out once.
    public var features: [String: Double]? = nil
    /// The tenant whose policy decided (nil: the global policy, or several tenants: see `tenants`).
    public var tenant: String? = nil
    /// Inbound or outbound, when the policy has direction sections or networks (nil otherwise).
    public var direction: MessageDirection? = nil
    /// Each tenant's own decision when the recipients belong to tenants (empty otherwise).
    public var tenants: [TenantOutcome] = []
    /// Recipients removed from the message because their tenant refused it while others keep it.
    public var removedRecipients: [String] = []
    /// The refusing tenant's reply, used for the whole message when the MTA does not let Moat
    /// remove recipients.
    public var removalReply: String? = nil
    /// Outbound mail kept in the MTA's hold queue for the send-hold delay (nil: delivered now).
    public var hold: SendHold? = nil

    /// How the learned combiner reached its score: bias plus every contribution equals `score`.
    public struct ModelExplanation: Sendable, Hashable, Codable {
        public var bias: Double
        public var probability: Double
        public var threshold: Double
        public var contributions: [VerdictModel.Contribution]

        public init(bias: Double, probability: Double, threshold: Double, contributions: [VerdictModel.Contribution]) {
            self.bias = bias
            self.probability = probability
            self.threshold = threshold
            self.contributions = contributions
        }
    }

    /// The tenants whose recipients the message had, in order (empty without tenants).
    public var tenantIDs: [String] {
        tenants.isEmpty ? (tenant.map { [$0] } ?? []) : tenants.compactMap(\.tenant)
    }

    /// The tenants whose recipients keep the delivered (or held) copy: those that refused it had
    /// their recipients removed, so a held message is not theirs to release.
    public var keepingTenantIDs: [String] {
        tenants.isEmpty ? (tenant.map { [$0] } ?? [])
            : tenants.filter { $0.action != .reject && $0.action != .discard }.compactMap(\.tenant)
    }

    /// The process exit status the CLI reports: 0 delivered clean, 1 detected or refused.
    public var isClean: Bool { action == .accept && category == nil }
}
