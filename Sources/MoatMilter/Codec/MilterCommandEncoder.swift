import NIOCore

/// Encodes ``MilterCommand``s into bytes: the MTA side of the wire, for tests and load tools.
///
/// A `.body` larger than 65535 bytes goes out as several `B` packets, since libmilter refuses
/// bigger payloads. Strings containing NUL cannot be framed and throw ``MilterProtocolError``.
public struct MilterCommandEncoder: MessageToByteEncoder {
    public typealias OutboundIn = MilterCommand

    public init() {}

    public func encode(data: MilterCommand, out: inout ByteBuffer) throws {
        let code = data.commandByte
        switch data {
        case .optionNegotiation(let version, let actions, let options):
            MilterFrame.write(code: code, into: &out) { out in
                out.writeInteger(version)
                out.writeInteger(actions.rawValue)
                out.writeInteger(options.rawValue)
            }

        case .macro(let stage, let macros):
            try MilterFrame.write(code: code, into: &out) { out in
                out.writeInteger(stage)
                for macro in macros {
                    try out.writeMilterString(MilterMacro.wireName(macro.name), command: code, field: "macro name")
                    try out.writeMilterBytes(macro.value, command: code, field: "macro value")
                }
            }

        case .connect(let hostname, let family, let port, let address):
            try MilterFrame.write(code: code, into: &out) { out in
                try out.writeMilterString(hostname, command: code, field: "hostname")
                out.writeInteger(family.rawValue)
                if family != .unknown {
                    out.writeInteger(port)
                    try out.writeMilterString(address, command: code, field: "address")
                }
            }

        case .helo(let name):
            try MilterFrame.write(code: code, into: &out) { out in
                try out.writeMilterBytes(name, command: code, field: "helo")
            }

        case .mail(let arguments), .recipient(let arguments):
            try MilterFrame.write(code: code, into: &out) { out in
                for argument in arguments {
                    try out.writeMilterBytes(argument, command: code, field: "argument")
                }
            }

        case .header(let name, let value):
            try MilterFrame.write(code: code, into: &out) { out in
                try out.writeMilterString(name, command: code, field: "header name")
                try out.writeMilterBytes(value, command: code, field: "header value")
            }

        case .body(var chunk):
            repeat {
                let slice = chunk.readSlice(length: min(MilterReply.maximumPayloadLength, chunk.readableBytes))!
                MilterFrame.write(code: code, into: &out) { out in
                    out.writeImmutableBuffer(slice)
                }
            } while chunk.readableBytes > 0

        case .endOfMessage(let chunk):
            MilterFrame.write(code: code, into: &out) { out in
                if let chunk {
                    out.writeImmutableBuffer(chunk)
                }
            }

        case .unknown(let line):
            try MilterFrame.write(code: code, into: &out) { out in
                try out.writeMilterBytes(line, command: code, field: "command line")
            }

        case .data, .endOfHeaders, .abort, .quit, .quitNewConnection:
            MilterFrame.write(code: code, into: &out) { _ in }
        }
    }
}
