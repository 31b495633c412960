/// The SMTP envelope around a message, when it arrived through an MTA.
///
/// Engines may use it (a sender check, a per-recipient policy); the CLI has none to give.
public struct Envelope: Sendable, Hashable, Codable {
    public var clientAddress: String?
    public var clientHostname: String?
    public var helo: String?
    public var mailFrom: String?
    public var recipients: [String]
    /// The MTA's queue id (Postfix macro `i`), for log correlation.
    public var queueID: String?
    /// The SASL login the client authenticated as (milter macro `{auth_authen}`); its mail is
    /// outbound.
    public var authenticatedAs: String?

    public init(
        clientAddress: String? = nil,
        clientHostname: String? = nil,
        helo: String? = nil,
        mailFrom: String? = nil,
        recipients: [String] = [],
        queueID: String? = nil
    ) {
        self.clientAddress = clientAddress
        self.clientHostname = clientHostname
        self.helo = helo
        self.mailFrom = mailFrom
        self.recipients = recipients
        self.queueID = queueID
    }
}
