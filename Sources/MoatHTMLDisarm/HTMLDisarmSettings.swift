import MoatCore

/// The `html` adapter's options, validated once when the engine is built.
public struct HTMLDisarmSettings: Sendable, Hashable {
    public enum Mode: String, Sendable, Hashable, CaseIterable {
        /// Findings only; the attachment is delivered as it is.
        case detect
        /// Findings plus the attachment made inert (or as text, see `deliver`).
        case disarm
        /// Category `malware` with `reject_score` added when anything active is found.
        case reject
    }

    public enum Delivery: String, Sendable, Hashable, CaseIterable {
        /// The sanitised HTML.
        case html
        /// The document's visible text only.
        case text
    }

    public var mode: Mode = .disarm
    public var deliver: Delivery = .html
    /// Weight of each kind of removal (per attachment, not per occurrence).
    public var scores: [String: Double] = [
        "script": 2, "event_handler": 1, "javascript_url": 2, "data_url": 0.5, "form": 3, "meta_refresh": 2,
        "embedded_object": 1, "base": 0.5, "blob_download": 3, "smuggling": 10,
    ]
    public var disarmedScoreFactor = 0.3
    public var rejectScore = 20.0
    public var attachNote = true
    public var maxDocumentBytes = 16 << 20

    public init() {}

    public init(options: [String: ConfigValue], context: EngineBuildContext) throws {
        let known: Set<String> = ["mode", "deliver", "scores", "disarmed_score_factor", "reject_score", "attach_note", "max_document_bytes"]
        if let unknown = options.keys.sorted().first(where: { !known.contains($0) }) {
            throw context.invalid(unknown, "unknown option (known: \(known.sorted().joined(separator: ", ")))")
        }
        if let value = options["mode"] {
            guard let text = value.stringValue, let mode = Mode(rawValue: text) else { throw context.invalid("mode", "expected \"detect\", \"disarm\" or \"reject\"") }
            self.mode = mode
        }
        if let value = options["deliver"] {
            guard let text = value.stringValue, let deliver = Delivery(rawValue: text) else { throw context.invalid("deliver", "expected \"html\" or \"text\"") }
            self.deliver = deliver
        }
        if let value = options["scores"] {
            guard case .table(let table) = value else { throw context.invalid("scores", "expected a table") }
            for (key, v) in table {
                guard scores[key] != nil else { throw context.invalid("scores.\(key)", "unknown kind (known: \(scores.keys.sorted().joined(separator: ", ")))") }
                guard let n = v.doubleValue, n >= 0 else { throw context.invalid("scores.\(key)", "expected a non-negative number") }
                scores[key] = n
            }
        }
        if let value = options["disarmed_score_factor"] {
            guard let n = value.doubleValue, (0...1).contains(n) else { throw context.invalid("disarmed_score_factor", "expected a number in 0...1") }
            disarmedScoreFactor = n
        }
        if let value = options["reject_score"] {
            guard let n = value.doubleValue, n >= 0 else { throw context.invalid("reject_score", "expected a non-negative number") }
            rejectScore = n
        }
        if let value = options["attach_note"] {
            guard let flag = value.boolValue else { throw context.invalid("attach_note", "expected true or false") }
            attachNote = flag
        }
        if let value = options["max_document_bytes"] {
            guard let n = value.intValue, n > 0 else { throw context.invalid("max_document_bytes", "expected a positive integer") }
            maxDocumentBytes = n
        }
    }
}
