import Logging
import MoatCore
import MoatMessage

/// Finds VBA and Excel 4.0 macros and embedded OLE objects in attachments and, by `mode`,
/// reports them, replaces the attachment with a macro-free copy, or asks for the message to be
/// refused.
///
/// Documents are recognised by content (CFB signature, zip with `[Content_Types].xml`, `{\rt`),
/// so a lying extension changes nothing. Parsing and rebuilding run on the blocking pool.
public struct MacroEngine: ScanEngine {
    public let settings: MacroSettings
    let inspector = MacroInspector()
    let disarmer = MacroDisarmer()

    public init(settings: MacroSettings = MacroSettings()) {
        self.settings = settings
    }

    public var status: [String: String] {
        ["mode": settings.mode.rawValue, "attach_note": String(settings.attachNote)]
    }

    /// What happened to one attachment.
    struct PartOutcome: Sendable {
        var inspection: Inspection
        var disarmed: DisarmedDocument?
        var disarmFailure: String?
    }

    /// Inspects every leaf part that looks like a document; see the type's description for the modes.
    public func scan(_ input: ScanInput, context: ScanContext) async throws -> EngineReport {
        var findings: [Finding] = []
        var replacements: [PartReplacement] = []
        var activeContent = false
        for part in input.message.leaves where !part.decoded.isEmpty {
            guard MacroInspector.container(of: part.decoded) != .other else { continue }
            guard part.decoded.count <= settings.maxDocumentBytes else {
                findings.append(Finding(code: "macro.too_large", detail: "\(part.decoded.count) bytes exceed max_document_bytes=\(settings.maxDocumentBytes); not inspected",
                                        score: 0, partPath: part.path))
                continue
            }
            let bytes = part.decoded
            let wantDisarm = settings.mode == .disarm && !part.path.isEmpty
            let inspector = self.inspector, disarmer = self.disarmer
            let outcome = try await context.blocking.run { () -> PartOutcome in
                let inspection = inspector.inspect(bytes)
                guard wantDisarm, inspection.hasActiveContent else { return PartOutcome(inspection: inspection) }
                do {
                    return PartOutcome(inspection: inspection, disarmed: try disarmer.disarm(bytes, inspection: inspection))
                } catch {
                    return PartOutcome(inspection: inspection, disarmFailure: "\(error)")
                }
            }
            var partFindings = Self.findings(for: outcome.inspection, partPath: part.path, scores: settings.scores)
            guard outcome.inspection.hasActiveContent else {
                findings += partFindings
                continue
            }
            activeContent = true
            let name = part.filename ?? "attachment"
            if settings.mode == .disarm {
                if part.path.isEmpty {
                    partFindings.append(Finding(code: "macro.not_disarmed", detail: "the document is the message body itself; it cannot be replaced", partPath: part.path))
                } else {
                    for i in partFindings.indices { partFindings[i].score *= settings.disarmedScoreFactor }
                    let replacement = makeReplacement(part: part, name: name, outcome: outcome, findings: partFindings)
                    replacements.append(replacement.part)
                    partFindings.append(replacement.finding)
                    partFindings.append(Finding(code: "macro.note", detail: replacement.note, partPath: part.path))
                }
            }
            context.logger.info("macro content found", metadata: [
                "moat.id": "\(input.id)", "macro.part": "\(part.path)", "macro.container": "\(outcome.inspection.container.rawValue)",
                "macro.mode": "\(settings.mode.rawValue)",
                "macro.action": "\(outcome.disarmed != nil ? "disarmed" : (settings.mode == .disarm && !part.path.isEmpty ? "removed" : "none"))",
            ])
            findings += partFindings
        }
        let score = findings.reduce(0) { $0 + $1.score }
        switch settings.mode {
        case .reject where activeContent:
            return EngineReport(category: .malware, score: score + settings.rejectScore, findings: findings)
        default:
            return EngineReport(category: score > 0 ? .suspicious : nil, score: score, findings: findings, replacements: replacements)
        }
    }

    /// The replacement part: the disarmed document (with the note, if configured), or the note
    /// alone when the document could not be disarmed.
    func makeReplacement(part: MessagePart, name: String, outcome: PartOutcome, findings: [Finding])
        -> (part: PartReplacement, finding: Finding, note: String) {
        let details = findings.map { "\($0.code): \($0.detail)" }
        let boundary = "moat-macro-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        if let disarmed = outcome.disarmed {
            let newName = Self.renamed(name, to: disarmed.newExtension)
            let mediaType = disarmed.newMediaType ?? part.contentType.essence
            let note = MacroNote.render(settings.noteTemplate, filename: name, removed: disarmed.removed, findings: details)
            let document = ReplacementPart.attachment(disarmed.bytes, filename: newName, mediaType: mediaType)
            let raw = settings.attachNote ? ReplacementPart.mixed([ReplacementPart.note(note), document], boundary: boundary) : document
            let reason = "macros removed from \(name)" + (newName != name ? " (now \(newName))" : "")
            return (PartReplacement(partPath: part.path, rawPart: Array(raw.utf8), reason: reason),
                    Finding(code: "macro.disarmed", detail: reason + ": " + disarmed.removed.joined(separator: "; "), partPath: part.path), note)
        }
        let why = outcome.disarmFailure ?? "not disarmable"
        let note = MacroNote.render(settings.removedNoteTemplate, filename: name, removed: ["the whole attachment (\(why))"], findings: details)
        return (PartReplacement(partPath: part.path, rawPart: Array(ReplacementPart.note(note).utf8), reason: "attachment \(name) removed: \(why)"),
                Finding(code: "macro.removed", detail: "attachment \(name) replaced by a note: \(why)", partPath: part.path), note)
    }

    /// `report.docm` → `report.docx`; names without that extension get it appended.
    static func renamed(_ name: String, to ext: String?) -> String {
        guard let ext else { return name }
        if let dot = name.lastIndex(of: "."), name.index(after: dot) < name.endIndex {
            return String(name[..<dot]) + "." + ext
        }
        return name + "." + ext
    }

    /// One finding per observation, each with its weight; suspicious keywords are capped per part.
    static func findings(for inspection: Inspection, partPath: String, scores: MacroSettings.Scores) -> [Finding] {
        var out: [Finding] = []
        var keywordBudget = scores.suspiciousCap
        for o in inspection.observations {
            let at = o.location.isEmpty ? "" : " in \(o.location)"
            switch o.kind {
            case .vba(let modules, let autoExec, let suspicious):
                let list = modules.isEmpty ? "modules not listed" : "modules: " + modules.joined(separator: ", ")
                out.append(Finding(code: "macro.vba", detail: "VBA project\(at) (\(list))", score: scores.vba, partPath: partPath))
                if !autoExec.isEmpty {
                    out.append(Finding(code: "macro.autoexec", detail: autoExec.joined(separator: ", ") + at, score: scores.autoExec, partPath: partPath))
                }
                for keyword in suspicious {
                    let s = min(scores.suspiciousKeyword, max(0, keywordBudget))
                    keywordBudget -= s
                    let reason = MacroKeywords.suspicious.first { $0.keyword == keyword }?.reason ?? "Base64-encoded strings"
                    out.append(Finding(code: "macro.suspicious_keyword", detail: "\(keyword): \(reason)\(at)", score: s, partPath: partPath))
                }
            case .xlm(let sheets):
                out.append(Finding(code: "macro.xlm", detail: "Excel 4.0 macro sheets\(at): " + sheets.joined(separator: ", "), score: scores.xlm, partPath: partPath))
            case .rtfObject(let className):
                out.append(Finding(code: "macro.rtf_object", detail: "embedded OLE object of class \(className)\(at)", score: scores.rtfObject, partPath: partPath))
            case .encrypted(let reason):
                out.append(Finding(code: "macro.encrypted", detail: reason + at + "; cannot be inspected", score: scores.encrypted, partPath: partPath))
            case .nestingLimit(let depth):
                out.append(Finding(code: "macro.nesting_limit", detail: "document nested \(depth) levels deep\(at) was not inspected", score: scores.nestingLimit, partPath: partPath))
            case .malformed(let reason):
                out.append(Finding(code: "macro.malformed_container", detail: "\(inspection.container.rawValue)\(at): \(reason)", score: scores.malformed, partPath: partPath))
            }
        }
        return out
    }
}
