import Foundation
import NIOCore
import Testing

@testable import MoatMilter

/// Drives a state machine the way Postfix does: a MACRO packet before every event.
struct PostfixDriver {
    var machine: MilterSessionStateMachine

    init(_ configuration: MilterSessionConfiguration = MilterSessionConfiguration()) {
        machine = MilterSessionStateMachine(configuration: configuration)
    }

    mutating func send(_ command: MilterCommand, macros: [String: String] = [:]) throws -> MilterSessionAction {
        if command.commandByte != UInt8(ascii: "O") && command != .abort && command != .quit {
            let pairs = macros.sorted { $0.key < $1.key }.map { MilterMacro(name: $0.key, value: $0.value) }
            #expect(try machine.receive(.macro(stage: command.commandByte, macros: pairs)).isNone)
        }
        // The handler's part of a `.spool` action: write the bytes, then do what follows.
        var action = try machine.receive(command)
        if case .spool(let spool, let bytes, let then) = action {
            spools += 1
            try spool.append(bytes)
            action = then
        }
        return action
    }

    /// How many commands asked the handler to write the spool file.
    var spools = 0

    mutating func negotiate(
        version: UInt32 = 6,
        actions: MilterActions = .all,
        options: MilterProtocolOptions = .all
    ) throws -> MilterReply? {
        let reply = try send(.optionNegotiation(version: version, actions: actions, protocolOptions: options)).replies?.first
        if case .optionNegotiation(_, _, let agreed, _) = reply { self.agreed = agreed }
        return reply
    }

    /// The steps and replies the filter asked to leave out, as Postfix honours them.
    var agreed: MilterProtocolOptions = []

    /// Sends an envelope step and checks the answer: CONTINUE, or nothing under its no-reply bit.
    mutating func step(_ command: MilterCommand, macros: [String: String] = [:], noReply: MilterProtocolOptions) throws {
        let action = try send(command, macros: macros)
        if agreed.contains(noReply) {
            #expect(action.isNone, "\(command.name) must not be answered")
        } else {
            #expect(action.replies == [.continue])
        }
    }

    /// OPTNEG, CONNECT, HELO as Postfix sends them.
    mutating func open() throws {
        _ = try negotiate()
        try step(
            .connect(hostname: "client.example.org", family: .inet4, port: 54321, address: "192.0.2.1"),
            macros: ["j": "mx.example.org", "{daemon_name}": "smtpd", "_": "client.example.org [192.0.2.1]"],
            noReply: .noConnectReply
        )
        try step(.helo([UInt8]("client.example.org")), noReply: .noHeloReply)
    }

    /// MAIL, RCPT×n, DATA, headers, EOH, body chunks, EOM; returns the collected message.
    mutating func message(
        queueID: String,
        from: String,
        to recipients: [String],
        headers: [(String, String)],
        body: [UInt8],
        chunkSize: Int = 65535
    ) throws -> CollectedMessage? {
        try step(.mail(arguments: [[UInt8]("<\(from)>"), [UInt8]("SIZE=\(body.count)")]), macros: ["{mail_addr}": from],
                 noReply: .noMailReply)
        for recipient in recipients {
            try step(.recipient(arguments: [[UInt8]("<\(recipient)>")]), macros: ["i": queueID, "{rcpt_addr}": recipient],
                     noReply: .noRecipientReply)
        }
        if !agreed.contains(.noData) {
            try step(.data, macros: ["i": queueID], noReply: .noDataReply)
        }
        for (name, value) in headers {
            #expect(try send(.header(name: name, value: [UInt8](value))).isNone)  // NR_HDR
        }
        #expect(try send(.endOfHeaders, macros: ["i": queueID]).isNone)  // NR_EOH
        var offset = 0
        while offset < body.count {
            let end = min(offset + chunkSize, body.count)
            #expect(try send(.body(ByteBuffer(bytes: body[offset..<end]))).isNone)  // NR_BODY
            offset = end
        }
        return try send(.endOfMessage(nil), macros: ["i": queueID]).collected
    }
}

/// A CRLF body whose CRLF straddles the 65535-byte chunk boundary.
func straddlingBody(size: Int) -> [UInt8] {
    var body: [UInt8] = []
    while body.count < size {
        body += [UInt8]("line \(body.count) of the test body\r\n")
    }
    body = Array(body[..<size])
    body[65533] = UInt8(ascii: "x")
    body[65534] = 13  // CR ends chunk 1 ...
    body[65535] = 10  // ... LF starts chunk 2
    body[size - 2] = 13
    body[size - 1] = 10
    return body
}

@Suite("MilterSessionStateMachine")
struct MilterSessionStateMachineTests {
    @Test("a full Postfix session: negotiation, two messages, ABORTs, QUIT")
    func postfixSession() throws {
        let directory = try makeSpoolDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var driver = PostfixDriver(MilterSessionConfiguration(bodyMemoryThreshold: 100_000, spoolDirectory: directory))

        let negotiation = try driver.negotiate(version: 6, actions: MilterActions(rawValue: 0x1FF),
                                               options: MilterProtocolOptions(rawValue: 0x1F_FFFF))
        #expect(negotiation == .optionNegotiation(
            version: 6,
            actions: MilterActions(rawValue: 0x13B),
            protocolOptions: MilterProtocolOptions(rawValue: 0xFF380),
            macroLists: MilterMacroList.moatDefault
        ))
        // NR_CONN and NR_HELO: Postfix sends both and waits for neither.
        let connect = try driver.send(
            .connect(hostname: "client.example.org", family: .inet4, port: 54321, address: "192.0.2.1"),
            macros: ["j": "mx.example.org", "{daemon_name}": "smtpd"]
        )
        #expect(connect.isNone)
        #expect(try driver.send(.helo([UInt8]("client.example.org"))).isNone)

        let body = straddlingBody(size: 150_000)
        let message = try #require(try driver.message(
            queueID: "4ABC123",
            from: "alice@example.org",
            to: ["bob@example.net", "carol@example.net"],
            headers: [("From", "Alice <alice@example.org>"), ("Subject", "hello"), ("X-Folded", "first\n\tsecond")],
            body: body
        ))
        #expect(driver.machine.isScanning)
        #expect(message.clientHostname == "client.example.org")
        #expect(message.clientAddress == "192.0.2.1")
        #expect(message.clientPort == 54321)
        #expect(message.connection.family == .inet4)
        #expect(message.helo == [UInt8]("client.example.org"))
        #expect(message.sender?.mailbox == "alice@example.org")
        #expect(message.sender?.parameters == [[UInt8]("SIZE=150000")])
        #expect(message.recipients.map(\.mailbox) == ["bob@example.net", "carol@example.net"])
        #expect(message.queueID == "4ABC123")
        #expect(message.macro("{daemon_name}") == [UInt8]("smtpd"))
        #expect(message.macro("j") == [UInt8]("mx.example.org"))
        #expect(message.macro("mail_addr") == [UInt8]("alice@example.org"))
        #expect(message.headers == [
            MilterHeader(name: "From", value: "Alice <alice@example.org>"),
            MilterHeader(name: "Subject", value: "hello"),
            MilterHeader(name: "X-Folded", value: "first\n\tsecond"),
        ])
        #expect(try message.bodyBytes() == body)
        #expect(message.bodySize == 150_000)
        #expect(!message.isOversize)
        let spoolPath = try #require(message.body.filePath)
        #expect(try permissions(of: spoolPath) == 0o600)

        let newBody = [UInt8](repeating: UInt8(ascii: "z"), count: 200_000)
        let replies = driver.machine.scanFinished(MilterResponse(
            disposition: .reject(replyCode: "550 5.7.1 100% spam"),
            headersToAdd: [.init(name: "X-Moat", value: "spam\r\n score=9")],
            headersToChange: [.init(name: "Subject", index: 1, value: "[SPAM] hello")],
            replacementBody: newBody,
            quarantineReason: "spam"
        ))
        let bodyChunks = replies.compactMap { reply -> Int? in
            if case .replaceBody(let chunk) = reply { return chunk.readableBytes }
            return nil
        }
        #expect(bodyChunks == [65535, 65535, 65535, 3395])
        #expect(replies.first == .changeHeader(index: 1, name: "Subject", value: "[SPAM] hello"))
        #expect(replies[1] == .addHeader(name: "X-Moat", value: "spam\n score=9"))
        #expect(Array(replies.suffix(2)) == [.quarantine(reason: "spam"), .replyCode("550 5.7.1 100%% spam")])
        #expect(replies.filter(\.isFinal).count == 1)
        #expect(!FileManager.default.fileExists(atPath: spoolPath))
        #expect(spoolFiles(in: directory).isEmpty)

        // Postfix resets the transaction after every message.
        #expect(try driver.send(.abort).isNone)
        #expect(driver.machine.macro("mail_addr") == nil)
        #expect(driver.machine.macro("i") == nil)
        #expect(driver.machine.macro("j") == [UInt8]("mx.example.org"))

        // A second message on the same connection.
        let second = try #require(try driver.message(
            queueID: "5DEF456", from: "dave@example.org", to: ["erin@example.net"],
            headers: [("Subject", "again")], body: [UInt8]("short\r\n")
        ))
        #expect(second.queueID == "5DEF456")
        #expect(second.sender?.mailbox == "dave@example.org")
        #expect(second.recipients.map(\.mailbox) == ["erin@example.net"])
        #expect(second.headers == [MilterHeader(name: "Subject", value: "again")])
        #expect(try second.bodyBytes() == [UInt8]("short\r\n"))
        #expect(second.body.filePath == nil)
        #expect(second.helo == [UInt8]("client.example.org"))
        #expect(driver.machine.scanFinished(MilterResponse(disposition: .accept)) == [.accept])
        #expect(try driver.send(.abort).isNone)
        guard case .close = try driver.send(.quit) else {
            Issue.record("QUIT must close")
            return
        }
    }

    @Test("the machine writes no file: body bytes past the threshold come back as a spool action")
    func spoolIsAnAction() throws {
        let directory = try makeSpoolDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var machine = MilterSessionStateMachine(configuration: MilterSessionConfiguration(bodyMemoryThreshold: 1000, spoolDirectory: directory))
        _ = try machine.receive(.optionNegotiation(version: 6, actions: .all, protocolOptions: .all))
        _ = try machine.receive(.connect(hostname: "c", family: .inet4, port: 25, address: "192.0.2.1"))
        _ = try machine.receive(.mail(arguments: [[UInt8]("<a@x>")]))
        _ = try machine.receive(.recipient(arguments: [[UInt8]("<b@y>")]))
        _ = try machine.receive(.endOfHeaders)
        // Under the threshold: kept in memory by the machine, no action.
        guard case .none = try machine.receive(.body(ByteBuffer(repeating: UInt8(ascii: "a"), count: 600))) else {
            Issue.record("a small chunk needs no spool action")
            return
        }
        // Over it: the machine hands the bytes back and has written nothing.
        guard case .spool(let spool, let bytes, then: .none) = try machine.receive(.body(ByteBuffer(repeating: UInt8(ascii: "b"), count: 600))) else {
            Issue.record("a chunk past the threshold must come back as a spool action")
            return
        }
        #expect(bytes.readableBytes == 600)
        #expect(spoolFiles(in: directory).isEmpty)
        try spool.append(bytes)
        #expect(spoolFiles(in: directory).count == 1)
        // End of message with a last chunk: spool it, then scan.
        guard case .spool(_, let last, then: .scan(let collected)) = try machine.receive(.endOfMessage(ByteBuffer(repeating: UInt8(ascii: "c"), count: 10))) else {
            Issue.record("the last chunk must be spooled before the scan")
            return
        }
        try spool.append(last)
        #expect(try collected.bodyBytes() == [UInt8](repeating: UInt8(ascii: "a"), count: 600) + [UInt8](repeating: UInt8(ascii: "b"), count: 600)
            + [UInt8](repeating: UInt8(ascii: "c"), count: 10))
    }

    @Test("ABORT mid-message drops the message and removes its spool file")
    func abortRemovesSpool() throws {
        let directory = try makeSpoolDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var driver = PostfixDriver(MilterSessionConfiguration(bodyMemoryThreshold: 1000, spoolDirectory: directory))
        try driver.open()
        _ = try driver.send(.mail(arguments: [[UInt8]("<a@x>")]), macros: ["{mail_addr}": "a@x"])
        _ = try driver.send(.recipient(arguments: [[UInt8]("<b@y>")]))
        _ = try driver.send(.data)
        _ = try driver.send(.endOfHeaders)
        _ = try driver.send(.body(ByteBuffer(repeating: UInt8(ascii: "q"), count: 5000)))
        #expect(spoolFiles(in: directory).count == 1)
        #expect(try driver.send(.abort).isNone)
        #expect(spoolFiles(in: directory).isEmpty)
        #expect(driver.machine.macro("mail_addr") == nil)
        // ABORT outside a transaction is ignored, even twice.
        #expect(try driver.send(.abort).isNone)
        #expect(try driver.send(.abort).isNone)
        // The connection goes on: a new message starts clean.
        let message = try #require(try driver.message(
            queueID: "Q2", from: "c@x", to: ["d@y"], headers: [], body: [UInt8]("b\r\n")))
        #expect(try message.bodyBytes() == [UInt8]("b\r\n"))
        #expect(message.headers.isEmpty)
    }

    @Test("ABORT during a scan cancels it; the late result sends nothing")
    func abortDuringScan() throws {
        var driver = PostfixDriver()
        try driver.open()
        _ = try #require(try driver.message(queueID: "Q", from: "a@x", to: ["b@y"], headers: [], body: []))
        guard case .cancelScan = try driver.send(.abort) else {
            Issue.record("ABORT during a scan must cancel it")
            return
        }
        #expect(driver.machine.scanFinished(MilterResponse(disposition: .reject(replyCode: nil))) == [])
    }

    @Test("a command other than ABORT/QUIT during a scan is a protocol error")
    func commandDuringScan() throws {
        var driver = PostfixDriver()
        try driver.open()
        _ = try #require(try driver.message(queueID: "Q", from: "a@x", to: ["b@y"], headers: [], body: []))
        #expect(throws: MilterProtocolError.commandDuringScan(command: "MAIL")) {
            try driver.machine.receive(.mail(arguments: [[UInt8]("<a@x>")]))
        }
    }

    @Test("oversize messages stop being stored and are marked")
    func oversize() throws {
        var driver = PostfixDriver(MilterSessionConfiguration(maximumMessageSize: 1000))
        try driver.open()
        let body = (0..<3000).map { UInt8(truncatingIfNeeded: $0) }
        let message = try #require(try driver.message(
            queueID: "Q", from: "a@x", to: ["b@y"], headers: [("Subject", "big")], body: body, chunkSize: 700))
        let headerBytes = "Subject".utf8.count + 2 + 3 + 2
        #expect(message.isOversize)
        #expect(message.bodySize == 3000)
        #expect(message.totalSize == 3000 + headerBytes)
        #expect(try message.bodyBytes() == Array(body.prefix(1000 - headerBytes)))
        #expect(driver.machine.scanFinished(MilterResponse(disposition: .tempfail(replyCode: "452 4.3.4 too big")))
                == [.replyCode("452 4.3.4 too big")])
    }

    @Test("every negotiated no-reply bit is honoured; EOM is always answered")
    func noReplyBits() throws {
        let nr: MilterProtocolOptions = [
            .noConnectReply, .noHeloReply, .noMailReply, .noRecipientReply, .noDataReply,
            .noUnknownReply, .noHeaderReply, .noEndOfHeadersReply, .noBodyReply,
        ]
        var driver = PostfixDriver(MilterSessionConfiguration(protocolOptions: nr))
        guard case .optionNegotiation(_, _, let agreed, _) = try #require(try driver.negotiate()) else {
            Issue.record("no OPTNEG reply")
            return
        }
        #expect(agreed == nr)
        let events: [MilterCommand] = [
            .connect(hostname: "h", family: .inet6, port: 1, address: "::1"), .helo([UInt8]("h")),
            .unknown([UInt8]("FOO")), .mail(arguments: [[UInt8]("<a@x>")]),
            .recipient(arguments: [[UInt8]("<b@y>")]), .data, .header(name: "A", value: [UInt8]("b")),
            .endOfHeaders, .body(ByteBuffer(string: "x")),
        ]
        for event in events {
            #expect(try driver.send(event).isNone, "\(event.name) must not be answered")
        }
        #expect(try driver.send(.endOfMessage(nil)).collected != nil)
        #expect(driver.machine.scanFinished(MilterResponse(disposition: .continue)) == [.continue])
    }

    @Test("no-reply bits the MTA did not offer are not requested, so every event is answered")
    func noReplyBitsNotOffered() throws {
        var driver = PostfixDriver()
        let reply = try driver.negotiate(version: 2, actions: .version2, options: .version2)
        #expect(reply == .optionNegotiation(version: 2, actions: .moatDefault, protocolOptions: [],
                                             macroLists: []))
        _ = try driver.send(.connect(hostname: "h", family: .unknown, port: 0, address: ""))
        _ = try driver.send(.mail(arguments: [[UInt8]("<a@x>")]))
        #expect(try driver.send(.header(name: "A", value: [UInt8]("b"))).replies == [.continue])
        #expect(try driver.send(.endOfHeaders).replies == [.continue])
        #expect(try driver.send(.body(ByteBuffer(string: "x"))).replies == [.continue])
    }

    @Test("the filter never answers a higher version than the MTA offered, nor above 6")
    func versions() throws {
        var older = PostfixDriver()
        guard case .optionNegotiation(let v4, _, _, _) = try #require(try older.negotiate(version: 4)) else { return }
        #expect(v4 == 4)
        var newer = PostfixDriver()
        guard case .optionNegotiation(let v6, _, _, _) = try #require(try newer.negotiate(version: 7)) else { return }
        #expect(v6 == 6)
        var ancient = MilterSessionStateMachine()
        #expect(throws: MilterProtocolError.unsupportedVersion(1)) {
            try ancient.receive(.optionNegotiation(version: 1, actions: .all, protocolOptions: .all))
        }
    }

    @Test("an MTA offering only ADDHDRS: other edits are skipped")
    func fewerActions() throws {
        var driver = PostfixDriver()
        let reply = try driver.negotiate(actions: MilterActions(rawValue: 0x01))
        #expect(reply == .optionNegotiation(version: 6, actions: .addHeaders, protocolOptions: .moatDefault,
                                             macroLists: []))
        _ = try driver.send(.connect(hostname: "h", family: .inet4, port: 25, address: "192.0.2.9"))
        _ = try #require(try driver.message(queueID: "Q", from: "a@x", to: ["b@y"], headers: [], body: [1, 2]))
        let replies = driver.machine.scanFinished(MilterResponse(
            disposition: .discard,
            headersToAdd: [.init(name: "X-Moat", value: "checked")],
            headersToChange: [.init(name: "Subject", index: 1, value: "x")],
            replacementBody: [UInt8]("new\r\n"),
            quarantineReason: "why"
        ))
        #expect(replies == [.addHeader(name: "X-Moat", value: "checked"), .discard])
    }

    @Test("events out of order are protocol errors; the machine then stays failed")
    func ordering() throws {
        var fresh = MilterSessionStateMachine()
        // Macros and ABORT are fine before anything else.
        #expect(try fresh.receive(.macro(stage: UInt8(ascii: "C"), macros: [])).isNone)
        #expect(try fresh.receive(.abort).isNone)
        #expect(throws: MilterProtocolError.unexpectedCommand(command: "CONNECT", state: "awaiting OPTNEG")) {
            try fresh.receive(.connect(hostname: "h", family: .unknown, port: 0, address: ""))
        }
        #expect(throws: MilterProtocolError.self) { try fresh.receive(.quit) }

        var driver = PostfixDriver()
        try driver.open()
        #expect(throws: MilterProtocolError.unexpectedCommand(command: "BODY", state: "connected")) {
            try driver.machine.receive(.body(ByteBuffer(string: "x")))
        }

        var backwards = PostfixDriver()
        try backwards.open()
        _ = try backwards.send(.mail(arguments: [[UInt8]("<a@x>")]))
        _ = try backwards.send(.recipient(arguments: [[UInt8]("<b@y>")]))
        _ = try backwards.send(.endOfHeaders)
        #expect(throws: MilterProtocolError.self) { try backwards.machine.receive(.header(name: "A", value: [])) }

        var twice = PostfixDriver()
        _ = try twice.negotiate()
        #expect(throws: MilterProtocolError.self) {
            try twice.machine.receive(.optionNegotiation(version: 6, actions: .all, protocolOptions: .all))
        }

        var badStage = PostfixDriver()
        _ = try badStage.negotiate()
        #expect(throws: MilterProtocolError.unknownMacroStage(byte: UInt8(ascii: "Z"))) {
            try badStage.machine.receive(.macro(stage: UInt8(ascii: "Z"), macros: []))
        }
    }

    @Test("QUIT_NC resets to the just-negotiated state")
    func quitNewConnection() throws {
        var driver = PostfixDriver()
        try driver.open()
        _ = try driver.send(.mail(arguments: [[UInt8]("<a@x>")]))
        #expect(try driver.machine.receive(.quitNewConnection).isNone)
        #expect(driver.machine.macro("j") == nil)
        #expect(throws: MilterProtocolError.self) { try driver.machine.receive(.helo([UInt8]("again"))) }

        var other = PostfixDriver()
        try other.open()
        #expect(try other.machine.receive(.quitNewConnection).isNone)
        try other.step(.connect(hostname: "next", family: .unix, port: 0, address: "/sock"), noReply: .noConnectReply)
        let message = try #require(try other.message(queueID: "Q", from: "a@x", to: ["b@y"], headers: [], body: []))
        #expect(message.clientHostname == "next")
        #expect(message.helo == nil)
    }

    @Test("UNKNOWN and DATA are answered with continue")
    func unknownAndData() throws {
        var driver = PostfixDriver(MilterSessionConfiguration(protocolOptions: []))
        try driver.open()
        #expect(try driver.send(.unknown([UInt8]("XYZZY"))).replies == [.continue])
        _ = try driver.send(.mail(arguments: [[UInt8]("<a@x>")]))
        _ = try driver.send(.recipient(arguments: [[UInt8]("<b@y>")]))
        #expect(try driver.send(.data).replies == [.continue])
    }

    @Test("a trailing chunk on BODYEOB is part of the body")
    func endOfMessageChunk() throws {
        var driver = PostfixDriver()
        try driver.open()
        _ = try driver.send(.mail(arguments: [[UInt8]("<a@x>")]))
        _ = try driver.send(.body(ByteBuffer(string: "one\r\n")))
        let message = try #require(try driver.send(.endOfMessage(ByteBuffer(string: "two\r\n"))).collected)
        #expect(try message.bodyBytes() == [UInt8]("one\r\ntwo\r\n"))
    }

    @Test("header values for ADD/CHG fold with LF + tab, never CRLF")
    func folding() {
        let fold = MilterEndOfMessageReplies.foldedHeaderValue
        #expect(fold("a\r\n\tb", false) == "a\n\tb")
        #expect(fold("a\r\nb", false) == "a\n\tb")
        #expect(fold("a\nb\r\n", false) == "a\n\tb")
        #expect(fold("a\r\n b", false) == "a\n b")
        #expect(fold("plain", true) == " plain")
        #expect(fold("\r\nx\0y", false) == "xy")
    }

    @Test("reply codes of the wrong class fall back to plain REJECT/TEMPFAIL")
    func replyCodes() {
        let replies = { (disposition: MilterResponse.Disposition) in
            MilterEndOfMessageReplies.replies(for: MilterResponse(disposition: disposition),
                                              actions: .moatDefault, leadingSpace: false)
        }
        #expect(replies(.reject(replyCode: "451 4.7.1 later")) == [.reject])
        #expect(replies(.reject(replyCode: nil)) == [.reject])
        #expect(replies(.tempfail(replyCode: "451 4.7.1 later")) == [.replyCode("451 4.7.1 later")])
        #expect(replies(.tempfail(replyCode: "garbage")) == [.tempfail])
        #expect(replies(.reject(replyCode: "554-5.7.1 line one\r\n554 5.7.1 line two"))
                == [.replyCode("554-5.7.1 line one\r\n554 5.7.1 line two")])
    }
}
