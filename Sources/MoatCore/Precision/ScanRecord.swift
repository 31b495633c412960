import Foundation
import MoatMessage

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
    /// The learned combiner's features of this scan (`VerdictFeatures`), so operator feedback on it
    /// can train the combiner later (`moat train --from-store`); nil in records written before.
    public var features: [String: Double]?
    /// The tenants among the recipients (empty: no tenants configured, or mail of none), so a
    /// tenant's operators can be shown exactly their own mail.
    public var tenants: [String] = []
    /// The Subject, decoded, so operators can search the log by it.
    public var subject: String?
    /// How the decision was reached and what the message looked like. Only `ScanStore.scan(id:)`
    /// reads it back: lists leave it out to stay cheap.
    public var detail: ScanDetail?

    public init(id: String, receivedAt: Date = Date(), contentHash: String, messageID: String? = nil, queueID: String? = nil,
                mailFrom: String? = nil, recipients: [String] = [], action: Action, score: Double,
                category: VerdictCategory?, engines: [EngineEntry], isolation: String? = nil, features: [String: Double]? = nil) {
        self.features = features
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

    /// `features` as stored: a JSON object with sorted keys (nil stays nil).
    public static func encodeFeatures(_ features: [String: Double]?) -> String? {
        guard let features else { return nil }
        // By hand (`JSONText`), as the detail is: one per message in the daemon, where Foundation's
        // encoder cost more than the row's SQLite insert.
        var json = JSONText(capacity: 32 * features.count + 2)
        json.object { o in
            for (name, value) in features.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
                o.key(name) { $0.number(value) }
            }
        }
        return json.failed ? nil : String(decoding: json.bytes, as: UTF8.self)
    }

    /// Reads what `encodeFeatures` wrote; a value that does not parse reads as absent.
    public static func decodeFeatures(_ text: String?) -> [String: Double]? {
        guard let text else { return nil }
        return try? JSONDecoder().decode([String: Double].self, from: Data(text.utf8))
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
            isolation: Self.isolationNote(decision.messageFindings),
            features: decision.features
                ?? VerdictFeatures.extract(verdicts: decision.verdicts, messageFindings: decision.messageFindings).values
        )
        tenants = decision.tenantIDs
        subject = input.message.headers.first("Subject").map { Self.subjectText($0.value) }
        detail = ScanDetail(decision: decision, message: input.message)
    }

    /// The decoded Subject on one line, at most 998 characters (an SMTP line's limit).
    static func subjectText(_ decoded: String) -> String {
        var text = ""
        text.reserveCapacity(min(decoded.utf8.count, 998))
        var lastWasSpace = true
        var count = 0
        for scalar in decoded.unicodeScalars {
            let space = scalar == " " || scalar == "\t" || scalar == "\r" || scalar == "\n"
            if space {
                if !lastWasSpace {
                    text.unicodeScalars.append(" ")
                    count += 1
                }
            } else {
                text.unicodeScalars.append(scalar)
                count += 1
            }
            lastWasSpace = space
            if count >= 998 { break }
        }
        return text.hasSuffix(" ") ? String(text.dropLast()) : text
    }
}
