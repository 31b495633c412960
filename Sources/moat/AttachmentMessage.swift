import Foundation

/// A file delivered the way mail delivers it: one base64 attachment under a short text part.
///
/// Attachment benchmarks (documents, archives, images) measure engines on files, but engines only
/// ever see messages; wrapping keeps the MIME decoding the daemon would do inside the figure.
enum AttachmentMessage {
    /// The declared type mail clients would give a file with this extension.
    static func contentType(forExtension pathExtension: String) -> String {
        switch pathExtension.lowercased() {
        case "png": "image/png"
        case "jpg", "jpeg": "image/jpeg"
        case "gif": "image/gif"
        case "webp": "image/webp"
        case "pdf": "application/pdf"
        case "zip": "application/zip"
        case "doc", "dot": "application/msword"
        case "xls", "xlt": "application/vnd.ms-excel"
        case "ppt": "application/vnd.ms-powerpoint"
        case "docm": "application/vnd.ms-word.document.macroEnabled.12"
        case "xlsm": "application/vnd.ms-excel.sheet.macroEnabled.12"
        case "pptm": "application/vnd.ms-powerpoint.presentation.macroEnabled.12"
        case "rtf": "application/rtf"
        default: "application/octet-stream"
        }
    }

    static func wrap(path: String, bytes: [UInt8]) -> [UInt8] {
        let name = (path as NSString).lastPathComponent.replacingOccurrences(of: "\"", with: "_")
        let type = contentType(forExtension: (path as NSString).pathExtension)
        var head = "From: Bench <bench@moat.test>\r\nTo: user@moat.test\r\nSubject: attachment \(name)\r\n"
        head += "Date: Sun, 29 Nov 2026 10:00:00 +0000\r\nMessage-ID: <\(UUID().uuidString)@moat.test>\r\nMIME-Version: 1.0\r\n"
        head += "Content-Type: multipart/mixed; boundary=\"moat-bench\"\r\n\r\n--moat-bench\r\n"
        head += "Content-Type: text/plain; charset=utf-8\r\n\r\nPlease see the attached file.\r\n--moat-bench\r\n"
        head += "Content-Type: \(type); name=\"\(name)\"\r\nContent-Disposition: attachment; filename=\"\(name)\"\r\n"
        head += "Content-Transfer-Encoding: base64\r\n\r\n"
        let body = Data(bytes).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
        return Array((head + body + "\r\n--moat-bench--\r\n").utf8)
    }
}
