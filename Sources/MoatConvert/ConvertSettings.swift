import Foundation
import MoatCore

/// The options of a `convert` manifest: which attachments are delivered converted, to what, and
/// how LibreOffice is run.
///
/// | key | default | meaning |
/// |---|---|---|
/// | `extensions` | Word, Excel, PowerPoint and OpenDocument types | attachments (by file name) to convert; `pdf` too when `to = "text"`; pictures (`png`, `jpg`, `jpeg`, `gif`, `bmp`, `tif`, `tiff`) are re-encoded by netpbm (decoded to pixels, encoded anew: JPEG stays JPEG, the others become PNG) |
/// | `to` | `"pdf"` | `"pdf"`, or `"text"` (documents as UTF-8 text, workbooks as CSV of the first sheet, PDFs through `pdftotext`; presentations stay PDF) |
/// | `soffice` | `/usr/bin/soffice` | LibreOffice |
/// | `pdftotext` | `/usr/bin/pdftotext` | poppler's text extractor, for PDFs when `to = "text"` |
/// | `isolate_network` | `true` | run each conversion in its own network namespace (`unshare --net`): no network at all |
/// | `concurrency` | `1` | conversions at once; each has its own LibreOffice profile and runs one document at a time |
/// | `timeout_ms` | `60000` | a conversion still running then is killed with everything it started |
/// | `max_document_bytes` | `33554432` | larger attachments are delivered as they are, with a `convert.too_large` finding |
/// | `keep_original` | `true` | keep the message as received in quarantine, so an operator can release the original |
/// | `attach_note` | `true` | put a note next to the converted file saying what happened |
/// | `note_language` | `"en"` | `"en"` or `"ja"` |
/// | `work_directory` | system temp + `/moat-convert-<pid>` | where documents and profiles are written |
public struct ConvertSettings: Sendable, Hashable {
    public enum Target: String, Sendable, Hashable, CaseIterable {
        case pdf
        case text
    }

    /// Word, Excel, PowerPoint and OpenDocument files and RTF: converted by default.
    public static let officeExtensions = DocumentConverter.Family.text.extensions
        .union(DocumentConverter.Family.spreadsheet.extensions).union(DocumentConverter.Family.presentation.extensions)

    /// Pictures, re-encoded when listed in `extensions` (not by default).
    public static let imageExtensions = DocumentConverter.Family.image.extensions

    public var extensions = Self.officeExtensions
    public var target = Target.pdf
    public var soffice = "/usr/bin/soffice"
    public var pdftotext = "/usr/bin/pdftotext"
    public var isolateNetwork = true
    public var concurrency = 1
    public var timeout: Duration = .seconds(60)
    public var maxDocumentBytes = 32 << 20
    public var keepOriginal = true
    public var attachNote = true
    public var noteLanguage = NoteLanguage.en
    public var workDirectory = FileManager.default.temporaryDirectory.path + "/moat-convert-\(ProcessInfo.processInfo.processIdentifier)"

    /// util-linux's `unshare`, for `isolate_network`.
    static let unshare = "/usr/bin/unshare"

    public init() {}

    public init(options: [String: ConfigValue], context: EngineBuildContext) throws(ConfigurationError) {
        let reader = EngineOptions(options, context: context)
        try reader.rejectUnknown([
            "extensions", "to", "soffice", "pdftotext", "isolate_network", "concurrency", "timeout_ms", "max_document_bytes",
            "keep_original", "attach_note", "note_language", "work_directory",
        ])
        if let list = try reader.strings("extensions") {
            let known = DocumentConverter.Family.allCases.reduce(into: Set<String>()) { $0.formUnion($1.extensions) }
            let lowered = list.map { $0.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: ".")) }
            if let unknown = lowered.first(where: { !known.contains($0) }) {
                throw context.invalid("extensions", "\"\(unknown)\" is not a type LibreOffice converts here (known: \(known.sorted().joined(separator: ", ")))")
            }
            extensions = Set(lowered)
        }
        target = try reader.choice("to", Target.self) ?? target
        if extensions.contains("pdf") && target == .pdf {
            throw context.invalid("extensions", "\"pdf\" converts only to text (to = \"text\"); the pdf engine disarms PDFs")
        }
        soffice = try reader.path("soffice") ?? soffice
        pdftotext = try reader.path("pdftotext") ?? pdftotext
        isolateNetwork = try reader.bool("isolate_network") ?? isolateNetwork
        concurrency = try reader.integer("concurrency", in: 1...64) ?? concurrency
        timeout = .milliseconds(try reader.integer("timeout_ms", in: 1_000...3_600_000) ?? timeout.wholeMilliseconds)
        maxDocumentBytes = try reader.size("max_document_bytes") ?? maxDocumentBytes
        keepOriginal = try reader.bool("keep_original") ?? keepOriginal
        attachNote = try reader.bool("attach_note") ?? attachNote
        noteLanguage = try reader.choice("note_language", NoteLanguage.self) ?? noteLanguage
        workDirectory = try reader.path("work_directory") ?? workDirectory
    }
}
