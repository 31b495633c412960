import MoatMessage

/// A quarantined message as text an operator can read safely: a few header fields decoded, each
/// text part's text, HTML as its source (escaped by the template: no element of the message is
/// ever rendered, so nothing is fetched and no script runs), attachments named only.
struct MessagePreview: Sendable {
    struct Part: Sendable {
        var label: String
        var text: String
    }

    var headers: String
    var parts: [Part]

    static let shownHeaders = ["From", "Sender", "Reply-To", "To", "Cc", "Subject", "Date", "Message-ID"]

    init(raw: [UInt8], limits: MessageLimits, maxPartCharacters: Int = 65_536, maxParts: Int = 20, htmlLabel: String, notShown: (Int) -> String) {
        let message = Message(parsing: raw, limits: limits)
        headers = Self.shownHeaders.flatMap { name in
            message.headers.all(name).map { "\(name): \(EncodedWords.decode($0.rawValue))" }
        }.joined(separator: "\n")
        var parts: [Part] = []
        for part in message.leaves.prefix(maxParts) {
            let path = part.path.isEmpty ? "1" : part.path
            let type = part.contentType.essence
            if part.contentType.type == "text", !part.isAttachment, let text = part.text {
                let label = part.contentType.subtype == "html" ? "\(path) · \(htmlLabel)" : "\(path) · \(type)"
                var shown = String(text.prefix(maxPartCharacters))
                if shown.count < text.count { shown += "\n…" }
                parts.append(Part(label: label, text: shown))
            } else {
                let name = part.filename.map { " \"\($0)\"" } ?? ""
                parts.append(Part(label: "\(path) · \(type)\(name)", text: "[\(notShown(part.decoded.count))]"))
            }
        }
        self.parts = parts
    }
}
