/// What the MTA told the filter about the SMTP client: CONNECT and HELO.
///
/// Kept for the whole connection, across messages; reset only by QUIT_NC.
public struct MilterConnectionInfo: Hashable, Sendable {
    /// The client's reverse name, or `[ip]` when it has none (Postfix).
    public var hostname: String?
    /// The client's address family.
    public var family: MilterAddressFamily
    /// The client's port (0 for unix sockets and unknown peers).
    public var port: UInt16
    /// The client's address (or socket path), empty when unknown.
    public var address: String
    /// The HELO/EHLO argument as sent by the client, if any.
    public var helo: [UInt8]?

    public init(
        hostname: String? = nil,
        family: MilterAddressFamily = .unknown,
        port: UInt16 = 0,
        address: String = "",
        helo: [UInt8]? = nil
    ) {
        self.hostname = hostname
        self.family = family
        self.port = port
        self.address = address
        self.helo = helo
    }
}
