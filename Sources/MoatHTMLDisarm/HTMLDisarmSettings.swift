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
    /// The language of the note for the recipient.
    public var noteLanguage = NoteLanguage.en
    public var maxDocumentBytes = 16 << 20

    public init() {}

    public init(options: [String: ConfigValue], context: EngineBuildContext) throws {
        let reader = EngineOptions(options, context: context)
        try reader.rejectUnknown(["mode", "deliver", "scores", "disarmed_score_factor", "reject_score", "attach_note", "note_language", "max_document_bytes"])
        mode = try reader.choice("mode", Mode.self) ?? mode
        deliver = try reader.choice("deliver", Delivery.self) ?? deliver
        scores.merge(try reader.weights("scores", known: Set(scores.keys))) { $1 }
        disarmedScoreFactor = try reader.number("disarmed_score_factor", in: 0...1) ?? disarmedScoreFactor
        rejectScore = try reader.number("reject_score", in: 0...1000) ?? rejectScore
        attachNote = try reader.bool("attach_note") ?? attachNote
        noteLanguage = try reader.choice("note_language", NoteLanguage.self) ?? noteLanguage
        maxDocumentBytes = try reader.integer("max_document_bytes", in: 1...Int.max) ?? maxDocumentBytes
    }
}
