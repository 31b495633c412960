/// The JSON shape of a decision, shared by `moat scan --json` and the admin API.
///
/// Kept separate from `Decision` so the wire format is explicit and stable: field names are
/// snake_case and durations are milliseconds.
public struct DecisionDocument: Sendable, Codable, Hashable {
    /// One engine's verdict as written in JSON.
    public struct Verdict: Sendable, Codable, Hashable {
        public var engine: String
        public var verdict: String
        public var state: EngineState
        public var score: Double
        public var elapsedMilliseconds: Double
        public var error: String?
        public var findings: [Finding]
        public var replacedParts: [String]

        enum CodingKeys: String, CodingKey {
            case engine, verdict, state, score, error, findings
            case elapsedMilliseconds = "elapsed_ms"
            case replacedParts = "replaced_parts"
        }
    }

    public var id: String
    public var file: String?
    public var action: Action
    public var score: Double
    public var category: VerdictCategory?
    public var smtpReply: String?
    public var quarantineReason: String?
    public var headers: [Decision.Header]
    public var reasons: [Decision.Reason]
    public var engines: [Verdict]
    public var messageFindings: [Finding]
    public var replacedParts: [String]
    /// The learned combiner's working, when it decided.
    public var model: Decision.ModelExplanation?

    enum CodingKeys: String, CodingKey {
        case id, file, action, score, category, headers, reasons, engines, model
        case smtpReply = "smtp_reply"
        case quarantineReason = "quarantine_reason"
        case messageFindings = "message_findings"
        case replacedParts = "replaced_parts"
    }

    public init(_ decision: Decision, file: String? = nil) {
        id = decision.scanID
        self.file = file
        action = decision.action
        score = decision.score
        category = decision.category
        smtpReply = decision.smtpReply
        quarantineReason = decision.quarantineReason
        headers = decision.headers
        reasons = decision.reasons
        engines = decision.verdicts.map { verdict in
            var error: String?
            if case .error(let message) = verdict.outcome { error = message }
            return Verdict(
                engine: verdict.engine, verdict: verdict.label, state: verdict.state, score: verdict.score,
                elapsedMilliseconds: verdict.elapsed.inMilliseconds,
                error: error, findings: verdict.findings, replacedParts: verdict.replacements.map(\.partPath)
            )
        }
        messageFindings = decision.messageFindings
        replacedParts = decision.replacements.map(\.partPath)
        model = decision.model
    }
}
