import Logging
import MoatCore
import MoatMessage

/// Finds what makes a PDF act when it is opened (JavaScript, launch and submit actions, open and
/// trigger actions, embedded files, rich media, XFA forms) and, by `mode`, reports it, delivers
/// the document without it, or asks for the message to be refused.
///
/// qpdf reads the file (repairing what it can), removes the active entries and writes it again;
/// the result is read back before it is delivered, and must have the same pages and no active
/// content left, otherwise the original stays (reported). Documents are recognised by content
/// (`%PDF-`), not by name. qpdf runs on the blocking pool.
public struct PDFEngine: ScanEngine {
    public let settings: PDFSettings
    let disarmer: PDFDisarmer

    public init(settings: PDFSettings = PDFSettings()) {
        self.settings = settings
        disarmer = PDFDisarmer(maxObjects: settings.maxObjects)
    }

    public var status: [String: String] {
        ["mode": settings.mode.rawValue, "max_objects": String(settings.maxObjects)]
    }

    struct PartOutcome: Sendable {
        var inspection: PDFInspection
        var disarmed: [UInt8]?
        /// Why a disarmed copy was not used.
        var refused: String?
    }

    public func scan(_ input: ScanInput, context: ScanContext) async throws -> EngineReport {
        var findings: [Finding] = []
        var replacements: [PartReplacement] = []
        var active = false
        for part in input.message.leaves where PDFDisarmer.isPDF(part.decoded) {
            guard part.decoded.count <= settings.maxDocumentBytes else {
                findings.append(Finding(code: "pdf.too_large", detail: "\(part.decoded.count) bytes exceed max_document_bytes=\(settings.maxDocumentBytes); not inspected",
                                        partPath: part.path))
                continue
            }
            let bytes = part.decoded
            let wantDisarm = settings.mode == .disarm && !part.path.isEmpty
            let disarmer = self.disarmer
            let outcome = try await context.blocking.run { () -> PartOutcome in
                let (inspection, disarmed) = disarmer.inspect(bytes, disarm: wantDisarm)
                guard let disarmed else { return PartOutcome(inspection: inspection) }
                // Read the result back: same pages, nothing active left, or it is not used.
                let check = disarmer.inspect(disarmed, disarm: false).inspection
                if let failure = check.failure { return PartOutcome(inspection: inspection, refused: "the rewritten document does not read back: \(failure)") }
                if check.pages != inspection.pages { return PartOutcome(inspection: inspection, refused: "the rewritten document has \(check.pages ?? -1) pages, not \(inspection.pages ?? -1)") }
                if check.hasActiveContent { return PartOutcome(inspection: inspection, refused: "active content is left after rewriting") }
                return PartOutcome(inspection: inspection, disarmed: disarmed)
            }
            var partFindings = self.findings(for: outcome.inspection, partPath: part.path)
            if let refused = outcome.refused {
                partFindings.append(Finding(code: "pdf.not_disarmed", detail: refused, partPath: part.path))
            }
            guard outcome.inspection.hasActiveContent else {
                findings += partFindings
                continue
            }
            active = true
            if let disarmed = outcome.disarmed {
                for i in partFindings.indices { partFindings[i].score *= settings.disarmedScoreFactor }
                let name = part.filename ?? "document.pdf"
                let removed = outcome.inspection.counts.filter { $0.kind.isActive && $0.count > 0 }.map { "\($0.kind.label) (\($0.count))" }
                let note = Self.note(settings.noteLanguage, name: name, removed: removed, reference: input.id)
                let document = ReplacementPart.attachment(disarmed, filename: name, mediaType: "application/pdf")
                let boundary = "moat-pdf-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
                let raw = settings.attachNote ? ReplacementPart.mixed([ReplacementPart.note(note), document], boundary: boundary) : document
                replacements.append(PartReplacement(partPath: part.path, rawPart: Array(raw.utf8), reason: "active content removed from \(name)"))
                partFindings.append(Finding(code: "pdf.disarmed", detail: "active content removed from \(name): " + removed.joined(separator: "; "), partPath: part.path))
            } else if wantDisarm, outcome.refused == nil, outcome.inspection.failure == nil {
                partFindings.append(Finding(code: "pdf.not_disarmed", detail: "qpdf left the document unchanged", partPath: part.path))
            }
            context.logger.info("pdf active content found", metadata: [
                "moat.id": "\(input.id)", "pdf.part": "\(part.path)", "pdf.mode": "\(settings.mode.rawValue)",
                "pdf.action": "\(outcome.disarmed != nil ? "disarmed" : "none")",
            ])
            findings += partFindings
        }
        let score = findings.reduce(0) { $0 + $1.score }
        if settings.mode == .reject, active {
            return EngineReport(category: .malware, score: score + settings.rejectScore, findings: findings)
        }
        return EngineReport(category: score > 0 ? .suspicious : nil, score: score, findings: findings, replacements: replacements)
    }

    /// The note for the recipient: what was removed, that the pages are the same, and how to get
    /// the original (in the language the gateway chose).
    static func note(_ language: NoteLanguage, name: String, removed: [String], reference: String) -> String {
        switch language {
        case .en:
            "The mail gateway removed active content from the attached document \(name): \(removed.joined(separator: ", ")). "
                + "Its pages are unchanged. If you need the original, ask your mail administrator (reference \(reference))."
        case .ja:
            "メールゲートウェイは、添付文書「\(name)」からアクティブコンテンツを削除しました: \(removed.joined(separator: "、"))。"
                + "ページの内容は変わっていません。元のファイルが必要な場合は、メール管理者にお問い合わせください（参照番号 \(reference)）。"
        }
    }

    /// One finding per kind present, plus the file's condition (encrypted, repaired, unreadable).
    func findings(for inspection: PDFInspection, partPath: String) -> [Finding] {
        var out: [Finding] = []
        if inspection.needsPassword {
            out.append(Finding(code: "pdf.encrypted", detail: "encrypted with a user password: its content cannot be checked", score: settings.encryptedScore, partPath: partPath))
            return out
        }
        if let failure = inspection.failure {
            let tooComplex = failure.hasPrefix("more objects than max_objects")
            out.append(Finding(code: tooComplex ? "pdf.too_complex" : "pdf.malformed", detail: "qpdf: \(failure)",
                               score: tooComplex ? 0 : settings.malformedScore, partPath: partPath))
            return out
        }
        for (kind, count) in inspection.counts where count > 0 {
            out.append(Finding(code: "pdf.\(kind.rawValue)", detail: "\(kind.label): \(count)", score: settings.scores[kind] ?? 0, partPath: partPath))
        }
        if inspection.warnings > 0 {
            out.append(Finding(code: "pdf.repaired", detail: "qpdf recovered from \(inspection.warnings) problems reading it", partPath: partPath))
        }
        return out
    }
}
