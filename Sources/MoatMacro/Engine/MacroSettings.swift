import MoatCore

/// The `macro` adapter's options, validated once when the engine is built.
public struct MacroSettings: Sendable, Hashable {
    /// What the engine does with a document that carries macros.
    public enum Mode: String, Sendable, Hashable, CaseIterable {
        /// Findings only; the message is delivered as it is (tagged by the policy).
        case detect
        /// Findings plus a macro-free replacement of each disarmable attachment (undisarmable ones
        /// are replaced by the note alone); scores are multiplied by `disarmed_score_factor`.
        case disarm
        /// Category `malware` with `reject_score` added, so the default policy refuses the message.
        case reject
    }

    /// Weight of each finding code.
    public struct Scores: Sendable, Hashable {
        public var vba = 3.0
        public var xlm = 4.0
        public var autoExec = 2.0
        public var suspiciousKeyword = 0.5
        public var suspiciousCap = 3.0
        public var rtfObject = 2.0
        public var encrypted = 1.5
        public var malformed = 1.0
        public var nestingLimit = 1.0
        public init() {}
    }

    public var mode: Mode = .disarm
    public var scores = Scores()
    /// Multiplier for findings on attachments that were disarmed (the threat is gone).
    public var disarmedScoreFactor = 0.2
    /// Score added in `reject` mode when active content is found.
    public var rejectScore = 20.0
    /// Note text with `{filename}`, `{removed}` and `{findings}` placeholders.
    public var noteTemplate = MacroNote.defaultTemplate
    /// The note that replaces an attachment removed whole (it could not be disarmed).
    public var removedNoteTemplate = MacroNote.defaultRemovedTemplate
    /// Whether the note goes into the replacement next to the disarmed document.
    public var attachNote = true
    /// Attachments larger than this are reported (`macro.too_large`) and not parsed.
    public var maxDocumentBytes = 64 << 20

    public init() {}

    /// Reads the options of a manifest; unknown keys are refused so typos do not pass silently.
    public init(options: [String: ConfigValue], context: EngineBuildContext) throws {
        let reader = EngineOptions(options, context: context)
        try reader.rejectUnknown(["mode", "scores", "disarmed_score_factor", "reject_score", "note_template", "removed_note_template",
                                  "attach_note", "max_document_bytes"])
        mode = try reader.choice("mode", Mode.self) ?? mode
        let weights: [String: WritableKeyPath<Scores, Double>] = [
            "vba": \.vba, "xlm": \.xlm, "autoexec": \.autoExec, "suspicious_keyword": \.suspiciousKeyword,
            "suspicious_cap": \.suspiciousCap, "rtf_object": \.rtfObject, "encrypted": \.encrypted,
            "malformed_container": \.malformed, "nesting_limit": \.nestingLimit,
        ]
        for (key, weight) in try reader.weights("scores", known: Set(weights.keys)) {
            if let path = weights[key] { scores[keyPath: path] = weight }
        }
        disarmedScoreFactor = try reader.number("disarmed_score_factor", in: 0...1) ?? disarmedScoreFactor
        rejectScore = try reader.number("reject_score", in: -1_000_000...1_000_000) ?? rejectScore
        attachNote = try reader.bool("attach_note") ?? attachNote
        maxDocumentBytes = try reader.integer("max_document_bytes", in: 1...Int.max) ?? maxDocumentBytes
        func template(_ key: String) throws -> String? {
            guard let resolved = try reader.path(key) else { return nil }
            guard let text = MacroNote.readTemplate(at: resolved) else { throw context.invalid(key, "cannot read \(resolved)") }
            return text
        }
        noteTemplate = try template("note_template") ?? noteTemplate
        removedNoteTemplate = try template("removed_note_template") ?? removedNoteTemplate
    }
}
