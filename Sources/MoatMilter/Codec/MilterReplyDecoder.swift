import NIOCore

/// Decodes filter→MTA bytes into ``MilterReply``s: the MTA side, for tests and load tools.
///
/// Each `b` packet becomes its own `.replaceBody` (a body replacement is the run of them).
/// Malformed frames throw ``MilterProtocolError``, as Postfix fails the milter for them.
public struct MilterReplyDecoder: MilterFrameDecoding {
    public typealias InboundOut = MilterReply

    /// The largest accepted frame length (reply byte + payload).
    public let maximumFrameLength: Int

    /// - Parameter maximumFrameLength: defaults to 1 MiB; a conforming filter never sends
    ///   more than 65536.
    public init(maximumFrameLength: Int = 1 << 20) {
        self.maximumFrameLength = maximumFrameLength
    }

    /// Decodes one reply from `buffer` without a channel, or returns nil if the frame is incomplete.
    public func decodeReply(from buffer: inout ByteBuffer) throws -> MilterReply? {
        try decodeFrame(from: &buffer)
    }

    public static func parse(_ frame: MilterFrame) throws -> MilterReply {
        var payload = frame.payload
        let code = frame.code
        switch code {
        case UInt8(ascii: "O"):
            let version = try payload.readMilterInteger(as: UInt32.self, command: code, field: "version")
            let actions = try payload.readMilterInteger(as: UInt32.self, command: code, field: "actions")
            let options = try payload.readMilterInteger(as: UInt32.self, command: code, field: "protocol")
            var lists: [MilterMacroList] = []
            while payload.readableBytes > 0 {
                let stage = try payload.readMilterInteger(as: UInt32.self, command: code, field: "macro stage")
                let names = try payload.readMilterString(command: code, field: "macro list")
                lists.append(MilterMacroList(stage: MilterMacroStage(rawValue: stage), names: names))
            }
            return .optionNegotiation(
                version: version,
                actions: MilterActions(rawValue: actions),
                protocolOptions: MilterProtocolOptions(rawValue: options),
                macroLists: lists
            )
        case UInt8(ascii: "a"): return .accept
        case UInt8(ascii: "c"): return .continue
        case UInt8(ascii: "r"): return .reject
        case UInt8(ascii: "t"): return .tempfail
        case UInt8(ascii: "d"): return .discard
        case UInt8(ascii: "p"): return .progress
        case UInt8(ascii: "s"): return .skip
        case UInt8(ascii: "4"): return .shutdown
        case UInt8(ascii: "f"): return .connectionFailure
        case UInt8(ascii: "y"):
            return .replyCode(try payload.readMilterString(command: code, field: "reply text"))
        case UInt8(ascii: "h"):
            let name = try payload.readMilterString(command: code, field: "header name")
            let value = try payload.readMilterString(command: code, field: "header value")
            return .addHeader(name: name, value: value)
        case UInt8(ascii: "i"), UInt8(ascii: "m"):
            let index = try payload.readMilterInteger(as: UInt32.self, command: code, field: "header index")
            let name = try payload.readMilterString(command: code, field: "header name")
            let value = try payload.readMilterString(command: code, field: "header value")
            return code == UInt8(ascii: "i")
                ? .insertHeader(index: index, name: name, value: value)
                : .changeHeader(index: index, name: name, value: value)
        case UInt8(ascii: "b"):
            return .replaceBody(payload)
        case UInt8(ascii: "q"):
            return .quarantine(reason: try payload.readMilterString(command: code, field: "reason"))
        case UInt8(ascii: "+"):
            return .addRecipient(try payload.readMilterString(command: code, field: "recipient"))
        case UInt8(ascii: "-"):
            return .deleteRecipient(try payload.readMilterString(command: code, field: "recipient"))
        case UInt8(ascii: "2"), UInt8(ascii: "e"):
            let address = try payload.readMilterString(command: code, field: "address")
            let parameters =
                payload.readableBytes > 0
                ? try payload.readMilterString(command: code, field: "parameters") : nil
            return code == UInt8(ascii: "2")
                ? .addRecipientWithParameters(recipient: address, parameters: parameters)
                : .changeFrom(sender: address, parameters: parameters)
        default:
            throw MilterProtocolError.unknownReply(byte: code)
        }
    }
}
