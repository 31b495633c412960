import Foundation
@testable import MoatMessage

/// Builders for hostile test messages, so no binary fixtures are needed.
enum TestMail {
    /// UTF-8 bytes of `s` with "\n" turned into CRLF.
    static func crlf(_ s: String) -> [UInt8] {
        Array(s.replacingOccurrences(of: "\n", with: "\r\n").utf8)
    }

    /// A multipart/mixed message with the given raw part texts (headers + blank line + body).
    static func multipart(boundary: String = "BOUNDARY", parts: [String], close: Bool = true, extraHeaders: String = "") -> [UInt8] {
        var s = "From: a@example.com\nSubject: test\n\(extraHeaders)MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"\(boundary)\"\n\npreamble\n"
        for p in parts { s += "--\(boundary)\n\(p)\n" }
        if close { s += "--\(boundary)--\nepilogue\n" }
        return crlf(s)
    }

    /// `depth` nested multipart/mixed levels with one text leaf at the bottom.
    static func nested(depth: Int) -> [UInt8] {
        var body = "Content-Type: text/plain\n\nbottom"
        for level in stride(from: depth, through: 1, by: -1) {
            let b = "b\(level)"
            body = "Content-Type: multipart/mixed; boundary=\"\(b)\"\n\n--\(b)\n\(body)\n--\(b)--"
        }
        return crlf("From: a@example.com\n" + body + "\n")
    }

    /// Percent-encodes every byte (RFC 2231 style).
    static func percent(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%%%02X", $0) }.joined()
    }

    /// Bytes of `s` in `encoding`.
    static func encode(_ s: String, _ encoding: String.Encoding) -> [UInt8] {
        Array(s.data(using: encoding) ?? Data())
    }

    static func codes(_ m: Message) -> [String] { m.findings.map(\.code) }
}
