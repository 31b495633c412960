/// What went wrong on a milter connection: a malformed frame or a command out of order.
///
/// Each is fatal for that one connection only: the handler closes it and the MTA applies its
/// `milter_default_action`. Cases carry the command and field involved so a log line can
/// say exactly which packet was bad.
public enum MilterProtocolError: Error, Hashable, Sendable {
    /// The 4-byte length is 0 or larger than the configured maximum.
    case badFrameLength(length: UInt32, maximum: Int)
    /// A command byte the filter side does not know.
    case unknownCommand(byte: UInt8)
    /// A reply byte the MTA side does not know.
    case unknownReply(byte: UInt8)
    /// A string field ran to the end of the payload without its terminating NUL.
    case truncatedString(command: UInt8, field: String)
    /// An integer field needs more bytes than the payload has left.
    case truncatedInteger(command: UInt8, field: String)
    /// CONNECT named an address family other than `U`, `L`, `4`, `6`.
    case badAddressFamily(byte: UInt8)
    /// A MACRO packet had a name without a value.
    case unpairedMacro(name: String)
    /// A MACRO packet named an event that carries no macros.
    case unknownMacroStage(byte: UInt8)
    /// A field to encode contains a NUL byte, which would cut the string short on the wire.
    case embeddedNUL(command: UInt8, field: String)
    /// The MTA offered a protocol version the filter cannot speak (libmilter needs ≥ 2).
    case unsupportedVersion(UInt32)
    /// A command arrived where the protocol does not allow it (`state` names where we were).
    case unexpectedCommand(command: String, state: String)
    /// A command other than ABORT/QUIT arrived while the filter was still scanning at EOM.
    case commandDuringScan(command: String)
}

extension MilterProtocolError: CustomStringConvertible {
    public var description: String {
        switch self {
        case .badFrameLength(let length, let maximum):
            "milter frame length \(length) outside 1...\(maximum)"
        case .unknownCommand(let byte):
            "unknown milter command byte 0x\(String(byte, radix: 16))"
        case .unknownReply(let byte):
            "unknown milter reply byte 0x\(String(byte, radix: 16))"
        case .truncatedString(let command, let field):
            "\(MilterCommand.name(ofCommandByte: command)): string '\(field)' has no terminating NUL"
        case .truncatedInteger(let command, let field):
            "\(MilterCommand.name(ofCommandByte: command)): integer '\(field)' is truncated"
        case .badAddressFamily(let byte):
            "CONNECT: bad address family 0x\(String(byte, radix: 16))"
        case .unpairedMacro(let name):
            "MACRO: '\(name)' has no value"
        case .unknownMacroStage(let byte):
            "MACRO: no macros belong to command 0x\(String(byte, radix: 16))"
        case .embeddedNUL(let command, let field):
            "0x\(String(command, radix: 16)): field '\(field)' contains a NUL byte"
        case .unsupportedVersion(let version):
            "OPTNEG: unsupported milter protocol version \(version)"
        case .unexpectedCommand(let command, let state):
            "\(command) not allowed in state \(state)"
        case .commandDuringScan(let command):
            "\(command) arrived while the end-of-message scan was in flight"
        }
    }
}
