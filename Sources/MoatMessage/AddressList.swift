/// The addresses of an address-list header (`To`, `Cc`: RFC 5322 3.4): display names, quoted
/// strings, comments and groups skipped, each `local@domain` once in order.
///
/// Lenient, as a gateway must be with what mail clients write: a part without an `@` is dropped,
/// never an error, and the work is linear in the value (no backtracking).
public enum AddressList {
    /// Addresses longer than this (RFC 5321's path limit) are dropped, not truncated.
    static let maxAddressLength = 256

    public static func addresses(_ value: String, limit: Int = 10_000) -> [String] {
        var result: [String] = []
        var seen = Set<String>()
        var current: [UInt8] = []   // the part outside quotes, comments and angle brackets
        var angle: [UInt8]? = nil   // the inside of the last <...> of the part
        var inAngle = false
        var inQuote = false
        var commentDepth = 0
        var escaped = false

        func finish() {
            defer { current.removeAll(keepingCapacity: true); angle = nil }
            guard result.count < limit else { return }
            let bytes = angle ?? current
            var text = String(decoding: bytes, as: UTF8.self).trimmingASCIIWhitespace()
            // A group's name ends at its colon ("Team: a@x, b@y;"); a route ("@a,@b:x@y") likewise.
            if angle == nil, let colon = text.lastIndex(of: ":") { text = String(text[text.index(after: colon)...]).trimmingASCIIWhitespace() }
            if angle != nil, let colon = text.lastIndex(of: ":") { text = String(text[text.index(after: colon)...]) }
            text = text.filter { $0 != " " && $0 != "\t" && $0 != "\r" && $0 != "\n" }
            guard text.utf8.count <= maxAddressLength, let at = text.lastIndex(of: "@"), at != text.startIndex,
                  text.index(after: at) != text.endIndex else { return }
            if seen.insert(text.lowercased()).inserted { result.append(text) }
        }

        for byte in value.utf8 {
            if escaped {
                escaped = false
                if inAngle { angle?.append(byte) } else if !inQuote && commentDepth == 0 { current.append(byte) }
                continue
            }
            if byte == UInt8(ascii: "\\") && (inQuote || commentDepth > 0) { escaped = true; continue }
            if inQuote {
                if byte == UInt8(ascii: "\"") { inQuote = false } else if inAngle { angle?.append(byte) }
                continue
            }
            if commentDepth > 0 {
                if byte == UInt8(ascii: "(") { commentDepth = min(commentDepth + 1, 1_000) }
                if byte == UInt8(ascii: ")") { commentDepth -= 1 }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inQuote = true
            case UInt8(ascii: "("):
                commentDepth = 1
            case UInt8(ascii: "<"):
                inAngle = true
                angle = []
            case UInt8(ascii: ">"):
                inAngle = false
            case UInt8(ascii: ","), UInt8(ascii: ";"):
                if inAngle { angle?.append(byte) } else { finish() }
            default:
                if inAngle {
                    if (angle?.count ?? 0) <= maxAddressLength { angle?.append(byte) }
                } else if current.count <= 4 * maxAddressLength {
                    current.append(byte)
                }
            }
        }
        finish()
        return result
    }
}
