import NIOCore
import NIOPosix

/// The MTA side of a milter connection: what the load generator and the server tests drive.
///
/// It speaks like Postfix: negotiates version 6 with every action and step offered, sends macros
/// before events, honours the no-reply steps the filter asked for, and at end of message collects
/// edits and PROGRESS until the one final reply.
public struct MilterClientConnection {
    /// Errors the client raises when the filter misbehaves or goes away.
    public enum ClientError: Error, CustomStringConvertible {
        case connectionClosed
        case unexpectedReply(MilterReply, expecting: String)

        public var description: String {
            switch self {
            case .connectionClosed: "the filter closed the connection"
            case .unexpectedReply(let reply, let expecting): "unexpected reply \(reply) while waiting for \(expecting)"
            }
        }
    }

    /// Everything the filter sent at end of message.
    public struct EndOfMessage: Sendable {
        public var edits: [MilterReply]
        public var progressCount: Int
        public var final: MilterReply
    }

    private var iterator: NIOAsyncChannelInboundStream<MilterReply>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<MilterCommand>
    /// The steps and no-reply options the filter negotiated.
    public private(set) var protocolOptions: MilterProtocolOptions = []
    public private(set) var actions: MilterActions = []

    init(inbound: NIOAsyncChannelInboundStream<MilterReply>, outbound: NIOAsyncChannelOutboundWriter<MilterCommand>) {
        self.iterator = inbound.makeAsyncIterator()
        self.outbound = outbound
    }

    /// Connects to `address`, runs `body` with the connection, then closes it.
    public static func withConnection<T: Sendable>(
        to address: ListenAddress,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        _ body: (inout MilterClientConnection) async throws -> T
    ) async throws -> T {
        let bootstrap = ClientBootstrap(group: group)
        let initializer: @Sendable (any Channel) -> EventLoopFuture<NIOAsyncChannel<MilterReply, MilterCommand>> = { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(MilterReplyDecoder()))
                try channel.pipeline.syncOperations.addHandler(MessageToByteHandler(MilterCommandEncoder()))
                return try NIOAsyncChannel<MilterReply, MilterCommand>(wrappingChannelSynchronously: channel)
            }
        }
        let channel: NIOAsyncChannel<MilterReply, MilterCommand>
        switch address {
        case .inet(let host, let port):
            channel = try await bootstrap.connect(host: host, port: port, channelInitializer: initializer)
        case .unix(let path):
            channel = try await bootstrap.connect(unixDomainSocketPath: path, channelInitializer: initializer)
        }
        return try await channel.executeThenClose { inbound, outbound in
            var connection = MilterClientConnection(inbound: inbound, outbound: outbound)
            return try await body(&connection)
        }
    }

    /// Offers version 6, every action and every step, as Postfix does.
    public mutating func negotiate() async throws {
        try await outbound.write(.optionNegotiation(version: 6, actions: .all, protocolOptions: .all))
        guard case .optionNegotiation(_, let actions, let options, _) = try await next("OPTNEG") else {
            throw ClientError.unexpectedReply(.continue, expecting: "OPTNEG")
        }
        self.actions = actions
        self.protocolOptions = options
    }

    /// Sends CONNECT and HELO with their macros.
    public mutating func connect(hostname: String, address: String, port: UInt16, helo: String) async throws -> MilterReply? {
        try await outbound.write(.macro(stage: UInt8(ascii: "C"), macros: [MilterMacro(name: "j", value: Array("mx.moat.test".utf8))]))
        if !protocolOptions.contains(.noConnect) {
            try await outbound.write(.connect(hostname: hostname, family: .inet4, port: port, address: address))
            if let reply = try await replyUnless(.noConnectReply, "CONNECT"), !Self.continues(reply) { return reply }
        }
        if !protocolOptions.contains(.noHelo) {
            try await outbound.write(.helo(Array(helo.utf8)))
            if let reply = try await replyUnless(.noHeloReply, "HELO"), !Self.continues(reply) { return reply }
        }
        return nil
    }

    /// Sends one message transaction and returns what the filter answered at end of message (or the
    /// early refusal of an envelope step). Body chunks are cut at 65535 bytes as Postfix cuts them.
    public mutating func send(
        from sender: String, to recipients: [String], headers: [(String, String)], body: [UInt8], queueID: String, login: String? = nil
    ) async throws -> EndOfMessage {
        if let refused = try await begin(from: sender, to: recipients, headers: headers, body: body, queueID: queueID, login: login) {
            return refused
        }
        return try await finish()
    }

    /// Sends a transaction up to and including end of message without waiting for the answer (a
    /// test can then ABORT or drop the connection while the filter scans); returns the early
    /// refusal of an envelope step, if any.
    public mutating func begin(
        from sender: String, to recipients: [String], headers: [(String, String)], body: [UInt8], queueID: String, login: String? = nil
    ) async throws -> EndOfMessage? {
        var macros = [MilterMacro(name: "i", value: Array(queueID.utf8))]
        // Postfix sends the SASL login of an authenticated client with MAIL FROM.
        if let login { macros += [MilterMacro(name: "{auth_authen}", value: Array(login.utf8)), MilterMacro(name: "{auth_type}", value: Array("PLAIN".utf8))] }
        try await outbound.write(.macro(stage: UInt8(ascii: "M"), macros: macros))
        if !protocolOptions.contains(.noMail) {
            try await outbound.write(.mail(arguments: [Array("<\(sender)>".utf8)]))
            if let reply = try await replyUnless(.noMailReply, "MAIL"), !Self.continues(reply) {
                return EndOfMessage(edits: [], progressCount: 0, final: reply)
            }
        }
        for recipient in recipients where !protocolOptions.contains(.noRecipient) {
            try await outbound.write(.recipient(arguments: [Array("<\(recipient)>".utf8)]))
            if let reply = try await replyUnless(.noRecipientReply, "RCPT"), !Self.continues(reply) {
                return EndOfMessage(edits: [], progressCount: 0, final: reply)
            }
        }
        if !protocolOptions.contains(.noData) {
            try await outbound.write(.data)
            _ = try await replyUnless(.noDataReply, "DATA")
        }
        if !protocolOptions.contains(.noHeaders) {
            for (name, value) in headers {
                try await outbound.write(.header(name: name, value: Array(value.utf8)))
                _ = try await replyUnless(.noHeaderReply, "HEADER")
            }
        }
        if !protocolOptions.contains(.noEndOfHeaders) {
            try await outbound.write(.endOfHeaders)
            _ = try await replyUnless(.noEndOfHeadersReply, "EOH")
        }
        if !protocolOptions.contains(.noBody) {
            var offset = 0
            while offset < body.count {
                let end = min(body.count, offset + MilterReply.maximumPayloadLength)
                try await outbound.write(.body(ByteBuffer(bytes: body[offset..<end])))
                _ = try await replyUnless(.noBodyReply, "BODY")
                offset = end
            }
        }
        try await outbound.write(.endOfMessage(nil))
        return nil
    }

    /// Reads the filter's answer to end of message.
    public mutating func finish() async throws -> EndOfMessage {
        var edits: [MilterReply] = []
        var progress = 0
        while true {
            let reply = try await next("end of message")
            switch reply {
            case .progress: progress += 1
            case .accept, .continue, .reject, .tempfail, .discard, .replyCode:
                // Postfix resets the transaction after every message; a filter that is shutting down
                // may already have closed, which is not an error for this message.
                try? await outbound.write(.abort)
                return EndOfMessage(edits: edits, progressCount: progress, final: reply)
            default: edits.append(reply)
            }
        }
    }

    /// Abandons the message in progress (SMFIC_ABORT), as an MTA does when its client goes away.
    public mutating func abort() async throws {
        try await outbound.write(.abort)
    }

    /// Says QUIT.
    public mutating func quit() async throws {
        try await outbound.write(.quit)
    }

    private mutating func replyUnless(_ option: MilterProtocolOptions, _ step: String) async throws -> MilterReply? {
        protocolOptions.contains(option) ? nil : try await next(step)
    }

    private mutating func next(_ expecting: String) async throws -> MilterReply {
        guard let reply = try await iterator.next() else { throw ClientError.connectionClosed }
        return reply
    }

    private static func continues(_ reply: MilterReply) -> Bool {
        if case .continue = reply { return true }
        return false
    }
}
