import Foundation

/// One authenticated sender's outbound mail: the window in progress, and a decayed average of the
/// windows before it. Pure: every method takes the time, so the model is tested with a clock the
/// test controls, and the daemon keeps one per sender and saves them to the store.
public struct SenderActivity: Sendable, Hashable, Codable {
    public var windowStart: Date
    /// The window in progress.
    public var current = OutboundCounts()
    /// Hashes of the distinct recipients and domains of the window in progress (bounded).
    var recipientsSeen: Set<UInt64> = []
    var domainsSeen: Set<UInt64> = []
    /// Exponentially weighted average of closed windows, started at zero (see `expected`).
    public var baseline = OutboundCounts()
    /// Closed windows so far (empty ones included).
    public var windowsSeen = 0
    /// The departure's action applies to this sender's mail until then.
    public var blockedUntil: Date?
    public var lastSeen: Date
    /// Departures so far.
    public var trips = 0

    public init(now: Date) {
        windowStart = now
        lastSeen = now
    }

    /// A sender's mail over the limit: which quantity, how much, and against what.
    public struct Departure: Sendable, Hashable, Codable {
        public enum Kind: String, Sendable, Hashable, Codable {
            /// Over the absolute cap.
            case cap
            /// Over `factor` times the sender's own baseline.
            case baseline
        }

        public var metric: String
        public var observed: Double
        public var limit: Double
        /// The sender's baseline for the metric (nil while it is still learning).
        public var expected: Double?
        public var kind: Kind

        public init(metric: String, observed: Double, limit: Double, expected: Double?, kind: Kind) {
            self.metric = metric
            self.observed = observed
            self.limit = limit
            self.expected = expected
            self.kind = kind
        }

        public var description: String {
            let base = expected.map { String(format: ", baseline %.1f", $0) } ?? ""
            return String(format: "%@ %.0f in this window over %@ %.1f", metric, observed, kind == .cap ? "the cap" : "the limit", limit) + base
        }
    }

    /// Closes every window that ended by `now` into the baseline. A clock that went back stays in
    /// the current window.
    public mutating func advance(to now: Date, settings: HijackSettings) {
        let elapsed = now.timeIntervalSince(windowStart)
        guard elapsed >= settings.windowSeconds, settings.windowSeconds > 0 else { return }
        let windows = min(elapsed / settings.windowSeconds, 1_000_000).rounded(.down)
        let decay = settings.decay
        for (_, key) in OutboundCounts.metrics {
            // The window that ended, then (windows - 1) empty ones.
            var value = decay * baseline[keyPath: key] + (1 - decay) * current[keyPath: key]
            value *= pow(decay, windows - 1)
            baseline[keyPath: key] = value
        }
        windowsSeen = min(windowsSeen + Int(windows), 1_000_000)
        windowStart = windowStart.addingTimeInterval(windows * settings.windowSeconds)
        current = OutboundCounts()
        recipientsSeen = []
        domainsSeen = []
    }

    /// The baseline with the bias of its zero start removed (the weights of the windows seen sum
    /// to one); nil before any window closed.
    public func expected(settings: HijackSettings) -> OutboundCounts? {
        guard windowsSeen > 0 else { return nil }
        let correction = 1 - pow(settings.decay, Double(windowsSeen))
        guard correction > 0 else { return nil }
        var expected = OutboundCounts()
        for (_, key) in OutboundCounts.metrics { expected[keyPath: key] = baseline[keyPath: key] / correction }
        return expected
    }

    /// The window's counts if a message to `recipients` (and bad or not) were added, with the
    /// recipient and domain hashes it would add. The window's own sets are only read: copying them
    /// for every message would cost as much as the window is large.
    func adding(recipients: [String], bad: Bool, settings: HijackSettings) -> (counts: OutboundCounts, recipients: Set<UInt64>, domains: Set<UInt64>) {
        var newRecipients = Set<UInt64>()
        var newDomains = Set<UInt64>()
        for recipient in recipients {
            let address = recipient.lowercased()
            let hash = Self.hash(address)
            if recipientsSeen.count + newRecipients.count < settings.maxDistinct, !recipientsSeen.contains(hash) { newRecipients.insert(hash) }
            if let at = address.lastIndex(of: "@") {
                let domain = Self.hash(String(address[address.index(after: at)...]))
                if domainsSeen.count + newDomains.count < settings.maxDistinct, !domainsSeen.contains(domain) { newDomains.insert(domain) }
            }
        }
        var counts = current
        counts.messages += 1
        counts.recipients = Double(recipientsSeen.count + newRecipients.count)
        counts.recipientDomains = Double(domainsSeen.count + newDomains.count)
        if bad { counts.badVerdicts += 1 }
        return (counts, newRecipients, newDomains)
    }

    /// The first quantity of `counts` over its cap, or (once the baseline is learnt) over
    /// `factor` times the baseline and the floor.
    public func departure(_ counts: OutboundCounts, settings: HijackSettings) -> Departure? {
        let expected = windowsSeen >= settings.learningWindows ? self.expected(settings: settings) : nil
        for (name, key) in OutboundCounts.metrics {
            let value = counts[keyPath: key]
            if value > settings.caps[keyPath: key] {
                return Departure(metric: name, observed: value, limit: settings.caps[keyPath: key], expected: expected?[keyPath: key], kind: .cap)
            }
            if let expected {
                let limit = max(settings.floor[keyPath: key], settings.factor * expected[keyPath: key])
                if value > limit {
                    return Departure(metric: name, observed: value, limit: limit, expected: expected[keyPath: key], kind: .baseline)
                }
            }
        }
        return nil
    }

    /// Whether the sender's mail is under a departure's action at `now`.
    public func isBlocked(at now: Date) -> Bool {
        blockedUntil.map { now < $0 } ?? false
    }

    /// One message from this sender at `now`: closes finished windows, then either counts it
    /// (nil) or, when it would depart, starts the block and returns why. Mail during a block is
    /// not counted, so the baseline does not learn the attack.
    public mutating func record(recipients: [String], bad: Bool, at now: Date, settings: HijackSettings) -> Departure? {
        advance(to: now, settings: settings)
        lastSeen = max(lastSeen, now)
        let next = adding(recipients: recipients, bad: bad, settings: settings)
        if let departure = departure(next.counts, settings: settings) {
            blockedUntil = now.addingTimeInterval(settings.blockSeconds)
            trips += 1
            return departure
        }
        current = next.counts
        recipientsSeen.formUnion(next.recipients)
        domainsSeen.formUnion(next.domains)
        return nil
    }

    /// An operator vouched for the account: the pause ends and the window starts again from zero
    /// (otherwise the next message would cross the same line at once). The baseline stays.
    public mutating func lift() {
        blockedUntil = nil
        current = OutboundCounts()
        recipientsSeen = []
        domainsSeen = []
    }

    /// FNV-1a, 64 bits: stable across runs (Swift's `Hasher` is seeded per process), so saved
    /// windows still recognise the same recipients after a restart.
    static func hash(_ text: String) -> UInt64 {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            value ^= UInt64(byte)
            value &*= 0x100_0000_01b3
        }
        return value
    }
}
