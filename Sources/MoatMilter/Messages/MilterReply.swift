import NIOCore

/// A reply the filter sends to the MTA (`SMFIR_*`), encoded as one frame (REPLBODY as several).
public enum MilterReply: Hashable, Sendable {
    /// The largest payload a packet may carry: libmilter refuses more (`MILTER_MAX_DATA_SIZE`).
    public static let maximumPayloadLength = 65535

    /// `O`: the agreed version, actions and protocol steps, plus optional macro lists.
    case optionNegotiation(
        version: UInt32,
        actions: MilterActions,
        protocolOptions: MilterProtocolOptions,
        macroLists: [MilterMacroList]
    )
    /// `a`: accept (the connection at CONNECT/HELO, else the message); stop filtering it.
    case accept
    /// `c`: continue with the next event.
    case `continue`
    /// `r`: reject (Postfix answers `550 5.7.1 Command rejected`).
    case reject
    /// `t`: temporary failure (Postfix answers `451 4.7.1 ...`).
    case tempfail
    /// `d`: accept and silently drop the message.
    case discard
    /// `y`: reject or tempfail with this SMTP reply text (`550 5.7.1 text`).
    case replyCode(String)
    /// `h`: append a header. EOM only; needs ``MilterActions/addHeaders``.
    case addHeader(name: String, value: String)
    /// `i`: insert a header at `index` among all headers. EOM only; needs ``MilterActions/addHeaders``.
    case insertHeader(index: UInt32, name: String, value: String)
    /// `m`: change the `index`-th (1-based) header called `name`; an empty value deletes it.
    /// EOM only; needs ``MilterActions/changeHeaders``.
    case changeHeader(index: UInt32, name: String, value: String)
    /// `b`: (part of) the new body. The encoder splits payloads over 65535 bytes into
    /// several packets; see ``replaceBodyPackets(_:)``. EOM only; needs ``MilterActions/changeBody``.
    case replaceBody(ByteBuffer)
    /// `q`: put the message on hold with this reason; not a final reply.
    case quarantine(reason: String)
    /// `p`: still working; restarts the MTA's timeout. Not a final reply.
    case progress
    /// `s`: send no more body chunks (only if the MTA offered ``MilterProtocolOptions/skip``).
    case skip
    /// `+`: add a recipient. Needs ``MilterActions/addRecipient``.
    case addRecipient(String)
    /// `2`: add a recipient with ESMTP parameters. Needs ``MilterActions/addRecipientWithParameters``.
    case addRecipientWithParameters(recipient: String, parameters: String?)
    /// `-`: delete a recipient. Needs ``MilterActions/deleteRecipient``.
    case deleteRecipient(String)
    /// `e`: change the envelope sender. Needs ``MilterActions/changeFrom``.
    case changeFrom(sender: String, parameters: String?)
    /// `4`: 421 and close the SMTP session.
    case shutdown
    /// `f`: connection failure (Postfix treats it as unexpected).
    case connectionFailure

    /// The reply byte on the wire (`SMFIR_*`).
    public var replyByte: UInt8 {
        switch self {
        case .optionNegotiation: UInt8(ascii: "O")
        case .accept: UInt8(ascii: "a")
        case .continue: UInt8(ascii: "c")
        case .reject: UInt8(ascii: "r")
        case .tempfail: UInt8(ascii: "t")
        case .discard: UInt8(ascii: "d")
        case .replyCode: UInt8(ascii: "y")
        case .addHeader: UInt8(ascii: "h")
        case .insertHeader: UInt8(ascii: "i")
        case .changeHeader: UInt8(ascii: "m")
        case .replaceBody: UInt8(ascii: "b")
        case .quarantine: UInt8(ascii: "q")
        case .progress: UInt8(ascii: "p")
        case .skip: UInt8(ascii: "s")
        case .addRecipient: UInt8(ascii: "+")
        case .addRecipientWithParameters: UInt8(ascii: "2")
        case .deleteRecipient: UInt8(ascii: "-")
        case .changeFrom: UInt8(ascii: "e")
        case .shutdown: UInt8(ascii: "4")
        case .connectionFailure: UInt8(ascii: "f")
        }
    }

    /// Whether this reply ends the MTA's wait for an event (as opposed to an edit,
    /// QUARANTINE or PROGRESS, which must be followed by a final reply).
    public var isFinal: Bool {
        switch self {
        case .accept, .continue, .reject, .tempfail, .discard, .replyCode, .shutdown, .connectionFailure:
            true
        default:
            false
        }
    }

    /// Splits a new body into REPLBODY replies of at most 65535 bytes each, to send back to back.
    ///
    /// Postfix ends a body replacement at the first non-REPLBODY packet, so the chunks must
    /// go out as one run. An empty body gives one empty packet (it empties the body).
    public static func replaceBodyPackets(_ body: ByteBuffer) -> [MilterReply] {
        var body = body
        guard body.readableBytes > 0 else {
            return [.replaceBody(body)]
        }
        var packets: [MilterReply] = []
        packets.reserveCapacity(body.readableBytes / maximumPayloadLength + 1)
        while let chunk = body.readSlice(length: min(maximumPayloadLength, body.readableBytes)),
            chunk.readableBytes > 0
        {
            packets.append(.replaceBody(chunk))
        }
        return packets
    }
}
