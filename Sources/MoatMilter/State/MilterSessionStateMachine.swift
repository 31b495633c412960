import NIOCore

/// The filter side of one milter connection, as a pure state machine.
///
/// Feed it every decoded command with ``receive(_:)`` and do what the returned
/// ``MilterSessionAction`` says; at end of message scan the ``CollectedMessage`` and pass the
/// verdict to ``scanFinished(_:)``. It does no I/O (body bytes bound for the spool file come back
/// as a `.spool` action for the handler to write on the blocking pool), so the
/// whole protocol is tested without sockets and the channel handler stays a thin shell.
///
/// Ordering follows libmilter: OPTNEG first, then CONNECT, HELO, and per message MAIL, RCPT,
/// DATA, HEADER, EOH, BODY, BODYEOB, each step optional but never backwards. MACRO may come
/// at any time, ABORT anywhere (ignored outside a message). Anything else out of order throws
/// ``MilterProtocolError`` and leaves the machine failed; the handler closes the connection.
public struct MilterSessionStateMachine: Sendable {
    private enum MessagePhase: Int, Comparable {
        case mail, recipient, data, headers, endOfHeaders, body

        static func < (lhs: MessagePhase, rhs: MessagePhase) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// Where the session is; a message's data lives inside the states that have one, so no
    /// state can be reached without it.
    private enum State {
        case awaitingNegotiation
        case awaitingConnect
        case connected
        case inMessage(MessagePhase, MessageBuilder)
        /// The body stays until the scan's answer or an ABORT releases it.
        case scanning(BodySpool)
        case messageDone
        case closed
        case failed

        var name: String {
            switch self {
            case .awaitingNegotiation: "awaiting OPTNEG"
            case .awaitingConnect: "awaiting CONNECT"
            case .connected: "connected"
            case .inMessage(let phase, _): "in message (\(phase))"
            case .scanning: "scanning"
            case .messageDone: "message done"
            case .closed: "closed"
            case .failed: "failed"
            }
        }
    }

    /// Per-message data, from MAIL to the end of the message.
    private struct MessageBuilder {
        var sender: MilterEnvelopeAddress?
        var recipients: [MilterEnvelopeAddress] = []
        var headers: [MilterHeader] = []
        var body: BodySpool
        var bodySize = 0
        var totalSize = 0
        var isOversize = false
    }

    public let configuration: MilterSessionConfiguration
    private var state: State = .awaitingNegotiation
    private var connection = MilterConnectionInfo()
    private var macros = MilterMacroTable()

    /// The protocol version agreed in OPTNEG, nil before it.
    public private(set) var negotiatedVersion: UInt32?
    /// The actions agreed in OPTNEG (empty before it).
    public private(set) var negotiatedActions: MilterActions = []
    /// The protocol options agreed in OPTNEG (empty before it).
    public private(set) var negotiatedProtocolOptions: MilterProtocolOptions = []

    /// - Parameter configuration: what to negotiate and the spool/size limits.
    public init(configuration: MilterSessionConfiguration = MilterSessionConfiguration()) {
        self.configuration = configuration
    }

    /// True while an end-of-message scan is in flight.
    public var isScanning: Bool {
        if case .scanning = state { return true }
        return false
    }

    /// The current value of a macro (`x` or `{x}`), e.g. `i` for the queue id in logs.
    public func macro(_ name: String) -> [UInt8]? {
        macros.value(of: name)
    }

    /// Takes one command from the MTA and says what to do.
    ///
    /// - Throws: ``MilterProtocolError`` for a command out of order (the machine is then
    ///   failed and every later command throws too), ``BodySpoolError`` if the body cannot be
    ///   spooled.
    public mutating func receive(_ command: MilterCommand) throws -> MilterSessionAction {
        do {
            return try self.handle(command)
        } catch {
            self.releaseMessage()
            self.state = .failed
            throw error
        }
    }

    /// Turns the upper layer's verdict into the end-of-message replies.
    ///
    /// Edits come first (only those whose action was negotiated; the rest are dropped),
    /// then the new body as back-to-back REPLBODY packets of at most 65535 bytes, then
    /// QUARANTINE, then exactly one final reply. Returns no replies if the scan was cancelled
    /// by ABORT or QUIT in the meantime. Releases the message body.
    public mutating func scanFinished(_ response: MilterResponse) -> [MilterReply] {
        guard case .scanning = state else {
            return []
        }
        self.releaseMessage()
        self.state = .messageDone
        return MilterEndOfMessageReplies.replies(
            for: response,
            actions: negotiatedActions,
            leadingSpace: negotiatedProtocolOptions.contains(.headerLeadingSpace)
        )
    }

    // MARK: - Commands

    private mutating func handle(_ command: MilterCommand) throws -> MilterSessionAction {
        switch state {
        case .failed, .closed:
            throw unexpected(command)
        default:
            break
        }

        switch command {
        case .macro(let stage, let values):
            if case .scanning = state { throw MilterProtocolError.commandDuringScan(command: command.name) }
            guard let slot = MilterMacroTable.Slot(commandByte: stage) else {
                throw MilterProtocolError.unknownMacroStage(byte: stage)
            }
            macros.set(values, for: slot)
            return .none

        case .abort:
            return self.abortMessage()

        case .quit:
            self.releaseMessage()
            state = .closed
            return .close

        case .quitNewConnection:
            guard negotiatedVersion != nil else { throw unexpected(command) }
            self.releaseMessage()
            connection = MilterConnectionInfo()
            macros.removeAll()
            let wasScanning = isScanning
            state = .awaitingConnect
            return wasScanning ? .cancelScan : .none

        default:
            break
        }

        if case .scanning = state {
            throw MilterProtocolError.commandDuringScan(command: command.name)
        }

        switch command {
        case .optionNegotiation(let version, let actions, let options):
            guard case .awaitingNegotiation = state else { throw unexpected(command) }
            return .reply([try negotiate(version: version, offeredActions: actions, offeredOptions: options)])

        case .connect(let hostname, let family, let port, let address):
            guard case .awaitingConnect = state else { throw unexpected(command) }
            macros.forget(after: .connect)
            connection = MilterConnectionInfo(hostname: hostname, family: family, port: port, address: address)
            state = .connected
            return reply(unless: .noConnectReply)

        case .helo(let name):
            switch state {
            case .connected: break
            case .awaitingConnect where negotiatedProtocolOptions.contains(.noConnect): break
            default: throw unexpected(command)
            }
            macros.forget(after: .helo)
            connection.helo = name
            state = .connected
            return reply(unless: .noHeloReply)

        case .mail(let arguments):
            switch state {
            case .connected, .messageDone: break
            case .awaitingConnect where negotiatedProtocolOptions.contains(.noConnect): break
            default: throw unexpected(command)
            }
            self.releaseMessage()
            macros.forget(after: .mail)
            let builder = MessageBuilder(
                sender: MilterEnvelopeAddress(arguments: arguments),
                body: BodySpool(
                    memoryThreshold: configuration.bodyMemoryThreshold,
                    directory: configuration.spoolDirectory
                )
            )
            state = .inMessage(.mail, builder)
            return reply(unless: .noMailReply)

        case .recipient(let arguments):
            try advance(to: .recipient, repeatable: true, command: command) { builder in
                if let recipient = MilterEnvelopeAddress(arguments: arguments) { builder.recipients.append(recipient) }
            }
            macros.forget(after: .recipient)
            return reply(unless: .noRecipientReply)

        case .data:
            try advance(to: .data, repeatable: false, command: command) { _ in }
            macros.forget(after: .data)
            return reply(unless: .noDataReply)

        case .header(let name, let value):
            let limit = configuration.maximumMessageSize
            try advance(to: .headers, repeatable: true, command: command) { builder in
                if Self.account(name.utf8.count + 2 + value.count + 2, in: &builder, limit: limit) {
                    builder.headers.append(MilterHeader(name: name, value: value))
                }
            }
            return reply(unless: .noHeaderReply)

        case .endOfHeaders:
            try advance(to: .endOfHeaders, repeatable: false, command: command) { _ in }
            return reply(unless: .noEndOfHeadersReply)

        case .body(let chunk):
            let answer = reply(unless: .noBodyReply)
            let limit = configuration.maximumMessageSize
            let (pending, body) = try advance(to: .body, repeatable: true, command: command) { builder in
                (try Self.appendBody(chunk, to: &builder, limit: limit), builder.body)
            }
            if let pending { return .spool(body, pending, then: answer) }
            return answer

        case .endOfMessage(let chunk):
            guard case .inMessage(_, var message) = state else { throw unexpected(command) }
            state = .failed  // while `message` is changed here, so its arrays are not copied
            let limit = configuration.maximumMessageSize
            let pending = try chunk.flatMap { try Self.appendBody($0, to: &message, limit: limit) }
            state = .scanning(message.body)
            let scan = MilterSessionAction.scan(
                CollectedMessage(
                    connection: connection,
                    sender: message.sender,
                    recipients: message.recipients,
                    queueID: macros.value(of: "i").map { String(decoding: $0, as: UTF8.self) },
                    macros: macros.flattened,
                    headers: message.headers,
                    headerValuesKeepLeadingSpace: negotiatedProtocolOptions.contains(.headerLeadingSpace),
                    body: message.body,
                    bodySize: message.bodySize,
                    totalSize: message.totalSize,
                    isOversize: message.isOversize
                )
            )
            return pending.map { .spool(message.body, $0, then: scan) } ?? scan

        case .unknown:
            switch state {
            case .awaitingConnect, .connected, .messageDone: break
            case .inMessage(let phase, _) where phase <= .data: break
            default: throw unexpected(command)
            }
            return reply(unless: .noUnknownReply)

        case .macro, .abort, .quit, .quitNewConnection:
            throw unexpected(command)  // unreachable: handled before the scan check
        }
    }

    private mutating func negotiate(
        version: UInt32,
        offeredActions: MilterActions,
        offeredOptions: MilterProtocolOptions
    ) throws -> MilterReply {
        // libmilter speaks nothing below version 2.
        guard version >= 2 else { throw MilterProtocolError.unsupportedVersion(version) }
        let agreedVersion = min(version, configuration.maximumVersion)
        var actions = configuration.actions.intersection(offeredActions)
        var lists: [MilterMacroList] = []
        if !configuration.macroLists.isEmpty, offeredActions.contains(.setSymbolList) {
            actions.insert(.setSymbolList)
            lists = configuration.macroLists
        }
        let options = configuration.protocolOptions.intersection(offeredOptions)
        negotiatedVersion = agreedVersion
        negotiatedActions = actions
        negotiatedProtocolOptions = options
        state = .awaitingConnect
        return .optionNegotiation(version: agreedVersion, actions: actions, protocolOptions: options, macroLists: lists)
    }

    /// Moves forward inside a message (steps may be skipped but never repeated, unless
    /// `repeatable`, or taken backwards) and lets `change` update the message's data.
    private mutating func advance<Result>(
        to phase: MessagePhase, repeatable: Bool, command: MilterCommand, _ change: (inout MessageBuilder) throws -> Result
    ) throws -> Result {
        guard case .inMessage(let current, var builder) = state, current < phase || (repeatable && current == phase) else {
            throw unexpected(command)
        }
        // Out of the enum while it changes, so the builder's arrays are not copied on write.
        state = .failed
        let result = try change(&builder)
        state = .inMessage(phase, builder)
        return result
    }

    private func reply(unless noReply: MilterProtocolOptions) -> MilterSessionAction {
        negotiatedProtocolOptions.contains(noReply) ? .none : .reply([.continue])
    }

    private func unexpected(_ command: MilterCommand) -> MilterProtocolError {
        .unexpectedCommand(command: command.name, state: state.name)
    }

    /// Counts `size` bytes against the maximum message size; false once it is exceeded.
    private static func account(_ size: Int, in builder: inout MessageBuilder, limit: Int) -> Bool {
        builder.totalSize += size
        if builder.totalSize > limit {
            builder.isOversize = true
        }
        return !builder.isOversize
    }

    /// Accounts for a body chunk and stores what fits: in memory at once; what must go to the spool
    /// file is returned instead, for the handler to write off the cooperative pool.
    private static func appendBody(_ chunk: ByteBuffer, to builder: inout MessageBuilder, limit: Int) throws -> ByteBuffer? {
        let stored = builder.totalSize
        builder.bodySize += chunk.readableBytes
        var kept: ByteBuffer?
        if account(chunk.readableBytes, in: &builder, limit: limit) {
            kept = chunk
        } else {
            // Keep what still fits so the stored part is an exact prefix of the body.
            let room = max(0, limit - stored)
            if room > 0 { kept = chunk.getSlice(at: chunk.readerIndex, length: min(room, chunk.readableBytes)) }
        }
        guard let kept, kept.readableBytes > 0 else { return nil }
        if builder.body.needsFile(forAppending: kept.readableBytes) { return kept }
        try builder.body.append(kept)
        return nil
    }

    private mutating func abortMessage() -> MilterSessionAction {
        switch state {
        case .inMessage, .messageDone:
            self.releaseMessage()
            macros.forget(from: .mail)
            state = .connected
            return .none
        case .scanning:
            self.releaseMessage()
            macros.forget(from: .mail)
            state = .connected
            return .cancelScan
        default:
            // libmilter ignores ABORT outside a transaction.
            return .none
        }
    }

    /// Discards the message's body (memory, spool file), if the state holds one.
    private func releaseMessage() {
        switch state {
        case .inMessage(_, let builder): builder.body.discard()
        case .scanning(let body): body.discard()
        default: break
        }
    }
}
