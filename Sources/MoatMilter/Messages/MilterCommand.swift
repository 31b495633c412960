import NIOCore

/// A command the MTA sends to the filter (`SMFIC_*`), decoded from one frame.
///
/// Fields that carry client-supplied text (HELO name, envelope arguments, header values,
/// body) stay bytes: SMTP allows 8-bit data there and the filter must not lose it.
public enum MilterCommand: Hashable, Sendable {
    /// `O`: the MTA's protocol version, the actions it allows and the steps it can leave out.
    case optionNegotiation(version: UInt32, actions: MilterActions, protocolOptions: MilterProtocolOptions)
    /// `D`: macros for the event whose command byte is `stage` (e.g. `C`, `M`, `E`).
    /// Names are canonical (no braces); the list may be empty.
    case macro(stage: UInt8, macros: [MilterMacro])
    /// `C`: the SMTP client. `port` is 0 and `address` empty for `.unknown`.
    case connect(hostname: String, family: MilterAddressFamily, port: UInt16, address: String)
    /// `H`: the HELO/EHLO argument.
    case helo([UInt8])
    /// `M`: the sender as typed (`<a@b>`, `<>`), then ESMTP parameters.
    case mail(arguments: [[UInt8]])
    /// `R`: one recipient as typed, then ESMTP parameters.
    case recipient(arguments: [[UInt8]])
    /// `T`: the DATA command.
    case data
    /// `L`: one header; see ``MilterHeader`` for how the value is shaped.
    case header(name: String, value: [UInt8])
    /// `N`: end of headers.
    case endOfHeaders
    /// `B`: a body chunk (at most 65535 bytes from a conforming MTA).
    case body(ByteBuffer)
    /// `E`: end of message; libmilter also accepts a last body chunk here (Postfix never sends one).
    case endOfMessage(ByteBuffer?)
    /// `A`: abort the current message (Postfix sends it after every message).
    case abort
    /// `Q`: the MTA closes the connection.
    case quit
    /// `K`: quit, but a new CONNECT follows on the same connection (Sendmail).
    case quitNewConnection
    /// `U`: an SMTP command line the MTA did not recognise.
    case unknown([UInt8])

    /// The command byte on the wire (`SMFIC_*`).
    public var commandByte: UInt8 {
        switch self {
        case .optionNegotiation: UInt8(ascii: "O")
        case .macro: UInt8(ascii: "D")
        case .connect: UInt8(ascii: "C")
        case .helo: UInt8(ascii: "H")
        case .mail: UInt8(ascii: "M")
        case .recipient: UInt8(ascii: "R")
        case .data: UInt8(ascii: "T")
        case .header: UInt8(ascii: "L")
        case .endOfHeaders: UInt8(ascii: "N")
        case .body: UInt8(ascii: "B")
        case .endOfMessage: UInt8(ascii: "E")
        case .abort: UInt8(ascii: "A")
        case .quit: UInt8(ascii: "Q")
        case .quitNewConnection: UInt8(ascii: "K")
        case .unknown: UInt8(ascii: "U")
        }
    }

    /// A short protocol name for logs and errors (`OPTNEG`, `BODYEOB`, ...).
    public var name: String {
        MilterCommand.name(ofCommandByte: commandByte)
    }

    /// The protocol name of a command byte, or its hex value if unknown.
    public static func name(ofCommandByte byte: UInt8) -> String {
        switch byte {
        case UInt8(ascii: "O"): "OPTNEG"
        case UInt8(ascii: "D"): "MACRO"
        case UInt8(ascii: "C"): "CONNECT"
        case UInt8(ascii: "H"): "HELO"
        case UInt8(ascii: "M"): "MAIL"
        case UInt8(ascii: "R"): "RCPT"
        case UInt8(ascii: "T"): "DATA"
        case UInt8(ascii: "L"): "HEADER"
        case UInt8(ascii: "N"): "EOH"
        case UInt8(ascii: "B"): "BODY"
        case UInt8(ascii: "E"): "BODYEOB"
        case UInt8(ascii: "A"): "ABORT"
        case UInt8(ascii: "Q"): "QUIT"
        case UInt8(ascii: "K"): "QUIT_NC"
        case UInt8(ascii: "U"): "UNKNOWN"
        default: "0x" + String(byte, radix: 16)
        }
    }
}
