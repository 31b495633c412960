/// Everything the MTA sent about one message, handed to the scanner at end of message.
///
/// The envelope and headers are values; the body lives in a ``BodySpool`` (memory or a
/// private file) that the session releases once the scan is answered or the message is
/// aborted, so read the body during the scan.
public struct CollectedMessage: Sendable {
    /// The SMTP client and its HELO.
    public var connection: MilterConnectionInfo
    /// MAIL FROM, if the MTA sent MAIL.
    public var sender: MilterEnvelopeAddress?
    /// Every RCPT TO, in order.
    public var recipients: [MilterEnvelopeAddress]
    /// The MTA's queue id (macro `i`), once known.
    public var queueID: String?
    /// Every macro known at end of message, canonical names (no braces).
    public var macros: [String: [UInt8]]
    /// Headers in order, as sent (see ``MilterHeader``). Truncated if ``isOversize``.
    public var headers: [MilterHeader]
    /// True if `SMFIP_HDR_LEADSPC` was negotiated, so values keep the space after the colon.
    public var headerValuesKeepLeadingSpace: Bool
    /// The stored body.
    public let body: BodySpool
    /// Body bytes the MTA sent, including any not stored because the message was too large.
    public var bodySize: Int
    /// Header and body bytes the MTA sent (headers counted as `name: value` + CRLF).
    public var totalSize: Int
    /// True if the message exceeded the maximum size: headers/body are only partly stored,
    /// and the upper layer must answer by policy rather than by a full scan.
    public var isOversize: Bool

    /// The client's reverse name (or `[ip]`).
    public var clientHostname: String? { connection.hostname }
    /// The client's address.
    public var clientAddress: String { connection.address }
    /// The client's port.
    public var clientPort: UInt16 { connection.port }
    /// The HELO argument.
    public var helo: [UInt8]? { connection.helo }

    /// The stored body bytes (CRLF line ends, as the MTA sent them).
    public func bodyBytes() throws -> [UInt8] {
        try body.bodyBytes()
    }

    /// A macro's value, looked up as `x` or `{x}`.
    public func macro(_ name: String) -> [UInt8]? {
        macros[MilterMacro.canonicalName(name)]
    }
}
