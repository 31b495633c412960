import Foundation

/// Builds the raw MIME part that replaces a disarmed attachment, for every engine that disarms
/// (macros, PDF active content).
///
/// Output follows the `PartReplacement` contract: header lines, a blank line, the body in
/// base64 lines of 76 characters joined by CRLF, and no trailing CRLF.
public enum ReplacementPart {
    /// A base64 attachment part.
    public static func attachment(_ bytes: [UInt8], filename: String, mediaType: String) -> String {
        "Content-Type: \(mediaType);\(parameter("name", filename))\r\n"
            + "Content-Disposition: attachment;\(parameter("filename", filename))\r\n"
            + "Content-Transfer-Encoding: base64\r\n\r\n" + base64Lines(bytes)
    }

    /// The note as an inline UTF-8 text part (base64, so any language survives any MTA).
    public static func note(_ text: String) -> String {
        "Content-Type: text/plain; charset=utf-8\r\nContent-Disposition: inline\r\n"
            + "Content-Transfer-Encoding: base64\r\n\r\n" + base64Lines(Array(text.utf8))
    }

    /// A `multipart/mixed` part holding `parts` (each without trailing CRLF).
    public static func mixed(_ parts: [String], boundary: String) -> String {
        var out = "Content-Type: multipart/mixed; boundary=\"\(boundary)\"\r\n\r\n"
        for p in parts { out += "--\(boundary)\r\n\(p)\r\n" }
        return out + "--\(boundary)--"
    }

    /// ` key="value"`, or RFC 2231 ` key*=utf-8''...` when the value is not plain ASCII.
    public static func parameter(_ key: String, _ value: String) -> String {
        let plain = value.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F }
        if plain {
            let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            return " \(key)=\"\(escaped)\""
        }
        var encoded = ""
        for byte in value.utf8 {
            let safe = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2E || byte == 0x2D || byte == 0x5F
            encoded += safe ? String(UnicodeScalar(byte)) : "%" + String(byte, radix: 16, uppercase: true).leftPadded(2)
        }
        return "\r\n \(key)*=utf-8''\(encoded)"
    }

    public static func base64Lines(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 4 / 3 + bytes.count / 38 + 8)
        var column = 0
        var i = 0
        while i < bytes.count {
            let b0 = bytes[i], b1 = i + 1 < bytes.count ? bytes[i + 1] : 0, b2 = i + 2 < bytes.count ? bytes[i + 2] : 0
            if column == 76 { out += [0x0D, 0x0A]; column = 0 }
            out.append(alphabet[Int(b0 >> 2)])
            out.append(alphabet[Int((b0 & 0x03) << 4 | b1 >> 4)])
            out.append(i + 1 < bytes.count ? alphabet[Int((b1 & 0x0F) << 2 | b2 >> 6)] : 0x3D)
            out.append(i + 2 < bytes.count ? alphabet[Int(b2 & 0x3F)] : 0x3D)
            column += 4
            i += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
