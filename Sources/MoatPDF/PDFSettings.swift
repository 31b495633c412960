import MoatCore

/// The `pdf` adapter's options, validated once when the engine is built.
public struct PDFSettings: Sendable, Hashable {
    public enum Mode: String, Sendable, Hashable, CaseIterable {
        /// Findings only; the document is delivered as it is.
        case detect
        /// Findings plus the document without its active content (scores multiplied by
        /// `disarmed_score_factor`); a document that cannot be disarmed is delivered as it is.
        case disarm
        /// Category `malware` with `reject_score` added when active content is found.
        case reject
    }

    public var mode: Mode = .disarm
    /// Weight of each kind of active content (per document, not per occurrence).
    public var scores: [PDFActiveContent: Double] = [
        .javascript: 3, .openAction: 1, .additionalActions: 1, .launch: 5, .submitForm: 1, .importData: 1,
        .embeddedFile: 2, .fileAttachment: 1, .richMedia: 2, .xfa: 1, .remoteGoTo: 1, .uri: 0,
    ]
    /// A document the empty user password does not open (nothing inside can be checked).
    public var encryptedScore = 1.5
    /// A document qpdf cannot read at all.
    public var malformedScore = 1.0
    public var disarmedScoreFactor = 0.2
    public var rejectScore = 20.0
    /// Whether a short note (what was removed) goes into the replacement beside the document.
    public var attachNote = true
    /// The language of the note for the recipient.
    public var noteLanguage = NoteLanguage.en
    public var maxDocumentBytes = 64 << 20
    /// Documents with more objects are reported (`pdf.too_complex`) and not rewritten.
    public var maxObjects = 200_000

    public init() {}

    public init(options: [String: ConfigValue], context: EngineBuildContext) throws {
        let reader = EngineOptions(options, context: context)
        try reader.rejectUnknown(["mode", "scores", "encrypted_score", "malformed_score", "disarmed_score_factor", "reject_score",
                                  "attach_note", "note_language", "max_document_bytes", "max_objects"])
        mode = try reader.choice("mode", Mode.self) ?? mode
        for (name, weight) in try reader.weights("scores", known: Set(PDFActiveContent.allCases.map(\.rawValue))) {
            if let kind = PDFActiveContent(rawValue: name) { scores[kind] = weight }
        }
        encryptedScore = try reader.number("encrypted_score", in: 0...1000) ?? encryptedScore
        malformedScore = try reader.number("malformed_score", in: 0...1000) ?? malformedScore
        disarmedScoreFactor = try reader.number("disarmed_score_factor", in: 0...1) ?? disarmedScoreFactor
        rejectScore = try reader.number("reject_score", in: 0...1000) ?? rejectScore
        attachNote = try reader.bool("attach_note") ?? attachNote
        noteLanguage = try reader.choice("note_language", NoteLanguage.self) ?? noteLanguage
        maxDocumentBytes = try reader.integer("max_document_bytes", in: 1...Int.max) ?? maxDocumentBytes
        maxObjects = try reader.integer("max_objects", in: 1...Int.max) ?? maxObjects
    }
}
