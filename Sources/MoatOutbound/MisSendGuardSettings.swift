import MoatCore

/// `[outbound.guards]`: outbound mail that looks like a mistake rather than an attack, held (so the
/// sender can recall it), tagged or refused, with a reason the sender is shown.
public struct MisSendGuardSettings: Sendable, Hashable, Codable {
    /// What a guard does when it fires.
    public enum GuardAction: String, Sendable, Hashable, Codable {
        case off
        /// `X-Moat-Guard` header, delivered.
        case tag
        /// Send-hold for `guard_delay_seconds` (or the sender's own delay), recallable.
        case hold
        /// Refused with the reason, so the sender's client shows it at once.
        case reject
    }

    /// The organisation's own domains (and their subdomains): recipients there are not external.
    public var internalDomains: [String] = []
    /// More external recipients than this in To and Cc together (instead of Bcc, which hides them
    /// from each other); 0: off.
    public var maxVisibleExternalRecipients = 0
    public var visibleRecipientsAction: GuardAction = .hold
    /// More unrelated external domains than this among the envelope recipients; 0: off.
    public var maxExternalDomains = 0
    public var externalDomainsAction: GuardAction = .hold
    /// An encrypted archive attachment (the password-in-the-next-mail practice, "PPAP"), as the
    /// filetype engine reports it (`filetype.encrypted_archive`).
    public var encryptedArchiveAction: GuardAction = .off
    /// The SMTP reply prefix for `reject` (the guard's reason follows).
    public var rejectReply = "550 5.7.1"

    public init() {}

    enum CodingKeys: String, CodingKey, CaseIterable {
        case internalDomains = "internal_domains"
        case maxVisibleExternalRecipients = "max_visible_external_recipients"
        case visibleRecipientsAction = "visible_recipients_action"
        case maxExternalDomains = "max_external_domains"
        case externalDomainsAction = "external_domains_action"
        case encryptedArchiveAction = "encrypted_archive_action"
        case rejectReply = "reject_reply"
    }

    public init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, allowed: CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = MisSendGuardSettings()
        internalDomains = try c.decodeIfPresent([String].self, forKey: .internalDomains) ?? d.internalDomains
        maxVisibleExternalRecipients = try c.decodeIfPresent(Int.self, forKey: .maxVisibleExternalRecipients) ?? d.maxVisibleExternalRecipients
        visibleRecipientsAction = try c.decodeIfPresent(GuardAction.self, forKey: .visibleRecipientsAction) ?? d.visibleRecipientsAction
        maxExternalDomains = try c.decodeIfPresent(Int.self, forKey: .maxExternalDomains) ?? d.maxExternalDomains
        externalDomainsAction = try c.decodeIfPresent(GuardAction.self, forKey: .externalDomainsAction) ?? d.externalDomainsAction
        encryptedArchiveAction = try c.decodeIfPresent(GuardAction.self, forKey: .encryptedArchiveAction) ?? d.encryptedArchiveAction
        rejectReply = try c.decodeIfPresent(String.self, forKey: .rejectReply) ?? d.rejectReply
        guard maxVisibleExternalRecipients >= 0, maxExternalDomains >= 0 else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "guard limits must not be negative"))
        }
        guard rejectReply.hasPrefix("5") else {
            throw DecodingError.dataCorruptedError(forKey: .rejectReply, in: c, debugDescription: "reject_reply must be a 5xx SMTP reply")
        }
    }
}
