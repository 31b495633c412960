import Logging
import MoatCore
import MoatMessage

/// HTML attachments made inert: a page a recipient opens from a mail can run scripts that build
/// a payload in the browser ("HTML smuggling"), post credentials through a form, or redirect.
/// By `mode`, reports what it holds, delivers it without (sanitised HTML, or its text), or asks
/// for the message to be refused. A base64 blob that decodes to a program or an archive is called
/// malware in every mode.
///
/// Only attachments (a filename or `Content-Disposition: attachment`) are rewritten: the HTML body
/// of a message is displayed by mail clients, which run no scripts.
public struct HTMLDisarmEngine: ScanEngine {
    public let settings: HTMLDisarmSettings

    public init(settings: HTMLDisarmSettings = HTMLDisarmSettings()) {
        self.settings = settings
    }

    public var status: [String: String] { ["mode": settings.mode.rawValue, "deliver": settings.deliver.rawValue] }

    static let extensions = [".html", ".htm", ".xhtml", ".shtml", ".hta", ".mht", ".mhtml"]

    static func isHTMLAttachment(_ part: MessagePart) -> Bool {
        guard part.isAttachment, !part.path.isEmpty else { return false }
        let type = part.contentType.essence
        let name = (part.filename ?? "").lowercased()
        return type == "text/html" || type == "application/xhtml+xml" || type == "application/hta" || extensions.contains { name.hasSuffix($0) }
    }

    public func scan(_ input: ScanInput, context: ScanContext) async throws -> EngineReport {
        var findings: [Finding] = []
        var replacements: [PartReplacement] = []
        var active = false
        var smuggled = false
        for part in input.message.leaves where Self.isHTMLAttachment(part) {
            guard part.decoded.count <= settings.maxDocumentBytes else {
                findings.append(Finding(code: "html.too_large", detail: "\(part.decoded.count) bytes exceed max_document_bytes; not inspected", partPath: part.path))
                continue
            }
            let bytes = part.decoded
            let (sanitized, removed, blobs, calls) = try await context.blocking.run {
                let result = HTMLSanitizer().sanitize(bytes)
                return (result.html, result.removed, HTMLSmuggling.blobs(in: bytes), HTMLSmuggling.downloadCalls(in: bytes))
            }
            var partFindings: [Finding] = []
            for kind in removed.order where !HTMLSanitizer.silentKinds.contains(kind) {
                partFindings.append(Finding(code: "html.\(kind)", detail: "\(Self.label(kind)): \(removed.counts[kind] ?? 0)", score: settings.scores[kind] ?? 0.5, partPath: part.path))
            }
            if !calls.isEmpty {
                partFindings.append(Finding(code: "html.blob_download", detail: "script hands data to the user as a file: " + calls.joined(separator: ", "),
                                            score: settings.scores["blob_download"] ?? 3, partPath: part.path))
            }
            guard !partFindings.isEmpty || !blobs.isEmpty else { continue }
            active = true
            let name = part.filename ?? "attachment.html"
            if settings.mode == .disarm {
                for i in partFindings.indices { partFindings[i].score *= settings.disarmedScoreFactor }
                let removedText = removed.order.filter { !HTMLSanitizer.silentKinds.contains($0) }.map { "\(Self.label($0)) (\(removed.counts[$0] ?? 0))" }
                let note = Self.note(settings.noteLanguage, name: name, removed: removedText, hiddenFile: !blobs.isEmpty,
                                     asText: settings.deliver == .text, reference: input.id)
                let body: [UInt8]
                let mediaType: String
                let newName: String
                switch settings.deliver {
                case .html:
                    body = sanitized
                    mediaType = "text/html" + (part.charset.map { "; charset=\($0)" } ?? "")
                    newName = name
                case .text:
                    body = HTMLText.visibleText(sanitized)
                    mediaType = "text/plain" + (part.charset.map { "; charset=\($0)" } ?? "")
                    newName = name + ".txt"
                }
                let document = ReplacementPart.attachment(body, filename: newName, mediaType: mediaType)
                let boundary = "moat-html-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
                let raw = settings.attachNote ? ReplacementPart.mixed([ReplacementPart.note(note), document], boundary: boundary) : document
                replacements.append(PartReplacement(partPath: part.path, rawPart: Array(raw.utf8), reason: "\(name) made inert"))
                partFindings.append(Finding(code: "html.disarmed", detail: "\(name) made inert (\(settings.deliver.rawValue))", partPath: part.path))
            }
            for blob in blobs {
                smuggled = true
                partFindings.append(Finding(code: "html.smuggling", detail: "a base64 blob of \(blob.length) characters decodes to \(blob.kind)",
                                            score: settings.scores["smuggling"] ?? 10, partPath: part.path))
            }
            context.logger.info("html attachment active content", metadata: [
                "moat.id": "\(input.id)", "html.part": "\(part.path)", "html.mode": "\(settings.mode.rawValue)", "html.smuggling": "\(!blobs.isEmpty)",
            ])
            findings += partFindings
        }
        let score = findings.reduce(0) { $0 + $1.score }
        if smuggled || (settings.mode == .reject && active) {
            return EngineReport(category: .malware, score: score + (settings.mode == .reject ? settings.rejectScore : 0), findings: findings,
                                replacements: settings.mode == .reject ? [] : replacements)
        }
        return EngineReport(category: score > 0 ? .suspicious : nil, score: score, findings: findings, replacements: replacements)
    }

    /// The note for the recipient: what was removed, and whether the page is delivered as inert
    /// HTML or as its text (in the language the gateway chose).
    static func note(_ language: NoteLanguage, name: String, removed: [String], hiddenFile: Bool, asText: Bool, reference: String) -> String {
        switch language {
        case .en:
            "The mail gateway made the attached page \(name) inert: it removed \(removed.isEmpty ? "nothing that runs" : removed.joined(separator: ", "))"
                + (hiddenFile ? ", and a file hidden inside it" : "")
                + (asText ? ". The page is delivered as its text only (\(name).txt)" : "")
                + ". Reference \(reference)."
        case .ja:
            "メールゲートウェイは、添付ページ「\(name)」を無害化しました。削除した内容: \(removed.isEmpty ? "実行される内容はありません" : removed.joined(separator: "、"))"
                + (hiddenFile ? "、およびページ内に隠されたファイル" : "")
                + (asText ? "。ページはテキストのみで配信しています（\(name).txt）" : "")
                + "。参照番号 \(reference)。"
        }
    }

    static func label(_ kind: String) -> String {
        switch kind {
        case "script": "scripts"
        case "event_handler": "event handlers"
        case "javascript_url": "javascript: links"
        case "data_url": "data: URLs"
        case "form": "forms"
        case "meta_refresh": "automatic redirects"
        case "embedded_object": "embedded frames and objects"
        case "base": "base URLs"
        default: kind.replacingOccurrences(of: "_", with: " ")
        }
    }
}

/// The visible text of (sanitised) HTML: tags dropped, block ends as line breaks, a few entities decoded.
enum HTMLText {
    static func visibleText(_ html: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var inTag = false
        var nameDone = false
        var tagName: [UInt8] = []
        var skipping = false
        for byte in html {
            if inTag {
                if byte == UInt8(ascii: ">") {
                    inTag = false
                    let name = String(decoding: tagName, as: UTF8.self).lowercased()
                    if ["style", "title"].contains(name) { skipping = true }
                    if ["/style", "/title"].contains(name) { skipping = false }
                    if ["br", "p", "/p", "div", "/div", "tr", "/tr", "li", "h1", "h2", "h3", "/h1", "/h2", "/h3", "/table"].contains(name) { out.append(0x0A) }
                } else if !nameDone, tagName.count < 16, byte != 0x20, !(byte == UInt8(ascii: "/") && !tagName.isEmpty) {
                    tagName.append(byte)   // the name: up to a space, a self-closing slash or 16 bytes
                } else {
                    nameDone = true
                }
                continue
            }
            if byte == UInt8(ascii: "<") { inTag = true; nameDone = false; tagName = []; continue }
            if !skipping { out.append(byte) }
        }
        let text = HTMLSanitizer.decodeEntities(String(decoding: out, as: UTF8.self))
            .replacingOccurrences(of: "&nbsp;", with: " ")
        return Array(text.utf8)
    }
}
