import Crypto
import Foundation
import Logging
import Metrics
import MoatCore
import MoatStore

/// Outbound messages in the MTA's hold queue for their send-hold delay: recorded in the store
/// before the MTA is answered, released in due order when the delay ends, deleted when recalled.
/// A restart of `moatd` loses nothing: the message waits in the MTA's queue, its record in the
/// store, and the first pass after start releases whatever fell due meanwhile.
public actor SendHoldQueue {
    public enum RecallError: Error, CustomStringConvertible, Equatable {
        case notFound
        case forbidden
        case notHeld(HeldMessage.State)
        case busy
        case deleteFailed(String)

        public var description: String {
            switch self {
            case .notFound: "no held message with this id"
            case .forbidden: "the recall token does not match"
            case .notHeld(let state): "the message is no longer held (\(state.rawValue))"
            case .busy: "the message is being released right now"
            case .deleteFailed(let why): "the MTA did not delete the message: \(why)"
            }
        }
    }

    let settings: SendHoldSettings
    let store: any ScanStore
    let logger: Logger
    let clock: @Sendable () -> Date
    /// Ids with a command running (a release or a recall), so the two never race.
    private var busy: Set<String> = []
    /// Failed releases wait before the next attempt (doubling, at most five minutes).
    private var retryAfter: [String: Date] = [:]

    public init(settings: SendHoldSettings, store: any ScanStore, logger: Logger, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.settings = settings
        self.store = store
        self.logger = logger
        self.clock = clock
    }

    /// Records a held message and returns it with its recall token (shown once, to the sender),
    /// or nil when it cannot be recorded (the message is then delivered at once, not held with
    /// nobody to release it).
    public func hold(id: String, queueID: String, sender: String, recipients: [String], subject: String, reason: String,
                     delaySeconds: Double) async -> (message: HeldMessage, token: String)? {
        let now = clock()
        let token = Self.newToken()
        let message = HeldMessage(id: id, queueID: queueID, sender: sender, recipients: recipients, subject: subject, reason: reason,
                                  heldAt: now, releaseAt: now.addingTimeInterval(delaySeconds), tokenHash: Self.hash(token))
        do {
            try await store.saveHeldMessage(message)
        } catch {
            logger.error("cannot record a send-hold; delivering without it", metadata: ["moat.id": "\(id)", "error.message": "\(error)"])
            return nil
        }
        Counter(label: "moat_outbound_held_total").increment()
        return (message, token)
    }

    /// Recalls a held message: deleted from the MTA's hold queue, never delivered. `token` is the
    /// sender's; nil when an operator (already authorised) recalls it.
    public func recall(id: String, token: String?, actor: String) async throws -> HeldMessage {
        guard var message = try await store.heldMessage(id: id) else { throw RecallError.notFound }
        if let token {
            guard Self.constantTimeEqual(Self.hash(token), message.tokenHash) else { throw RecallError.forbidden }
        }
        guard message.state == .held else { throw RecallError.notHeld(message.state) }
        guard busy.insert(id).inserted else { throw RecallError.busy }
        defer { busy.remove(id) }
        do {
            try await run(settings.deleteCommand, queueID: message.queueID)
        } catch {
            logger.error("recall failed: the delete command failed", metadata: ["moat.id": "\(id)", "error.message": "\(error)"])
            throw RecallError.deleteFailed("\(error)")
        }
        message.state = .recalled
        message.stateAt = clock()
        message.stateBy = actor
        try await store.saveHeldMessage(message)
        retryAfter[id] = nil
        Counter(label: "moat_outbound_recalled_total").increment()
        logger.info("held message recalled", metadata: ["moat.id": "\(id)", "milter.queue_id": "\(message.queueID)", "admin.actor": "\(actor)"])
        return message
    }

    /// Held messages in due order (`state` nil: every state).
    public func list(state: HeldMessage.State?, limit: Int) async throws -> [HeldMessage] {
        try await store.heldMessages(state: state, dueBy: nil, limit: limit)
    }

    /// One pass: releases every held message that is due, in due order; returns how many.
    @discardableResult
    public func releaseDue() async -> Int {
        let now = clock()
        let due: [HeldMessage]
        do {
            due = try await store.heldMessages(state: .held, dueBy: now, limit: 1000)
        } catch {
            logger.error("cannot read held messages", metadata: ["error.message": "\(error)"])
            return 0
        }
        var released = 0
        for var message in due where !busy.contains(message.id) {
            if let after = retryAfter[message.id], after > now { continue }
            busy.insert(message.id)
            defer { busy.remove(message.id) }
            do {
                try await run(settings.releaseCommand, queueID: message.queueID)
                if !settings.flushCommand.isEmpty {
                    do {
                        try await run(settings.flushCommand, queueID: message.queueID)
                    } catch {
                        logger.warning("released, but the flush command failed: the MTA delivers it at its next queue run",
                                       metadata: ["moat.id": "\(message.id)", "error.message": "\(error)"])
                    }
                }
                message.state = .released
                message.stateAt = clock()
                message.stateBy = "moatd"
                retryAfter[message.id] = nil
                released += 1
                Counter(label: "moat_outbound_released_total").increment()
                logger.info("held message released", metadata: ["moat.id": "\(message.id)", "milter.queue_id": "\(message.queueID)"])
            } catch {
                message.attempts += 1
                message.lastError = String("\(error)".prefix(500))
                retryAfter[message.id] = now.addingTimeInterval(min(300, pow(2, Double(min(message.attempts, 9)))))
                logger.error("releasing a held message failed; will retry", metadata: [
                    "moat.id": "\(message.id)", "milter.queue_id": "\(message.queueID)", "outbound.attempts": "\(message.attempts)", "error.message": "\(error)",
                ])
            }
            do {
                try await store.saveHeldMessage(message)
            } catch {
                logger.error("cannot record a held message's release", metadata: ["moat.id": "\(message.id)", "error.message": "\(error)"])
            }
        }
        return released
    }

    /// Releases due messages every `check_interval_seconds` until cancelled.
    public func run() async {
        while !Task.isCancelled {
            await releaseDue()
            try? await Task.sleep(for: .milliseconds(Int(settings.checkIntervalSeconds * 1000)))
        }
    }

    /// Tells the sender the message is held and how to recall it, on a thread of its own (the
    /// command may be slow); failures are logged.
    nonisolated func notify(_ message: HeldMessage, token: String) {
        guard !settings.noticeCommand.isEmpty, NoticeText.isPlainAddress(message.sender) else { return }
        let url = settings.recallURL.replacingOccurrences(of: "{id}", with: message.id)
        let release = ISO8601DateFormatter().string(from: message.releaseAt)
        let text = """
            From: \(settings.noticeFrom)\r
            To: <\(message.sender)>\r
            Subject: Held until \(release): \(NoticeText.clean(message.subject))\r
            Auto-Submitted: auto-generated\r
            MIME-Version: 1.0\r
            Content-Type: text/plain; charset=utf-8\r
            \r
            Your message "\(NoticeText.clean(message.subject))" to \(message.recipients.map(NoticeText.clean).joined(separator: ", "))\r
            is held until \(release): \(NoticeText.clean(message.reason)).\r
            \r
            To recall it before then (it will not be delivered), post the token to the recall address:\r
            \r
              curl -X POST -d '{"token":"\(token)"}' \(url)\r
            \r
            Reference: \(message.id)\r
            Recall-Token: \(token)\r

            """
        let command = ExternalCommand(settings.noticeCommand)
        let timeout = Duration.milliseconds(Int(settings.commandTimeoutSeconds * 1000))
        let logger = self.logger
        Thread.detachNewThread {
            do {
                try command.run(extra: [message.sender], input: text, timeout: timeout)
                logger.info("send-hold notice sent", metadata: ["moat.id": "\(message.id)", "notice.to": "\(message.sender)"])
            } catch {
                logger.error("send-hold notice failed", metadata: ["moat.id": "\(message.id)", "error.message": "\(error)"])
            }
        }
    }

    /// Runs a release or delete command on a thread of its own (never the cooperative pool).
    private func run(_ arguments: [String], queueID: String) async throws {
        let command = ExternalCommand(arguments)
        let timeout = Duration.milliseconds(Int(settings.commandTimeoutSeconds * 1000))
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            Thread.detachNewThread {
                do {
                    try command.run(substitutions: ["queue_id": queueID], timeout: timeout)
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// 128 random bits, hex.
    static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<2).map { _ in String(generator.next() as UInt64, radix: 16).leftPadded(to: 16) }.joined()
    }

    static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String($0, radix: 16).leftPadded(to: 2) }.joined()
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for (p, q) in zip(x, y) { difference |= p ^ q }
        return difference == 0
    }
}

extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
