import MoatMessage

/// One thing handed to an external scanner: the whole message or one attachment.
struct ScanSubject: Sendable {
    /// `""` for the whole message, else the MIME part path.
    var partPath: String
    var bytes: [UInt8]
    var filename: String?
    var contentType: String

    /// What `mode` selects: `"message"` (the raw message) or `"attachments"` (each decoded attachment).
    static func subjects(of message: Message, attachmentsOnly: Bool) -> [ScanSubject] {
        guard attachmentsOnly else {
            return [ScanSubject(partPath: "", bytes: message.raw, filename: nil, contentType: "message/rfc822")]
        }
        return message.leaves.filter(\.isAttachment).map { part in
            ScanSubject(partPath: part.path, bytes: part.decoded, filename: part.filename, contentType: part.contentType.essence)
        }
    }
}
