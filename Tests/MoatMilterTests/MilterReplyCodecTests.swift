import NIOCore
import NIOEmbedded
import NIOTestUtils
import Testing

@testable import MoatMilter

@Suite("MilterReply codec")
struct MilterReplyCodecTests {
    static let everyReply: [MilterReply] = [
        .optionNegotiation(version: 6, actions: .moatDefault, protocolOptions: .moatDefault, macroLists: []),
        .optionNegotiation(
            version: 6,
            actions: [.moatDefault, .setSymbolList],
            protocolOptions: .moatDefault,
            macroLists: MilterMacroList.moatDefault
        ),
        .accept, .continue, .reject, .tempfail, .discard,
        .replyCode("550 5.7.1 Message rejected"),
        .addHeader(name: "X-Moat", value: "clean"),
        .insertHeader(index: 1, name: "X-First", value: "a\n\tb"),
        .changeHeader(index: 2, name: "Subject", value: "[SPAM] hi"),
        .changeHeader(index: 1, name: "X-Old", value: ""),
        .replaceBody(ByteBuffer(string: "new body\r\n")),
        .quarantine(reason: "infected: Eicar-Test-Signature"),
        .progress, .skip,
        .addRecipient("<archive@example.org>"),
        .addRecipientWithParameters(recipient: "<a@x>", parameters: "NOTIFY=NEVER"),
        .addRecipientWithParameters(recipient: "<a@x>", parameters: nil),
        .deleteRecipient("<bob@example.net>"),
        .changeFrom(sender: "<bounce@example.org>", parameters: "SIZE=10"),
        .changeFrom(sender: "<>", parameters: nil),
        .shutdown, .connectionFailure,
    ]

    @Test("every reply survives encode → decode", arguments: everyReply)
    func roundTrip(_ reply: MilterReply) throws {
        var buffer = try encode(reply)
        #expect(try MilterReplyDecoder().decodeReply(from: &buffer) == reply)
        #expect(buffer.readableBytes == 0)
    }

    @Test("reply decoder yields the same replies for every chunking of the stream")
    func verifierEveryChunking() throws {
        let pairs = try Self.everyReply.map { (try encode($0), [$0]) }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) { MilterReplyDecoder() }
    }

    @Test("OPTNEG reply layout matches the protocol: O, version, actions, protocol, {stage, names}")
    func optionNegotiationLayout() throws {
        let reply = MilterReply.optionNegotiation(
            version: 6, actions: .moatDefault, protocolOptions: .moatDefault,
            macroLists: [MilterMacroList(stage: .envelopeFrom, names: "i {mail_addr}")]
        )
        let bytes = Array(try encode(reply).readableBytesView)
        let expected: [UInt8] = [0, 0, 0, 31, UInt8(ascii: "O"), 0, 0, 0, 6, 0, 0, 0, 0x3B, 0, 0x0F, 0xF3, 0x80, 0, 0, 0, 2]
            + [UInt8]("i {mail_addr}\0")
        #expect(bytes == expected)
    }

    @Test("a 200 KB REPLBODY leaves the channel as back-to-back packets of at most 65535 bytes")
    func replaceBodySplit() throws {
        let body = ByteBuffer(bytes: (0..<200_000).map { UInt8(truncatingIfNeeded: $0 % 251) })
        let channel = EmbeddedChannel(handler: MessageToByteHandler(MilterReplyEncoder()))
        try channel.writeOutbound(MilterReply.replaceBody(body))
        try channel.writeOutbound(MilterReply.accept)
        var wire = ByteBuffer()
        while var chunk = try channel.readOutbound(as: ByteBuffer.self) {
            wire.writeBuffer(&chunk)
        }
        let frames = frameSummaries(wire)
        #expect(frames.map(\.payloadLength) == [65535, 65535, 65535, 3395, 0])
        #expect(frames.map(\.code) == [UInt8]("bbbba"))

        // The MTA side reassembles the exact body.
        let decoder = MilterReplyDecoder()
        var reassembled = ByteBuffer()
        while let reply = try decoder.decodeReply(from: &wire) {
            if case .replaceBody(var chunk) = reply { reassembled.writeBuffer(&chunk) }
        }
        #expect(reassembled == body)
        _ = try channel.finish()
    }

    @Test("replaceBodyPackets splits at 65535 and keeps an empty body as one packet")
    func replaceBodyPackets() {
        let packets = MilterReply.replaceBodyPackets(ByteBuffer(repeating: 1, count: 131_071))
        let sizes = packets.map { packet -> Int in
            guard case .replaceBody(let chunk) = packet else { return -1 }
            return chunk.readableBytes
        }
        #expect(sizes == [65535, 65535, 1])
        #expect(MilterReply.replaceBodyPackets(ByteBuffer()) == [.replaceBody(ByteBuffer())])
    }

    @Test("malformed replies throw the specific error")
    func malformed() {
        var unknown = ByteBuffer(bytes: rawFrame("Z", []))
        #expect(throws: MilterProtocolError.unknownReply(byte: UInt8(ascii: "Z"))) {
            try MilterReplyDecoder().decodeReply(from: &unknown)
        }
        var truncated = ByteBuffer(bytes: rawFrame("m", [0, 0]))
        #expect(throws: MilterProtocolError.truncatedInteger(command: UInt8(ascii: "m"), field: "header index")) {
            try MilterReplyDecoder().decodeReply(from: &truncated)
        }
        var noNUL = ByteBuffer(bytes: rawFrame("y", [UInt8]("550 no")))
        #expect(throws: MilterProtocolError.truncatedString(command: UInt8(ascii: "y"), field: "reply text")) {
            try MilterReplyDecoder().decodeReply(from: &noNUL)
        }
        var zero = ByteBuffer(bytes: [0, 0, 0, 0])
        #expect(throws: MilterProtocolError.badFrameLength(length: 0, maximum: 1 << 20)) {
            try MilterReplyDecoder().decodeReply(from: &zero)
        }
    }

    @Test("a header value with NUL cannot be encoded")
    func embeddedNUL() {
        #expect(throws: MilterProtocolError.embeddedNUL(command: UInt8(ascii: "h"), field: "header value")) {
            try encode(.addHeader(name: "X", value: "a\0b"))
        }
    }
}
