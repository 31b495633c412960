/// The `SMFIA_*` address family of the SMTP client in a CONNECT command.
///
/// `unknown` carries no port or address on the wire; `unix` carries the socket path (Postfix
/// sends port 0 with it).
public enum MilterAddressFamily: UInt8, Hashable, Sendable {
    /// `SMFIA_UNKNOWN` (`U`): the MTA does not know the peer; no port or address follow.
    case unknown = 0x55
    /// `SMFIA_UNIX` (`L`): a local socket.
    case unix = 0x4C
    /// `SMFIA_INET` (`4`): IPv4.
    case inet4 = 0x34
    /// `SMFIA_INET6` (`6`): IPv6.
    case inet6 = 0x36
}
