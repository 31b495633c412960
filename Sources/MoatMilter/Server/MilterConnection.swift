import Logging
import MoatCore
import MoatMessage
import Foundation
import NIOCore

/// Serves one MTA connection: feeds commands to the session state machine and runs the scan at
/// end of message, sending PROGRESS while engines work.
struct MilterConnection: Sendable {
    let settings: MilterSettings
    let limits: MessageLimits
    let pipeline: ScanPipeline
    let logger: Logger
    let tracker: ConnectionTracker
    let trackerID: Int
    let budget: ScanBudget

    var sessionConfiguration: MilterSessionConfiguration {
        MilterSessionConfiguration(
            bodyMemoryThreshold: settings.spoolThresholdBytes,
            spoolDirectory: settings.spoolDirectory,
            maximumMessageSize: settings.maxMessageBytes
        )
    }

    /// What the connection's loop reacts to: the MTA's next command, the end of its connection, or
    /// a scan that finished. Commands are read ahead of the scan, so an ABORT or a dropped
    /// connection is seen while engines still run, and cancels them.
    private enum Event: Sendable {
        case command(MilterCommand)
        case closed((any Error)?)
        case scanned(id: Int, collected: CollectedMessage, response: MilterResponse)
    }

    func run(_ connection: NIOAsyncChannel<MilterCommand, MilterReply>) async throws {
        try await connection.executeThenClose { inbound, outbound in
            let (events, sink) = AsyncStream<Event>.makeStream()
            let reader = Task {
                do {
                    for try await command in inbound { sink.yield(.command(command)) }
                    sink.yield(.closed(nil))
                } catch {
                    sink.yield(.closed(error))
                }
            }
            var machine = MilterSessionStateMachine(configuration: sessionConfiguration)
            var scanning: (id: Int, task: Task<Void, Never>)?
            var scans = 0
            defer {
                reader.cancel()
                scanning?.task.cancel()
                sink.finish()
            }
            for await event in events {
                switch event {
                case .closed(let error):
                    if let running = scanning {
                        running.task.cancel()
                        logger.notice("the MTA closed the connection during a scan; scan cancelled")
                        await running.task.value
                        scanning = nil
                    }
                    if let error { throw error }
                    return
                case .scanned(let id, let collected, let response):
                    // A scan cancelled by an ABORT may still report; the MTA no longer waits for it.
                    guard scanning?.id == id else { continue }
                    scanning = nil
                    let replies = machine.scanFinished(response)
                    try await outbound.write(contentsOf: replies)
                    if let notice = response.removalNotice, replies.contains(where: { if case .deleteRecipient = $0 { true } else { false } }) {
                        notifySender(notice, scanID: collected.queueID ?? "-")
                    }
                    if tracker.setBusy(trackerID, false) { return }
                case .command(let command):
                    if case .mail = command { tracker.setBusy(trackerID, true) }
                    var action: MilterSessionAction
                    do {
                        action = try machine.receive(command)
                    } catch {
                        logger.warning("milter protocol error, closing connection", metadata: ["error.message": "\(error)"])
                        return
                    }
                    if case .spool(let spool, let bytes, let then) = action {
                        // File I/O on the blocking pool, never on the cooperative pool.
                        do {
                            try await pipeline.blocking.run { try spool.append(bytes) }
                        } catch {
                            logger.error("cannot spool the message body, closing connection", metadata: ["error.message": "\(error)"])
                            return
                        }
                        action = then
                    }
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
                        try await outbound.write(contentsOf: replies)
                    case .scan(let collected):
                        scans += 1
                        let id = scans
                        scanning = (id, Task {
                            let response = await respond(to: collected, outbound: outbound)
                            sink.yield(.scanned(id: id, collected: collected, response: response))
                        })
                    case .close:
                        return
                    case .spool:
                        logger.error("milter session asked to spool twice for one command, closing connection")
                        return
                    }
                    switch command {
                    case .abort, .quitNewConnection:
                        if tracker.setBusy(trackerID, false) { return }
                    case .endOfMessage where scanning == nil:
                        // Answered without a scan; a scan's answer clears the flag when it is sent.
                        if tracker.setBusy(trackerID, false) { return }
                    default:
                        break
                    }
                }
            }
        }
    }

    /// Scans a collected message (with PROGRESS every interval) and decides the milter response.
    private func respond(to collected: CollectedMessage, outbound: NIOAsyncChannelOutboundWriter<MilterReply>) async -> MilterResponse {
        let policy = pipeline.registry.snapshot.policy
        let translator = MilterDecisionTranslator(headerPrefix: policy.headerPrefix)
        var messageLogger = logger
        if let queueID = collected.queueID { messageLogger[metadataKey: "milter.queue_id"] = "\(queueID)" }

        if collected.isOversize {
            messageLogger.notice("message over max_message_bytes", metadata: [
                "message.size": "\(collected.totalSize)", "milter.limit": "\(settings.maxMessageBytes)",
                "decision.action": "\(settings.oversizeAction.rawValue)",
            ])
            let reply = settings.oversizeAction == .reject ? "552 5.3.4 Message too big for content scanning"
                : settings.oversizeAction == .tempfail ? policy.tempfailReply : nil
            return MilterResponse(disposition: MilterDecisionTranslator.disposition(settings.oversizeAction, reply: reply))
        }

        let interval = Duration.milliseconds(max(100, settings.progressIntervalMilliseconds))
        let clock = ContinuousClock()
        let start = clock.now
        let progress = ProgressReplies(outbound: outbound, interval: interval)
        DeadlineTimer.shared.schedule(progress, after: interval)
        let outcome = await scan(collected, policy: policy, translator: translator, logger: messageLogger)
        await progress.finish()
        let decision = outcome.decision
        let elapsed = clock.now - start
        if Task.isCancelled {
            messageLogger.info("scan cancelled before its decision", metadata: [
                "scan.elapsed_ms": "\(elapsed.wholeMilliseconds)",
            ])
            return outcome.response
        }
        messageLogger.info("decision", metadata: [
            "moat.id": "\(decision.scanID)",
            "decision.action": "\(decision.action.rawValue)",
            "decision.score": "\(decision.score)",
            "decision.category": "\(decision.category?.rawValue ?? "-")",
            "decision.engines": "\(decision.verdicts.map { "\($0.engine)=\($0.label)" }.joined(separator: ","))",
            "message.size": "\(collected.totalSize)",
            "tenant.id": "\(decision.tenant ?? (decision.tenants.isEmpty ? "-" : "several"))",
            "scan.elapsed_ms": "\(elapsed.wholeMilliseconds)",
        ])
        if decision.tenants.count > 1 {
            for outcome in decision.tenants {
                messageLogger.info("tenant decision", metadata: [
                    "moat.id": "\(decision.scanID)", "tenant.id": "\(outcome.tenant ?? "-")", "decision.action": "\(outcome.action.rawValue)",
                    "decision.score": "\(outcome.score)", "decision.category": "\(outcome.category?.rawValue ?? "-")",
                    "decision.recipients": "\(outcome.recipients.joined(separator: ","))",
                ])
            }
            if !decision.removedRecipients.isEmpty {
                messageLogger.notice("recipients removed: their tenant refused the message", metadata: [
                    "moat.id": "\(decision.scanID)", "decision.recipients": "\(decision.removedRecipients.joined(separator: ","))",
                    "decision.removal_reply": "\(decision.removalReply ?? "-")",
                ])
            }
        }
        var response = outcome.response
        if settings.removalNoticeCommand != nil {
            response.removalNotice = RemovalNotice(decision: decision, sender: collected.sender?.mailbox, headers: collected.headers,
                                                   from: settings.removalNoticeFrom)
        }
        return response
    }

    /// Sends the removal notice on a thread of its own (it may wait on the mail system for up to its
    /// timeout, which must not hold a scan thread), after the MTA has its answer; a failure is logged.
    private func notifySender(_ notice: RemovalNotice, scanID: String) {
        guard let command = settings.removalNoticeCommand else { return }
        let logger = self.logger
        Thread.detachNewThread {
            do {
                try notice.send(with: command)
                logger.info("removal notice sent", metadata: ["milter.queue_id": "\(scanID)", "notice.to": "\(notice.to)"])
            } catch {
                logger.error("removal notice failed", metadata: ["milter.queue_id": "\(scanID)", "error.message": "\(error)"])
            }
        }
    }

    /// Reserves memory budget, assembles and parses the message, scans it and translates the decision;
    /// the message bytes live only inside this call, so the budget covers them.
    private func scan(
        _ collected: CollectedMessage, policy: Policy, translator: MilterDecisionTranslator, logger: Logger
    ) async -> (decision: Decision, response: MilterResponse) {
        let granted = await budget.reserve(3 * collected.totalSize)
        let body: [UInt8]
        do {
            // A spooled body is read back from its file: on the blocking pool. One in memory is
            // copied where the scan runs (a hop to the pool and back costs two thread wake-ups).
            if collected.body.filePath == nil {
                body = try collected.bodyBytes()
            } else {
                body = try await pipeline.blocking.run { try collected.bodyBytes() }
            }
        } catch {
            await budget.release(granted)
            logger.error("cannot read spooled body", metadata: ["error.message": "\(error)"])
            return failed(policy: policy, translator: translator, collected: collected, reason: "spool read failed")
        }
        let assembled = MilterMessageAssembler.raw(
            headers: collected.headers, keepsLeadingSpace: collected.headerValuesKeepLeadingSpace, body: body
        )
        let message = Message(parsing: assembled.bytes, limits: limits)
        let decision = await pipeline.scan(ScanInput(message: message, envelope: MilterMessageAssembler.envelope(collected)))
        let response = translator.response(
            for: decision, message: message, bodyOffset: assembled.bodyOffset, incomingHeaders: collected.headers,
            recipients: collected.recipients
        )
        await budget.release(granted)
        return (decision, response)
    }

    private func failed(
        policy: Policy, translator: MilterDecisionTranslator, collected: CollectedMessage, reason: String
    ) -> (decision: Decision, response: MilterResponse) {
        let decision = Aggregator(policy: policy).failed(scanID: ScanInput.makeID(), reason: reason)
        return (decision, translator.response(for: decision, message: nil, bodyOffset: 0, incomingHeaders: collected.headers))
    }
}
