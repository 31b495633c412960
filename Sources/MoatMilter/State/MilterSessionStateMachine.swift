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

    private enum State {
        case awaitingNegotiation
        case awaitingConnect
        case connected
        case inMessage(MessagePhase)
        case scanning
        case messageDone
        case closed
        case failed

        var name: String {
            switch self {
            case .awaitingNegotiation: "awaiting OPTNEG"
            case .awaitingConnect: "awaiting CONNECT"
            case .connected: "connected"
            case .inMessage(let phase): "in message (\(phase))"
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
    private var message: MessageBuilder?

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
        return Self.replies(
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
            message = MessageBuilder(
                sender: MilterEnvelopeAddress(arguments: arguments),
                body: BodySpool(
                    memoryThreshold: configuration.bodyMemoryThreshold,
                    directory: configuration.spoolDirectory
                )
            )
            state = .inMessage(.mail)
            return reply(unless: .noMailReply)

        case .recipient(let arguments):
            try advance(to: .recipient, repeatable: true, command: command)
            macros.forget(after: .recipient)
            if let recipient = MilterEnvelopeAddress(arguments: arguments) {
                message!.recipients.append(recipient)
            }
            return reply(unless: .noRecipientReply)

        case .data:
            try advance(to: .data, repeatable: false, command: command)
            macros.forget(after: .data)
            return reply(unless: .noDataReply)

        case .header(let name, let value):
            try advance(to: .headers, repeatable: true, command: command)
            let size = name.utf8.count + 2 + value.count + 2
            if self.account(size) {
                message!.headers.append(MilterHeader(name: name, value: value))
            }
            return reply(unless: .noHeaderReply)

        case .endOfHeaders:
            try advance(to: .endOfHeaders, repeatable: false, command: command)
            return reply(unless: .noEndOfHeadersReply)

        case .body(let chunk):
            try advance(to: .body, repeatable: true, command: command)
            let answer = reply(unless: .noBodyReply)
            if let pending = try self.appendBody(chunk) { return .spool(message!.body, pending, then: answer) }
            return answer

        case .endOfMessage(let chunk):
            guard case .inMessage = state, self.message != nil else { throw unexpected(command) }
            let pending = try chunk.flatMap { try self.appendBody($0) }
            let message = self.message!
            state = .scanning
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
            case .inMessage(let phase) where phase <= .data: break
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

    /// Moves forward inside a message; steps may be skipped but never repeated (unless
    /// `repeatable`) or taken backwards.
    private mutating func advance(to phase: MessagePhase, repeatable: Bool, command: MilterCommand) throws {
        guard case .inMessage(let current) = state, self.message != nil,
            current < phase || (repeatable && current == phase)
        else {
            throw unexpected(command)
        }
        state = .inMessage(phase)
    }

    private func reply(unless noReply: MilterProtocolOptions) -> MilterSessionAction {
        negotiatedProtocolOptions.contains(noReply) ? .none : .reply([.continue])
    }

    private func unexpected(_ command: MilterCommand) -> MilterProtocolError {
        .unexpectedCommand(command: command.name, state: state.name)
    }

    /// Counts `size` bytes against the maximum message size; false once it is exceeded.
    private mutating func account(_ size: Int) -> Bool {
        message!.totalSize += size
        if message!.totalSize > configuration.maximumMessageSize {
            message!.isOversize = true
        }
        return !message!.isOversize
    }

    /// Accounts for a body chunk and stores what fits: in memory at once; what must go to the spool
    /// file is returned instead, for the handler to write off the cooperative pool.
    private mutating func appendBody(_ chunk: ByteBuffer) throws -> ByteBuffer? {
        let stored = message!.totalSize
        message!.bodySize += chunk.readableBytes
        var kept: ByteBuffer?
        if self.account(chunk.readableBytes) {
            kept = chunk
        } else {
            // Keep what still fits so the stored part is an exact prefix of the body.
            let room = max(0, configuration.maximumMessageSize - stored)
            if room > 0 { kept = chunk.getSlice(at: chunk.readerIndex, length: min(room, chunk.readableBytes)) }
        }
        guard let kept, kept.readableBytes > 0 else { return nil }
        if message!.body.needsFile(forAppending: kept.readableBytes) { return kept }
        try message!.body.append(kept)
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

    private mutating func releaseMessage() {
        message?.body.discard()
        message = nil
    }

    // MARK: - End-of-message replies

    static func replies(for response: MilterResponse, actions: MilterActions, leadingSpace: Bool) -> [MilterReply] {
        if !response.recipientsToDelete.isEmpty, !actions.contains(.deleteRecipient) {
            return replies(for: MilterResponse(disposition: response.dispositionWithoutRecipientDeletion), actions: actions, leadingSpace: leadingSpace)
        }
        var replies: [MilterReply] = []
        for recipient in response.recipientsToDelete where !recipient.isEmpty && !recipient.utf8.contains(0) {
            replies.append(.deleteRecipient(recipient))
        }
        if actions.contains(.changeHeaders) {
            for change in response.headersToChange {
                let name = sanitizedHeaderName(change.name)
                guard !name.isEmpty else { continue }
                let value = change.value.isEmpty ? "" : foldedHeaderValue(change.value, leadingSpace: leadingSpace)
                replies.append(.changeHeader(index: change.index, name: name, value: value))
            }
        }
        if actions.contains(.addHeaders) {
            for addition in response.headersToAdd {
                let name = sanitizedHeaderName(addition.name)
                guard !name.isEmpty else { continue }
                replies.append(
                    .addHeader(name: name, value: foldedHeaderValue(addition.value, leadingSpace: leadingSpace))
                )
            }
        }
        if actions.contains(.changeBody), let body = response.replacementBody {
            replies.append(contentsOf: MilterReply.replaceBodyPackets(ByteBuffer(bytes: body)))
        }
        if actions.contains(.quarantine), let reason = response.quarantineReason {
            let text = String(decoding: reason.utf8.filter { $0 != 0 && $0 != 13 && $0 != 10 }, as: UTF8.self)
            replies.append(.quarantine(reason: text.isEmpty ? "quarantined" : text))
        }
        switch response.disposition {
        case .accept:
            replies.append(.accept)
        case .continue:
            replies.append(.continue)
        case .discard:
            replies.append(.discard)
        case .reject(let code):
            replies.append(replyCode(code, class: UInt8(ascii: "5")).map(MilterReply.replyCode) ?? .reject)
        case .tempfail(let code):
            replies.append(replyCode(code, class: UInt8(ascii: "4")).map(MilterReply.replyCode) ?? .tempfail)
        }
        return replies
    }

    /// A REPLYCODE text if `text` starts with a 3-digit code of the right class, with `%`
    /// doubled (Sendmail formats it like printf; Postfix undoes it); nil to fall back to the
    /// plain REJECT/TEMPFAIL rather than send a reply the MTA would refuse.
    private static func replyCode(_ text: String?, class first: UInt8) -> String? {
        guard let text else { return nil }
        let bytes = Array(text.utf8).filter { $0 != 0 }
        guard bytes.count >= 3, bytes[0] == first,
            bytes[1] >= UInt8(ascii: "0"), bytes[1] <= UInt8(ascii: "9"),
            bytes[2] >= UInt8(ascii: "0"), bytes[2] <= UInt8(ascii: "9"),
            bytes.count == 3 || bytes[3] == UInt8(ascii: " ") || bytes[3] == UInt8(ascii: "-")
        else {
            return nil
        }
        var escaped: [UInt8] = []
        escaped.reserveCapacity(bytes.count)
        for byte in bytes {
            escaped.append(byte)
            if byte == UInt8(ascii: "%") { escaped.append(byte) }
        }
        return String(decoding: escaped, as: UTF8.self)
    }

    private static func sanitizedHeaderName(_ name: String) -> String {
        String(decoding: name.utf8.filter { $0 > 32 && $0 < 127 && $0 != UInt8(ascii: ":") }, as: UTF8.self)
    }

    /// Shapes a header value for ADD/CHG: line breaks become LF followed by a tab (a CRLF
    /// would corrupt the MTA's queue file), NULs and trailing breaks are dropped, and with
    /// `SMFIP_HDR_LEADSPC` a leading space is added since the MTA then adds none.
    static func foldedHeaderValue(_ value: String, leadingSpace: Bool) -> String {
        let input = Array(value.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(input.count + 8)
        var index = 0
        while index < input.count {
            let byte = input[index]
            index += 1
            switch byte {
            case 0:
                continue
            case 13, 10:
                if byte == 13, index < input.count, input[index] == 10 { index += 1 }
                // Drop breaks at the end, and collapse blank lines (a fold must carry text).
                let rest = input[index...].drop { $0 == 13 || $0 == 10 }
                index = rest.startIndex
                guard !rest.isEmpty, !output.isEmpty else { continue }
                output.append(10)
                if rest.first != UInt8(ascii: " "), rest.first != UInt8(ascii: "\t") {
                    output.append(UInt8(ascii: "\t"))
                }
            default:
                output.append(byte)
            }
        }
        if leadingSpace, let first = output.first, first != UInt8(ascii: " "), first != UInt8(ascii: "\t") {
            output.insert(UInt8(ascii: " "), at: 0)
        }
        return String(decoding: output, as: UTF8.self)
    }
}
