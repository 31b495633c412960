import NIOCore

/// Encodes ``MilterReply``s into bytes: the filter side of the wire.
///
/// Never writes a payload over 65535 bytes: a `.replaceBody` larger than that becomes several
/// `b` packets back to back, as Postfix requires. Strings containing NUL cannot be framed and
/// throw ``MilterProtocolError/embeddedNUL(command:field:)``.
public struct MilterReplyEncoder: MessageToByteEncoder {
    public typealias OutboundIn = MilterReply

    public init() {}

    public func encode(data: MilterReply, out: inout ByteBuffer) throws {
        let code = data.replyByte
        switch data {
        case .optionNegotiation(let version, let actions, let options, let macroLists):
            try MilterFrame.write(code: code, into: &out) { out in
                out.writeInteger(version)
                out.writeInteger(actions.rawValue)
                out.writeInteger(options.rawValue)
                for list in macroLists {
                    out.writeInteger(list.stage.rawValue)
                    try out.writeMilterString(list.names, command: code, field: "macro list")
                }
            }

        case .accept, .continue, .reject, .tempfail, .discard, .progress, .skip, .shutdown, .connectionFailure:
            MilterFrame.write(code: code, into: &out) { _ in }

        case .replyCode(let text):
            try MilterFrame.write(code: code, into: &out) { out in
                try out.writeMilterString(text, command: code, field: "reply text")
            }

        case .addHeader(let name, let value):
            try MilterFrame.write(code: code, into: &out) { out in
                try out.writeMilterString(name, command: code, field: "header name")
                try out.writeMilterString(value, command: code, field: "header value")
            }

        case .insertHeader(let index, let name, let value), .changeHeader(let index, let name, let value):
            try MilterFrame.write(code: code, into: &out) { out in
                out.writeInteger(index)
                try out.writeMilterString(name, command: code, field: "header name")
                try out.writeMilterString(value, command: code, field: "header value")
            }

        case .replaceBody(let body):
            for packet in MilterReply.replaceBodyPackets(body) {
                guard case .replaceBody(let chunk) = packet else { continue }
                MilterFrame.write(code: code, into: &out) { out in
                    out.writeImmutableBuffer(chunk)
                }
            }

        case .quarantine(let reason):
            try MilterFrame.write(code: code, into: &out) { out in
                try out.writeMilterString(reason, command: code, field: "reason")
            }

        case .addRecipient(let recipient), .deleteRecipient(let recipient):
            try MilterFrame.write(code: code, into: &out) { out in
                try out.writeMilterString(recipient, command: code, field: "recipient")
            }

        case .addRecipientWithParameters(let address, let parameters), .changeFrom(let address, let parameters):
            try MilterFrame.write(code: code, into: &out) { out in
                try out.writeMilterString(address, command: code, field: "address")
                if let parameters {
                    try out.writeMilterString(parameters, command: code, field: "parameters")
                }
            }
        }
    }
}
