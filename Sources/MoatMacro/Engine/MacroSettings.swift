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
        let known: Set<String> = ["mode", "scores", "disarmed_score_factor", "reject_score", "note_template", "removed_note_template",
                                  "attach_note", "max_document_bytes"]
        if let unknown = options.keys.sorted().first(where: { !known.contains($0) }) {
            throw context.invalid(unknown, "unknown option (known: \(known.sorted().joined(separator: ", ")))")
        }
        if let value = options["mode"] {
            guard let text = value.stringValue, let mode = Mode(rawValue: text) else {
                throw context.invalid("mode", "expected \"detect\", \"disarm\" or \"reject\"")
            }
            self.mode = mode
        }
        if let value = options["scores"] {
            guard case .table(let table) = value else { throw context.invalid("scores", "expected a table") }
            for (key, v) in table {
                guard let n = v.doubleValue, n >= 0 else { throw context.invalid("scores.\(key)", "expected a non-negative number") }
                switch key {
                case "vba": scores.vba = n
                case "xlm": scores.xlm = n
                case "autoexec": scores.autoExec = n
                case "suspicious_keyword": scores.suspiciousKeyword = n
                case "suspicious_cap": scores.suspiciousCap = n
                case "rtf_object": scores.rtfObject = n
                case "encrypted": scores.encrypted = n
                case "malformed_container": scores.malformed = n
                case "nesting_limit": scores.nestingLimit = n
                default: throw context.invalid("scores.\(key)", "unknown finding weight")
                }
            }
        }
        if let value = options["disarmed_score_factor"] {
            guard let n = value.doubleValue, n >= 0, n <= 1 else { throw context.invalid("disarmed_score_factor", "expected a number in 0...1") }
            disarmedScoreFactor = n
        }
        if let value = options["reject_score"] {
            guard let n = value.doubleValue else { throw context.invalid("reject_score", "expected a number") }
            rejectScore = n
        }
        if let value = options["attach_note"] {
            guard let b = value.boolValue else { throw context.invalid("attach_note", "expected true or false") }
            attachNote = b
        }
        if let value = options["max_document_bytes"] {
            guard let n = value.intValue, n > 0 else { throw context.invalid("max_document_bytes", "expected a positive integer") }
            maxDocumentBytes = n
        }
        func template(_ key: String) throws -> String? {
            guard let value = options[key] else { return nil }
            guard let path = value.stringValue, !path.isEmpty else { throw context.invalid(key, "expected a file path") }
            let resolved = context.resolve(path)
            guard let text = MacroNote.readTemplate(at: resolved) else { throw context.invalid(key, "cannot read \(resolved)") }
            return text
        }
        noteTemplate = try template("note_template") ?? noteTemplate
        removedNoteTemplate = try template("removed_note_template") ?? removedNoteTemplate
    }
}
