import Foundation

/// Well-formed MIME messages for tests, assembled one way for every suite (issue 23: ten suites had
/// their own copy of the same multipart-with-base64 code). Hostile, malformed messages are built by
/// hand where a test needs them; this is for the ordinary carrier around what a test examines.
public enum TestMessage {
    /// One body part.
    public struct Part: Sendable {
        public var contentType: String
        /// The whole `Content-Disposition` value, if the part has one.
        public var disposition: String?
        /// More header lines (`Content-ID: <x>`), without line ends.
        public var headers: [String]
        public var bytes: [UInt8]
        /// Base64 (76-character lines), else the bytes as they are.
        public var base64: Bool

        public init(contentType: String, disposition: String? = nil, headers: [String] = [], bytes: [UInt8], base64: Bool = true) {
            self.contentType = contentType
            self.disposition = disposition
            self.headers = headers
            self.bytes = bytes
            self.base64 = base64
        }

        /// An attachment named `name` (in `Content-Type`'s `name` and the disposition's `filename`).
        public static func attachment(_ name: String, type: String = "application/octet-stream", bytes: [UInt8]) -> Part {
            Part(contentType: "\(type); name=\"\(name)\"", disposition: "attachment; filename=\"\(name)\"", bytes: bytes)
        }

        /// A text part, not encoded.
        public static func text(_ text: String, type: String = "text/plain") -> Part {
            Part(contentType: type, bytes: Array(text.utf8), base64: false)
        }
    }

    /// From, To and Subject.
    public static let defaultHeaders = ["From: a@example.org", "To: b@example.org", "Subject: test"]

    /// A `multipart/<subtype>` message of `parts`.
    public static func multipart(_ subtype: String = "mixed", headers: [String] = defaultHeaders, boundary: String = "moat-test-boundary",
                                 parts: [Part]) -> [UInt8] {
        var text = (headers + ["MIME-Version: 1.0", "Content-Type: multipart/\(subtype); boundary=\"\(boundary)\""]).joined(separator: "\r\n") + "\r\n\r\n"
        for part in parts {
            text += "--\(boundary)\r\nContent-Type: \(part.contentType)\r\n"
            if let disposition = part.disposition { text += "Content-Disposition: \(disposition)\r\n" }
            for header in part.headers { text += header + "\r\n" }
            if part.base64 {
                text += "Content-Transfer-Encoding: base64\r\n\r\n" + base64(part.bytes) + "\r\n"
            } else {
                text += "\r\n" + String(decoding: part.bytes, as: UTF8.self) + "\r\n"
            }
        }
        text += "--\(boundary)--\r\n"
        return Array(text.utf8)
    }

    /// A multipart/mixed message: a text part (part 1), then `attachments` (2, 3, …).
    public static func withAttachments(_ attachments: [Part], text: String = "See attached.", headers: [String] = defaultHeaders) -> [UInt8] {
        multipart(headers: headers, parts: [.text(text)] + attachments)
    }

    /// A message with one body part.
    public static func single(type: String = "text/plain; charset=utf-8", body: String, headers: [String] = defaultHeaders) -> [UInt8] {
        Array(((headers + ["MIME-Version: 1.0", "Content-Type: \(type)"]).joined(separator: "\r\n") + "\r\n\r\n\(body)\r\n").utf8)
    }

    /// Base64 in 76-character CRLF lines, as mail carries it.
    public static func base64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString(options: [.lineLength76Characters, .endLineWithCarriageReturn, .endLineWithLineFeed])
    }
}
