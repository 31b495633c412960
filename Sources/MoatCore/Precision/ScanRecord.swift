import Foundation

/// What the verdict log keeps of one scan: enough to explain it later and to score every engine
/// once the truth about the message is known.
public struct ScanRecord: Sendable, Hashable, Codable {
    /// One engine's verdict as logged.
    public struct EngineEntry: Sendable, Hashable, Codable {
        public var engine: String
        /// `clean`, a category name, `error` or `timeout`.
        public var label: String
        public var score: Double
        public var state: EngineState
        public var elapsedMilliseconds: Double

        public init(engine: String, label: String, score: Double, state: EngineState, elapsedMilliseconds: Double) {
            self.engine = engine
            self.label = label
            self.score = score
            self.state = state
            self.elapsedMilliseconds = elapsedMilliseconds
        }

        /// The category this entry claimed, nil for clean; failures have no claim.
        public var category: VerdictCategory? { VerdictCategory(rawValue: label) }
        public var isFailure: Bool { label == "error" || label == "timeout" }
        /// An engine that was still starting made no claim and did not fail: it is left out of
        /// every count.
        public var wasNotReady: Bool { label == "not_ready" }
    }

    /// The scan id (`X-Moat-Id`).
    public var id: String
    public var receivedAt: Date
    /// SHA-256 of the raw message, hex, so feedback can name a message by its bytes.
    public var contentHash: String
    public var messageID: String?
    public var queueID: String?
    public var mailFrom: String?
    public var recipients: [String]
    public var action: Action
    public var score: Double
    public var category: VerdictCategory?
    public var engines: [EngineEntry]
    /// What crash isolation had to say about the scan (a worker died, poison content, a hard
    /// timeout), so an operator finds it beside the decision; nil when nothing happened.
    public var isolation: String?

    public init(id: String, receivedAt: Date = Date(), contentHash: String, messageID: String? = nil, queueID: String? = nil,
                mailFrom: String? = nil, recipients: [String] = [], action: Action, score: Double,
                category: VerdictCategory?, engines: [EngineEntry], isolation: String? = nil) {
        self.id = id
        self.receivedAt = receivedAt
        self.contentHash = contentHash
        self.messageID = messageID
        self.queueID = queueID
        self.mailFrom = mailFrom
        self.recipients = recipients
        self.action = action
        self.score = score
        self.category = category
        self.engines = engines
        self.isolation = isolation
    }

    /// The `isolation.*` findings as one line, nil when there are none.
    static func isolationNote(_ findings: [Finding]) -> String? {
        let notes = findings.filter { $0.code.hasPrefix("isolation.") }.map { "\($0.code): \($0.detail)" }
        return notes.isEmpty ? nil : notes.joined(separator: "; ")
    }

    /// The record of `decision` for the message `input` whose raw bytes hash to `contentHash`.
    public init(decision: Decision, input: ScanInput, contentHash: String, receivedAt: Date = Date()) {
        self.init(
            id: decision.scanID, receivedAt: receivedAt, contentHash: contentHash,
            messageID: input.message.headers.first("Message-ID")?.value,
            queueID: input.envelope.queueID, mailFrom: input.envelope.mailFrom, recipients: input.envelope.recipients,
            action: decision.action, score: decision.score, category: decision.category,
            engines: decision.verdicts.map { verdict in
                EngineEntry(
                    engine: verdict.engine, label: verdict.label, score: verdict.score, state: verdict.state,
                    elapsedMilliseconds: verdict.elapsed.inMilliseconds
                )
            },
            isolation: Self.isolationNote(decision.messageFindings)
        )
    }
}
