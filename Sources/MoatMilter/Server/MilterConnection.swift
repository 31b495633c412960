import Logging
import MoatCore
import MoatMessage
import Foundation
import NIOCore

/// One MTA connection's settings and the work it hands off its event loop: the scan at end of
/// message (with PROGRESS while engines work) and the removal notice. The protocol itself runs in
/// `MilterSessionHandler`.
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

    /// Scans a collected message (with PROGRESS every interval) and decides the milter response.
    /// `send` writes a progress reply to the MTA.
    func respond(to collected: CollectedMessage, send: @escaping @Sendable (MilterReply) async -> Void) async -> MilterResponse {
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
        let progress = ProgressReplies(send: send, interval: interval)
        DeadlineTimer.shared.schedule(progress, after: interval)
        let outcome = await withTaskCancellationHandler {
            await scan(collected, policy: policy, translator: translator, logger: messageLogger)
        } onCancel: {
            progress.stop()
        }
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
    func notifySender(_ notice: RemovalNotice, scanID: String) {
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
