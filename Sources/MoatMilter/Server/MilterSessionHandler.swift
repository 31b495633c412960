import Logging
import MoatCore
import NIOCore
import Synchronization

/// Runs one MTA connection's milter protocol on its event loop: each command goes through the
/// session state machine and its replies are written where the command was decoded.
///
/// A message's commands (MAIL, RCPT, every header, body chunks) are many small frames; taking
/// each across to a task (two asynchronous sequences and a thread wake-up per command) was a
/// third of the daemon's front-end CPU. Only two things leave the loop: a body chunk that goes to
/// the spool file (blocking I/O, on the blocking pool; later commands wait their turn) and the
/// scan at end of message, which runs as a task and comes back here with its response. Commands
/// are read while a scan runs, so an ABORT or a closed connection cancels it at once.
final class MilterSessionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = MilterCommand
    typealias OutboundOut = MilterReply

    /// What the server waits for after the connection closed: a scan still running then.
    final class Handle: Sendable {
        private let task = Mutex<Task<Void, Never>?>(nil)

        func running(_ scan: Task<Void, Never>) { task.withLock { $0 = scan } }

        /// Returns once the connection's last scan (cancelled when the connection closed) has ended.
        func waitForScan() async {
            let scan = task.withLock { $0 }
            await scan?.value
        }
    }

    let handle = Handle()
    private let connection: MilterConnection
    private var machine: MilterSessionStateMachine
    private var context: ChannelHandlerContext?
    private var scanning: (id: Int, task: Task<Void, Never>)?
    private var scans = 0
    /// A body chunk is being written to the spool: commands wait here until it is done.
    private var spooling = false
    private var waiting = CircularBuffer<MilterCommand>()
    private var closing = false

    init(connection: MilterConnection) {
        self.connection = connection
        self.machine = MilterSessionStateMachine(configuration: connection.sessionConfiguration)
    }

    private var logger: Logger { connection.logger }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let command = unwrapInboundIn(data)
        if spooling || !waiting.isEmpty {
            waiting.append(command)
            return
        }
        process(command)
    }

    func channelInactive(context: ChannelHandlerContext) {
        closing = true
        waiting.removeAll()
        if let running = scanning {
            running.task.cancel()
            logger.notice("the MTA closed the connection during a scan; scan cancelled")
            scanning = nil
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.notice("milter connection closed on error", metadata: ["error.message": "\(error)"])
        close()
    }

    private func process(_ command: MilterCommand) {
        guard !closing else { return }
        if case .mail = command { connection.tracker.setBusy(connection.trackerID, true) }
        let action: MilterSessionAction
        do {
            action = try machine.receive(command)
        } catch {
            logger.warning("milter protocol error, closing connection", metadata: ["error.message": "\(error)"])
            close()
            return
        }
        if case .spool(let spool, let bytes, let then) = action {
            // File I/O on the blocking pool, never on the event loop; later commands wait for it.
            guard let context else { return }
            spooling = true
            // No new reads until the chunk is written (the reads of the current wake-up still
            // arrive and queue): the rest waits in the socket.
            try? context.channel.syncOptions?.setOption(.autoRead, value: false)
            let loop = NIOLoopBound(self, eventLoop: context.eventLoop)
            let blocking = connection.pipeline.blocking
            Task {
                do {
                    try await blocking.run { try spool.append(bytes) }
                    loop.eventLoop.execute { loop.value.spooled(then, after: command) }
                } catch {
                    loop.eventLoop.execute { loop.value.spoolFailed(error) }
                }
            }
            return
        }
        perform(action, after: command)
    }

    private func spooled(_ action: MilterSessionAction, after command: MilterCommand) {
        spooling = false
        // The connection may have closed while the chunk was written: start nothing for it.
        guard !closing else { return }
        try? context?.channel.syncOptions?.setOption(.autoRead, value: true)
        perform(action, after: command)
        while !spooling, !closing, let next = waiting.popFirst() {
            process(next)
        }
    }

    private func spoolFailed(_ error: any Error) {
        spooling = false
        logger.error("cannot spool the message body, closing connection", metadata: ["error.message": "\(error)"])
        close()
    }

    private func perform(_ action: MilterSessionAction, after command: MilterCommand) {
        switch action {
        case .none:
            break
        case .cancelScan:
            if let running = scanning {
                running.task.cancel()
                scanning = nil
                logger.notice("the MTA aborted the message during its scan; scan cancelled")
            }
        case .reply(let replies):
            write(replies)
        case .scan(let collected):
            startScan(collected)
        case .close:
            close()
            return
        case .spool:
            logger.error("milter session asked to spool twice for one command, closing connection")
            close()
            return
        }
        switch command {
        case .abort, .quitNewConnection:
            if connection.tracker.setBusy(connection.trackerID, false) { close() }
        case .endOfMessage where scanning == nil:
            // Answered without a scan; a scan's answer clears the flag when it is sent.
            if connection.tracker.setBusy(connection.trackerID, false) { close() }
        default:
            break
        }
    }

    private func startScan(_ collected: CollectedMessage) {
        guard let context, !closing else { return }
        scans += 1
        let id = scans
        let loop = NIOLoopBound(self, eventLoop: context.eventLoop)
        let connection = self.connection
        let task = Task {
            let response = await connection.respond(to: collected) { reply in
                // Written on the loop, and only while this scan is still the one the MTA waits for.
                try? await loop.eventLoop.flatSubmit { () -> EventLoopFuture<Void> in
                    let handler = loop.value
                    guard handler.scanning?.id == id, !handler.closing, let context = handler.context else {
                        return loop.eventLoop.makeSucceededVoidFuture()
                    }
                    return context.writeAndFlush(handler.wrapOutboundOut(reply))
                }.get()
            }
            loop.eventLoop.execute { loop.value.scanned(id: id, collected: collected, response: response) }
        }
        scanning = (id, task)
        handle.running(task)
    }

    private func scanned(id: Int, collected: CollectedMessage, response: MilterResponse) {
        // A scan cancelled by an ABORT may still report; the MTA no longer waits for it.
        guard scanning?.id == id, !closing else { return }
        scanning = nil
        let replies = machine.scanFinished(response)
        write(replies)
        if let notice = response.removalNotice, replies.contains(where: { if case .deleteRecipient = $0 { true } else { false } }) {
            connection.notifySender(notice, scanID: collected.queueID ?? "-")
        }
        if connection.tracker.setBusy(connection.trackerID, false) { close() }
    }

    private func write(_ replies: [MilterReply]) {
        guard let context, !replies.isEmpty else { return }
        for reply in replies { context.write(wrapOutboundOut(reply), promise: nil) }
        context.flush()
    }

    private func close() {
        guard !closing else { return }
        closing = true
        context?.close(promise: nil)
    }
}
