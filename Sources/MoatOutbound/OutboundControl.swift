import Foundation
import Logging
import Metrics
import MoatCore
import MoatStore

/// Outbound protection on the scan path: counts each authenticated sender's mail against its own
/// baseline (and contains an account that departs from it), applies the mis-send guards, and puts
/// mail under send-hold. A `DecisionReviewer`: it sees every decision before the MTA does, and
/// changes only outbound ones.
public actor OutboundControl: DecisionReviewer {
    public let settings: OutboundSettings
    public let holds: SendHoldQueue
    let store: any ScanStore
    let registry: EngineRegistry
    let logger: Logger
    let clock: @Sendable () -> Date
    private var senders: [String: SenderActivity] = [:]
    private var dirty: Set<String> = []
    private var forgotten: [String] = []

    public init(settings: OutboundSettings, store: any ScanStore, registry: EngineRegistry, logger: Logger,
                clock: @escaping @Sendable () -> Date = { Date() }) {
        self.settings = settings
        self.store = store
        self.registry = registry
        self.logger = logger
        self.clock = clock
        holds = SendHoldQueue(settings: settings.hold, store: store, logger: logger, clock: clock)
    }

    /// Reads the senders' counters saved before a restart.
    public func load() async throws {
        senders = try await store.outboundSenders()
    }

    /// Saves the counters that changed since the last save.
    public func save() async {
        guard !dirty.isEmpty || !forgotten.isEmpty else { return }
        let changed = Dictionary(uniqueKeysWithValues: dirty.compactMap { key in senders[key].map { (key, $0) } })
        let gone = forgotten
        dirty = []
        forgotten = []
        do {
            try await store.saveOutboundSenders(changed, forgetting: gone)
            Counter(label: "moat_outbound_sender_rows_saved_total").increment(by: changed.count + gone.count)
        } catch {
            logger.error("cannot save outbound sender counters; will retry", metadata: ["error.message": "\(error)"])
            dirty.formUnion(changed.keys)
            forgotten += gone
        }
    }

    /// Saves every `save_interval_seconds` and releases held mail until cancelled; saves once more
    /// at the end.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.holds.run() }
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(Int(self.settings.saveIntervalSeconds * 1000)))
                    await self.save()
                }
            }
            await group.waitForAll()
        }
        // A task of its own: the last save must not see this one's cancellation.
        await Task { await self.save() }.value
    }

    /// A sender's counters (nil when it sent nothing outbound yet).
    public func activity(of sender: String) -> SenderActivity? {
        senders[sender.lowercased()]
    }

    /// Alerts, newest first.
    public func alerts(sender: String?, limit: Int) async throws -> [OutboundAlert] {
        try await store.outboundAlerts(sender: sender, limit: limit)
    }

    /// Every sender currently paused by a departure.
    public func blockedSenders() -> [(sender: String, activity: SenderActivity)] {
        let now = clock()
        return senders.filter { $0.value.isBlocked(at: now) }.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// Lifts a sender's pause before it ends (an operator checked the account).
    public func unblock(_ sender: String) -> Bool {
        let key = sender.lowercased()
        guard var activity = senders[key], activity.blockedUntil != nil else { return false }
        activity.lift()
        senders[key] = activity
        dirty.insert(key)
        return true
    }

    /// The account the counters belong to: the SASL login, else the envelope sender.
    static func senderKey(_ envelope: Envelope) -> String? {
        if let login = envelope.authenticatedAs, !login.isEmpty { return login.lowercased() }
        if let from = envelope.mailFrom, !from.isEmpty { return from.lowercased() }
        return nil
    }

    /// Inbound mail returns at once, without entering the actor (every message passes here).
    public nonisolated func review(_ input: ScanInput, decision: Decision) async -> Decision {
        guard decision.direction == .outbound else { return decision }
        return await reviewOutbound(input, decision: decision)
    }

    private func reviewOutbound(_ input: ScanInput, decision: Decision) async -> Decision {
        var decision = decision
        let policy = registry.snapshot.policy
        let aggregator = Aggregator(policy: policy)
        let prefix = policy.headerPrefix
        if settings.hijack.enabled, let sender = Self.senderKey(input.envelope) {
            decision = await reviewSender(sender, input: input, decision: decision, aggregator: aggregator)
        }

        var guardHold: [MisSendGuard.Hit] = []
        for hit in MisSendGuard(settings: settings.guards).evaluate(envelope: input.envelope, headers: input.message.headers, verdicts: decision.verdicts) {
            Counter(label: "moat_outbound_guard_total", dimensions: [("guard", hit.guardName), ("action", hit.action.rawValue)]).increment()
            logger.info("mis-send guard", metadata: ["moat.id": "\(decision.scanID)", "outbound.guard": "\(hit.guardName)", "outbound.action": "\(hit.action.rawValue)", "outbound.reason": "\(hit.reason)"])
            decision.headers.append(.init(name: "\(prefix)-Guard", value: "\(hit.guardName); \(hit.action.rawValue); \(hit.reason)"))
            switch hit.action {
            case .off: break
            case .tag: decision = aggregator.impose(.init(action: .tag, reason: "guard \(hit.guardName)", label: "outbound"), on: decision)
            case .reject:
                decision = aggregator.impose(.init(action: .reject, reply: "\(settings.guards.rejectReply) \(hit.reason)", reason: "guard \(hit.guardName)", label: "outbound"), on: decision)
            case .hold: guardHold.append(hit)
            }
        }

        guard decision.action <= .tag else { return decision }
        var delay = settings.hold.delay(for: input.envelope.mailFrom)
        if !guardHold.isEmpty { delay = max(delay, settings.hold.guardDelaySeconds) }
        guard delay > 0 else { return decision }
        guard let queueID = input.envelope.queueID, !queueID.isEmpty else {
            logger.warning("send-hold needs the MTA's queue id (milter macro i); delivering now", metadata: ["moat.id": "\(decision.scanID)"])
            return decision
        }
        let reason = guardHold.isEmpty ? "send-hold for \(Int(delay)) s" : guardHold.map(\.reason).joined(separator: "; ")
        let subject = input.message.headers.first("Subject")?.value ?? ""
        guard let (held, token) = await holds.hold(id: decision.scanID, queueID: queueID, sender: input.envelope.mailFrom ?? "",
                                                   recipients: input.envelope.recipients, subject: subject, reason: reason, delaySeconds: delay) else {
            return decision
        }
        decision.hold = SendHold(releaseAt: held.releaseAt, reason: "moat send-hold \(held.id) until \(ISO8601DateFormatter().string(from: held.releaseAt)): \(NoticeText.clean(reason))")
        decision.headers.append(.init(name: "\(prefix)-Hold", value: "\(Int(delay)) s; \(NoticeText.clean(reason))"))
        logger.info("outbound message held", metadata: ["moat.id": "\(held.id)", "milter.queue_id": "\(queueID)", "outbound.release_at": "\(held.releaseAt)", "outbound.reason": "\(reason)"])
        holds.notify(held, token: token)
        return decision
    }

    /// Counts the message for its sender, or applies the departure's action while the sender is paused.
    private func reviewSender(_ sender: String, input: ScanInput, decision: Decision, aggregator: Aggregator) async -> Decision {
        let hijack = settings.hijack
        let now = clock()
        var activity = senders[sender] ?? SenderActivity(now: now)
        defer {
            senders[sender] = activity
            dirty.insert(sender)
            evictIfNeeded()
        }
        let contain = { (why: String) -> Decision in
            let reply = hijack.action == .tempfail ? hijack.reply : nil
            return aggregator.impose(.init(action: hijack.action, reply: reply, reason: why, label: "outbound"), on: decision)
        }
        if activity.isBlocked(at: now) {
            Counter(label: "moat_outbound_contained_total", dimensions: [("action", hijack.action.rawValue)]).increment()
            let until = activity.blockedUntil.map { ISO8601DateFormatter().string(from: $0) } ?? "-"
            return contain("sender \(sender) paused until \(until)")
        }
        let bad = decision.category.map { [.spam, .phishing, .malware].contains($0) } ?? false
        guard let departure = activity.record(recipients: input.envelope.recipients, bad: bad, at: now, settings: hijack) else {
            return decision
        }
        let alert = OutboundAlert(sender: sender, at: now, departure: departure, action: hijack.action, blockedUntil: activity.blockedUntil, scanID: decision.scanID)
        Counter(label: "moat_outbound_alerts_total", dimensions: [("metric", departure.metric), ("kind", departure.kind.rawValue)]).increment()
        Counter(label: "moat_outbound_contained_total", dimensions: [("action", hijack.action.rawValue)]).increment()
        logger.warning("outbound sender departed from its baseline", metadata: [
            "outbound.sender": "\(sender)", "outbound.metric": "\(departure.metric)", "outbound.observed": "\(departure.observed)", "outbound.limit": "\(departure.limit)",
            "outbound.kind": "\(departure.kind.rawValue)", "outbound.action": "\(hijack.action.rawValue)", "moat.id": "\(decision.scanID)",
        ])
        do {
            try await store.recordOutboundAlert(alert)
        } catch {
            logger.error("cannot record an outbound alert", metadata: ["error.message": "\(error)"])
        }
        return contain("sender \(sender): \(departure.description)")
    }

    /// Forgets the least recently seen senders beyond `max_senders` (a tenth at a time, so the
    /// sort is rare).
    private func evictIfNeeded() {
        let limit = settings.hijack.maxSenders
        guard senders.count > limit else { return }
        let excess = senders.count - limit + max(1, limit / 10)
        let oldest = senders.sorted { $0.value.lastSeen < $1.value.lastSeen }.prefix(excess).map(\.key)
        for key in oldest {
            senders[key] = nil
            dirty.remove(key)
            forgotten.append(key)
        }
    }
}
