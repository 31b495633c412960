import NIOCore

/// Decodes MTA→filter bytes into ``MilterCommand``s: the filter side of the wire.
///
/// Framing is a 4-byte big-endian length that counts the command byte. A frame whose length
/// is 0 or above `maximumFrameLength`, an unknown command byte or a malformed payload throws
/// ``MilterProtocolError``; the channel pipeline then closes that one connection.
public struct MilterCommandDecoder: MilterFrameDecoding {
    public typealias InboundOut = MilterCommand

    /// The largest accepted frame length (command byte + payload).
    public let maximumFrameLength: Int

    /// - Parameter maximumFrameLength: defaults to 1 MiB. Body chunks are at most 65536, but
    ///   Postfix sends a long header as one packet (up to `header_size_limit`).
    public init(maximumFrameLength: Int = 1 << 20) {
        self.maximumFrameLength = maximumFrameLength
    }

    /// Decodes one command from `buffer` without a channel, or returns nil if the frame is
    /// incomplete. Useful for tests and tools that read from something other than NIO.
    public func decodeCommand(from buffer: inout ByteBuffer) throws -> MilterCommand? {
        try decodeFrame(from: &buffer)
    }

    public static func parse(_ frame: MilterFrame) throws -> MilterCommand {
        var payload = frame.payload
        let code = frame.code
        switch code {
        case UInt8(ascii: "O"):
            let version = try payload.readMilterInteger(as: UInt32.self, command: code, field: "version")
            let actions = try payload.readMilterInteger(as: UInt32.self, command: code, field: "actions")
            let options = try payload.readMilterInteger(as: UInt32.self, command: code, field: "protocol")
            return .optionNegotiation(
                version: version,
                actions: MilterActions(rawValue: actions),
                protocolOptions: MilterProtocolOptions(rawValue: options)
            )

        case UInt8(ascii: "D"):
            let stage = try payload.readMilterInteger(as: UInt8.self, command: code, field: "stage")
            var macros: [MilterMacro] = []
            while payload.readableBytes > 0 {
                let name = try payload.readMilterString(command: code, field: "macro name")
                guard payload.readableBytes > 0 else {
                    throw MilterProtocolError.unpairedMacro(name: name)
                }
                let value = try payload.readMilterBytes(command: code, field: "macro value")
                macros.append(MilterMacro(name: name, value: value))
            }
            return .macro(stage: stage, macros: macros)

        case UInt8(ascii: "C"):
            let hostname = try payload.readMilterString(command: code, field: "hostname")
            let familyByte = try payload.readMilterInteger(as: UInt8.self, command: code, field: "family")
            guard let family = MilterAddressFamily(rawValue: familyByte) else {
                throw MilterProtocolError.badAddressFamily(byte: familyByte)
            }
            if family == .unknown {
                return .connect(hostname: hostname, family: family, port: 0, address: "")
            }
            let port = try payload.readMilterInteger(as: UInt16.self, command: code, field: "port")
            let address = try payload.readMilterString(command: code, field: "address")
            return .connect(hostname: hostname, family: family, port: port, address: address)

        case UInt8(ascii: "H"):
            return .helo(try payload.readMilterBytes(command: code, field: "helo"))

        case UInt8(ascii: "M"):
            return .mail(arguments: try payload.readMilterArguments(command: code, field: "sender"))

        case UInt8(ascii: "R"):
            return .recipient(arguments: try payload.readMilterArguments(command: code, field: "recipient"))

        case UInt8(ascii: "T"):
            return .data

        case UInt8(ascii: "L"):
            let name = try payload.readMilterString(command: code, field: "header name")
            let value = try payload.readMilterBytes(command: code, field: "header value")
            return .header(name: name, value: value)

        case UInt8(ascii: "N"):
            return .endOfHeaders

        case UInt8(ascii: "B"):
            return .body(payload)

        case UInt8(ascii: "E"):
            return .endOfMessage(payload.readableBytes > 0 ? payload : nil)

        case UInt8(ascii: "A"):
            return .abort

        case UInt8(ascii: "Q"):
            return .quit

        case UInt8(ascii: "K"):
            return .quitNewConnection

        case UInt8(ascii: "U"):
            return .unknown(try payload.readMilterBytes(command: code, field: "command line"))

        default:
            throw MilterProtocolError.unknownCommand(byte: code)
        }
    }
}
