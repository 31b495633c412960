import CQPDFShim

/// What qpdf found in one PDF: active content by kind, and whether the file could be read at all.
public struct PDFInspection: Sendable {
    /// Counts by kind, in report order; `uri` links are counted but are not active content here.
    public var counts: [(kind: PDFActiveContent, count: Int)]
    public var encrypted: Bool
    /// The empty user password does not open it: nothing inside can be inspected.
    public var needsPassword: Bool
    /// Pages (nil when the page tree is unreadable).
    public var pages: Int?
    /// Problems qpdf recovered from (a damaged file it repaired).
    public var warnings: Int
    public var objects: Int
    /// qpdf's reason when it could not read the file.
    public var failure: String?

    public var hasActiveContent: Bool { counts.contains { $0.kind.isActive && $0.count > 0 } }

    public func count(_ kind: PDFActiveContent) -> Int { counts.first { $0.kind == kind }?.count ?? 0 }

    init(report: moat_pdf_report, failure: String?) {
        counts = [
            (.javascript, Int(report.javascript)), (.openAction, Int(report.open_action)),
            (.additionalActions, Int(report.additional_actions)), (.launch, Int(report.launch)),
            (.submitForm, Int(report.submit_form)), (.importData, Int(report.import_data)),
            (.embeddedFile, Int(report.embedded_files)), (.fileAttachment, Int(report.file_attachments)),
            (.richMedia, Int(report.rich_media)), (.xfa, Int(report.xfa)), (.remoteGoTo, Int(report.remote_goto)),
            (.uri, Int(report.uri_actions)),
        ]
        encrypted = report.encrypted != 0
        needsPassword = report.needs_password != 0
        pages = report.pages >= 0 && failure == nil ? Int(report.pages) : nil
        warnings = Int(report.warnings)
        objects = Int(report.objects)
        self.failure = failure
    }
}

/// The kinds of PDF content that act when a reader opens the document.
public enum PDFActiveContent: String, Sendable, Hashable, CaseIterable {
    case javascript
    case openAction = "open_action"
    case additionalActions = "additional_actions"
    case launch
    case submitForm = "submit_form"
    case importData = "import_data"
    case embeddedFile = "embedded_file"
    case fileAttachment = "file_attachment"
    case richMedia = "rich_media"
    case xfa
    case remoteGoTo = "remote_goto"
    case uri

    /// Links are left to the url engine; everything else is removed when disarming.
    public var isActive: Bool { self != .uri }

    public var label: String {
        switch self {
        case .javascript: "JavaScript"
        case .openAction: "an action run on opening"
        case .additionalActions: "trigger actions (/AA)"
        case .launch: "launch actions (run a program or open a file)"
        case .submitForm: "form submission to another address"
        case .importData: "data import actions"
        case .embeddedFile: "embedded files"
        case .fileAttachment: "file attachment annotations"
        case .richMedia: "rich media (Flash, video with scripts)"
        case .xfa: "an XFA form"
        case .remoteGoTo: "links that open other documents"
        case .uri: "web links"
        }
    }
}

/// The qpdf calls, synchronous: run them on the blocking pool.
public struct PDFDisarmer: Sendable {
    public var maxObjects: Int

    public init(maxObjects: Int = 200_000) {
        self.maxObjects = maxObjects
    }

    /// Counts the active content of `bytes` and, when `disarm` is set and there is some, returns
    /// the document without it (nil when nothing was removed or the file could not be read).
    public func inspect(_ bytes: [UInt8], disarm: Bool) -> (inspection: PDFInspection, disarmed: [UInt8]?) {
        var report = moat_pdf_report()
        var out: UnsafeMutablePointer<UInt8>?
        var outSize = 0
        var error = [CChar](repeating: 0, count: 512)
        let status = bytes.withUnsafeBufferPointer { buffer in
            moat_pdf_inspect(buffer.baseAddress, buffer.count, disarm ? 1 : 0, maxObjects, &report, &out, &outSize, &error, error.count)
        }
        defer { moat_pdf_free(out) }
        guard status == 0 else {
            let text = String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            return (PDFInspection(report: report, failure: text.isEmpty ? "qpdf could not read the file" : text), nil)
        }
        let disarmed = out.map { Array(UnsafeBufferPointer(start: $0, count: outSize)) }
        return (PDFInspection(report: report, failure: nil), disarmed)
    }

    /// Whether `bytes` is a PDF: `%PDF-` within the first 1,024 bytes (readers accept junk before it).
    public static func isPDF(_ bytes: [UInt8]) -> Bool {
        let window = bytes.prefix(1024)
        let marker: [UInt8] = Array("%PDF-".utf8)
        guard window.count >= marker.count else { return false }
        var index = window.startIndex
        while index <= window.endIndex - marker.count {
            if window[index] == marker[0], window[index..<(index + marker.count)].elementsEqual(marker) { return true }
            index += 1
        }
        return false
    }
}
