import Foundation
import MoatCore
import MoatMessage

/// Conversion mode: attachments of the configured types are delivered converted (a Word
/// document as a PDF, say), with the message as received kept in quarantine for release.
///
/// For sites that would rather not deliver Office documents at all, whatever the other engines
/// found: a converted document carries no macro, script, embedded object or exploit of the
/// original's parser. A conversion is not a detection: the verdict is clean with a
/// `convert.converted` finding; a failed conversion delivers the attachment unchanged with a
/// `convert.failed` finding (score 0), so the other engines' verdicts still decide.
public final class ConvertEngine: ScanEngine {
    let settings: ConvertSettings
    private let converter: DocumentConverter

    init(settings: ConvertSettings) {
        self.settings = settings
        self.converter = DocumentConverter(settings: settings)
    }

    public func scan(_ input: ScanInput, context: ScanContext) async throws -> EngineReport {
        var findings: [Finding] = []
        var replacements: [PartReplacement] = []
        for part in input.message.leaves where !part.path.isEmpty {
            guard let name = part.filename else { continue }
            let fileExtension = (name as NSString).pathExtension.lowercased()
            guard settings.extensions.contains(fileExtension) else { continue }
            let bytes = part.decoded
            guard bytes.count <= settings.maxDocumentBytes else {
                findings.append(Finding(code: "convert.too_large", detail: "\(name): \(bytes.count) bytes exceed max_document_bytes=\(settings.maxDocumentBytes); delivered unconverted",
                                        partPath: part.path))
                continue
            }
            let output: DocumentConverter.Output
            do {
                output = try await converter.convert(bytes, fileExtension: fileExtension)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                findings.append(Finding(code: "convert.failed", detail: "\(name): \(error); delivered unconverted", partPath: part.path))
                context.logger.warning("conversion failed", metadata: ["moat.id": "\(input.id)", "convert.part": "\(part.path)", "error.message": "\(error)"])
                continue
            }
            let stem = name.dropLast(fileExtension.count + 1)
            let converted = (stem.isEmpty ? "document" : String(stem)) + "." + output.kind.fileExtension
            let document = ReplacementPart.attachment(output.bytes, filename: converted, mediaType: output.kind.mediaType)
            let raw: String
            if settings.attachNote {
                let note = ConvertNote.text(settings.noteLanguage, original: name, converted: converted, kind: output.kind,
                                            keptOriginal: settings.keepOriginal, reference: input.id)
                let boundary = "moat-convert-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
                raw = ReplacementPart.mixed([ReplacementPart.note(note), document], boundary: boundary)
            } else {
                raw = document
            }
            replacements.append(PartReplacement(partPath: part.path, rawPart: Array(raw.utf8), reason: "\(name) converted to \(output.kind.label(.en))",
                                                keepsOriginal: settings.keepOriginal))
            findings.append(Finding(code: "convert.converted", detail: "\(name) delivered as \(converted) (\(output.bytes.count) bytes)", partPath: part.path))
        }
        return EngineReport(findings: findings, replacements: replacements)
    }

    public var status: [String: String] {
        [
            "to": settings.target.rawValue, "extensions": settings.extensions.sorted().joined(separator: ","),
            "isolate_network": "\(settings.isolateNetwork)", "concurrency": "\(settings.concurrency)",
            "keep_original": "\(settings.keepOriginal)",
        ]
    }
}
