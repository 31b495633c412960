import NIOCore
import NIOEmbedded
import NIOTestUtils
import Testing

@testable import MoatMilter

@Suite("MilterCommand codec")
struct MilterCommandCodecTests {
    static let everyCommand: [MilterCommand] = [
        .optionNegotiation(version: 6, actions: .all, protocolOptions: .all),
        .macro(stage: UInt8(ascii: "C"), macros: [
            MilterMacro(name: "j", value: "mx.example.org"),
            MilterMacro(name: "{daemon_name}", value: "smtpd"),
            MilterMacro(name: "_", value: "client [192.0.2.1]"),
        ]),
        .macro(stage: UInt8(ascii: "L"), macros: []),
        .macro(stage: UInt8(ascii: "M"), macros: [MilterMacro(name: "{mail_addr}", value: [UInt8]())]),
        .connect(hostname: "client.example.org", family: .inet4, port: 54321, address: "192.0.2.1"),
        .connect(hostname: "[2001:db8::1]", family: .inet6, port: 25, address: "2001:db8::1"),
        .connect(hostname: "localhost", family: .unix, port: 0, address: "/var/run/socket"),
        .connect(hostname: "unknown", family: .unknown, port: 0, address: ""),
        .helo([UInt8]("client.example.org")),
        .mail(arguments: [[UInt8]("<alice@example.org>"), [UInt8]("SIZE=1234"), [UInt8]("BODY=8BITMIME")]),
        .mail(arguments: [[UInt8]("<>")]),
        .recipient(arguments: [[UInt8]("<bob@example.net>")]),
        .data,
        .header(name: "Subject", value: [UInt8]("hello \u{00E9}")),
        .header(name: "X-Folded", value: [UInt8]("first\n\tsecond")),
        .header(name: "X-Empty", value: []),
        .header(name: "X-8bit", value: [0xFF, 0xFE, 0x80]),
        .endOfHeaders,
        .body(ByteBuffer(string: "line one\r\nline two\r\n")),
        .endOfMessage(nil),
        .endOfMessage(ByteBuffer(string: "last chunk\r\n")),
        .abort,
        .quit,
        .quitNewConnection,
        .unknown([UInt8]("XYZZY plugh")),
    ]

    @Test("every command survives encode → decode", arguments: everyCommand)
    func roundTrip(_ command: MilterCommand) throws {
        var buffer = try encode(command)
        let decoded = try MilterCommandDecoder().decodeCommand(from: &buffer)
        #expect(decoded == command)
        #expect(buffer.readableBytes == 0)
    }

    @Test("decoder yields the same commands for every chunking of the stream")
    func verifierEveryChunking() throws {
        let pairs = try Self.everyCommand.map { (try encode($0), [$0]) }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) { MilterCommandDecoder() }
    }

    @Test("a full-size body chunk (len 65536) decodes; longer bodies are split by the encoder")
    func bodyChunking() throws {
        let full = ByteBuffer(repeating: UInt8(ascii: "x"), count: 65535)
        var encoded = try encode(.body(full))
        #expect(frameSummaries(encoded).map(\.payloadLength) == [65535])
        #expect(try MilterCommandDecoder().decodeCommand(from: &encoded) == .body(full))

        let large = ByteBuffer(repeating: UInt8(ascii: "y"), count: 150_000)
        let frames = frameSummaries(try encode(.body(large)))
        #expect(frames.map(\.payloadLength) == [65535, 65535, 18930])
        #expect(frames.allSatisfy { $0.code == UInt8(ascii: "B") })
    }

    @Test("macro names are canonical: {i} and i are the same")
    func macroNames() throws {
        #expect(MilterMacro(name: "{i}", value: "Q1") == MilterMacro(name: "i", value: "Q1"))
        #expect(MilterMacro(name: "{daemon_name}", value: "x").name == "daemon_name")
        var buffer = ByteBuffer(bytes: rawFrame("D", [UInt8]("R{i}\0ABC\0{rcpt_addr}\0bob@x\0")))
        let decoded = try MilterCommandDecoder().decodeCommand(from: &buffer)
        #expect(decoded == .macro(stage: UInt8(ascii: "R"), macros: [
            MilterMacro(name: "i", value: "ABC"), MilterMacro(name: "rcpt_addr", value: "bob@x"),
        ]))
    }

    @Test("a long header beyond 64 KiB is accepted up to the maximum frame length")
    func longHeader() throws {
        let value = [UInt8](repeating: UInt8(ascii: "a"), count: 100_000)
        var buffer = try encode(.header(name: "X-Long", value: value))
        #expect(try MilterCommandDecoder().decodeCommand(from: &buffer) == .header(name: "X-Long", value: value))
    }

    struct Malformed: Sendable, CustomTestStringConvertible {
        var label: String
        var bytes: [UInt8]
        var error: MilterProtocolError
        var testDescription: String { label }
    }

    static let malformed: [Malformed] = [
        Malformed(label: "length 0", bytes: [0, 0, 0, 0, 0x41],
                  error: .badFrameLength(length: 0, maximum: 1024)),
        Malformed(label: "length over maximum (before payload arrives)", bytes: [0, 0, 0x04, 0x01, 0x42],
                  error: .badFrameLength(length: 1025, maximum: 1024)),
        Malformed(label: "unknown command byte", bytes: rawFrame("Z", []),
                  error: .unknownCommand(byte: UInt8(ascii: "Z"))),
        Malformed(label: "OPTNEG too short", bytes: rawFrame("O", [0, 0, 0, 6, 0, 0, 1, 0xFF, 0, 0x1F]),
                  error: .truncatedInteger(command: UInt8(ascii: "O"), field: "protocol")),
        Malformed(label: "OPTNEG empty", bytes: rawFrame("O", []),
                  error: .truncatedInteger(command: UInt8(ascii: "O"), field: "version")),
        Malformed(label: "MACRO without stage", bytes: rawFrame("D", []),
                  error: .truncatedInteger(command: UInt8(ascii: "D"), field: "stage")),
        Malformed(label: "MACRO name without value", bytes: rawFrame("D", [UInt8]("Cj\0")),
                  error: .unpairedMacro(name: "j")),
        Malformed(label: "MACRO value without NUL", bytes: rawFrame("D", [UInt8]("Cj\0host")),
                  error: .truncatedString(command: UInt8(ascii: "D"), field: "macro value")),
        Malformed(label: "CONNECT hostname without NUL", bytes: rawFrame("C", [UInt8]("host")),
                  error: .truncatedString(command: UInt8(ascii: "C"), field: "hostname")),
        Malformed(label: "CONNECT without family", bytes: rawFrame("C", [UInt8]("host\0")),
                  error: .truncatedInteger(command: UInt8(ascii: "C"), field: "family")),
        Malformed(label: "CONNECT bad family", bytes: rawFrame("C", [UInt8]("host\0X\0\u{19}1.2.3.4\0")),
                  error: .badAddressFamily(byte: UInt8(ascii: "X"))),
        Malformed(label: "CONNECT truncated port", bytes: rawFrame("C", [UInt8]("host\04") + [0x01]),
                  error: .truncatedInteger(command: UInt8(ascii: "C"), field: "port")),
        Malformed(label: "CONNECT address without NUL", bytes: rawFrame("C", [UInt8]("host\04") + [0, 25] + [UInt8]("1.2")),
                  error: .truncatedString(command: UInt8(ascii: "C"), field: "address")),
        Malformed(label: "HELO without NUL", bytes: rawFrame("H", [UInt8]("client")),
                  error: .truncatedString(command: UInt8(ascii: "H"), field: "helo")),
        Malformed(label: "MAIL empty", bytes: rawFrame("M", []),
                  error: .truncatedString(command: UInt8(ascii: "M"), field: "sender")),
        Malformed(label: "RCPT parameter without NUL", bytes: rawFrame("R", [UInt8]("<b@x>\0NOTIFY")),
                  error: .truncatedString(command: UInt8(ascii: "R"), field: "recipient")),
        Malformed(label: "HEADER value without NUL", bytes: rawFrame("L", [UInt8]("Subject\0hi")),
                  error: .truncatedString(command: UInt8(ascii: "L"), field: "header value")),
        Malformed(label: "UNKNOWN without NUL", bytes: rawFrame("U", [UInt8]("XYZZY")),
                  error: .truncatedString(command: UInt8(ascii: "U"), field: "command line")),
    ]

    @Test("malformed frames throw the specific error", arguments: malformed)
    func malformedDirect(_ testCase: Malformed) throws {
        var buffer = ByteBuffer(bytes: testCase.bytes)
        #expect(throws: testCase.error) {
            try MilterCommandDecoder(maximumFrameLength: 1024).decodeCommand(from: &buffer)
        }
    }

    @Test("malformed frames throw out of the channel pipeline", arguments: malformed)
    func malformedInChannel(_ testCase: Malformed) throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(MilterCommandDecoder(maximumFrameLength: 1024)))
        #expect(throws: testCase.error) {
            try channel.writeInbound(ByteBuffer(bytes: testCase.bytes))
        }
        _ = try? channel.finish()
    }

    @Test("default maximum is 1 MiB")
    func defaultMaximum() throws {
        var header = ByteBuffer()
        header.writeInteger(UInt32(1 << 20) + 1)
        #expect(throws: MilterProtocolError.badFrameLength(length: (1 << 20) + 1, maximum: 1 << 20)) {
            try MilterCommandDecoder().decodeCommand(from: &header)
        }
    }

    @Test("an incomplete frame waits for more bytes")
    func incomplete() throws {
        let full = try encode(.helo([UInt8]("client.example.org")))
        for cut in 0..<full.readableBytes {
            var partial = full.getSlice(at: 0, length: cut)!
            #expect(try MilterCommandDecoder().decodeCommand(from: &partial) == nil)
            #expect(partial.readableBytes == cut)
        }
    }

    @Test("strings containing NUL cannot be encoded")
    func embeddedNUL() {
        #expect(throws: MilterProtocolError.embeddedNUL(command: UInt8(ascii: "H"), field: "helo")) {
            try encode(.helo([0x61, 0, 0x62]))
        }
    }
}
