/// A part's Content-Transfer-Encoding.
///
/// Values are matched case-insensitively; `x-uuencode` and friends map to `.uuencode`; anything
/// else is `.other` with the lowercased label, and the body is kept raw.
public enum TransferEncoding: Sendable, Hashable {
    case sevenBit, eightBit, binary, base64, quotedPrintable, uuencode
    case other(String)

    /// Reads a header value; `nil` or empty means 7bit (the RFC 2045 default).
    public init(label: String?) {
        let v = (label ?? "").trimmingASCIIWhitespace().lowercased()
        switch v {
        case "", "7bit": self = .sevenBit
        case "8bit": self = .eightBit
        case "binary": self = .binary
        case "base64": self = .base64
        case "quoted-printable": self = .quotedPrintable
        case "x-uuencode", "uuencode", "x-uue", "uue": self = .uuencode
        default: self = .other(v)
        }
    }

    /// True for 7bit, 8bit and binary, whose bodies are their own decoded form.
    public var isIdentity: Bool {
        switch self {
        case .sevenBit, .eightBit, .binary: return true
        default: return false
        }
    }

    /// True for base64, quoted-printable and uuencode, which must be decoded.
    public var isEncoding: Bool {
        switch self {
        case .base64, .quotedPrintable, .uuencode: return true
        default: return false
        }
    }
}
