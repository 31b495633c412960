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
    public var maxDocumentBytes = 64 << 20
    /// Documents with more objects are reported (`pdf.too_complex`) and not rewritten.
    public var maxObjects = 200_000

    public init() {}

    public init(options: [String: ConfigValue], context: EngineBuildContext) throws {
        let known: Set<String> = ["mode", "scores", "encrypted_score", "malformed_score", "disarmed_score_factor", "reject_score",
                                  "attach_note", "max_document_bytes", "max_objects"]
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
                guard let kind = PDFActiveContent(rawValue: key) else {
                    throw context.invalid("scores.\(key)", "unknown kind (known: \(PDFActiveContent.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                guard let n = v.doubleValue, n >= 0 else { throw context.invalid("scores.\(key)", "expected a non-negative number") }
                scores[kind] = n
            }
        }
        func number(_ key: String, _ range: ClosedRange<Double>) throws -> Double? {
            guard let value = options[key] else { return nil }
            guard let n = value.doubleValue, range.contains(n) else { throw context.invalid(key, "expected a number in \(range)") }
            return n
        }
        encryptedScore = try number("encrypted_score", 0...1000) ?? encryptedScore
        malformedScore = try number("malformed_score", 0...1000) ?? malformedScore
        disarmedScoreFactor = try number("disarmed_score_factor", 0...1) ?? disarmedScoreFactor
        rejectScore = try number("reject_score", 0...1000) ?? rejectScore
        if let value = options["attach_note"] {
            guard let flag = value.boolValue else { throw context.invalid("attach_note", "expected true or false") }
            attachNote = flag
        }
        if let value = options["max_document_bytes"] {
            guard let n = value.intValue, n > 0 else { throw context.invalid("max_document_bytes", "expected a positive integer") }
            maxDocumentBytes = n
        }
        if let value = options["max_objects"] {
            guard let n = value.intValue, n > 0 else { throw context.invalid("max_objects", "expected a positive integer") }
            maxObjects = n
        }
    }
}
