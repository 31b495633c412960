/// Small byte-level text routines shared by the header, parameter and body decoders (and, for hex
/// digits, the spam engine's reading of rule patterns).
public enum ByteText {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09

    @inline(__always)
    static func isWSP(_ b: UInt8) -> Bool { b == space || b == tab }

    @inline(__always)
    static func isWhitespace(_ b: UInt8) -> Bool { b == space || b == tab || b == cr || b == lf }

    /// `range` of `bytes` without leading/trailing spaces, tabs, CR, LF.
    static func trimmedRange(_ bytes: [UInt8], _ range: Range<Int>) -> Range<Int> {
        var lo = range.lowerBound
        var hi = range.upperBound
        while lo < hi, isWhitespace(bytes[lo]) { lo += 1 }
        while hi > lo, isWhitespace(bytes[hi - 1]) { hi -= 1 }
        return lo..<hi
    }

    /// `bytes` without leading/trailing whitespace.
    static func trimmed(_ bytes: [UInt8]) -> [UInt8] {
        let r = trimmedRange(bytes, 0..<bytes.count)
        return r.count == bytes.count ? bytes : Array(bytes[r])
    }

    /// Value of an ASCII hex digit, or nil.
    @inline(__always)
    public static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }

    /// True if every byte is below 0x80.
    static func isASCII(_ bytes: [UInt8]) -> Bool {
        for b in bytes where b >= 0x80 { return false }
        return true
    }

    /// Latin-1 reading: every byte is the code point of the same value.
    ///
    /// Encodes to UTF-8 on bytes (one below 0x80, two above): appending scalar by scalar to a
    /// `String` cost 1.5 % of a whole pipeline scan on Latin-1 mail.
    static func latin1(_ bytes: [UInt8]) -> String {
        var utf8: [UInt8] = []
        utf8.reserveCapacity(bytes.count + bytes.count / 4)
        for b in bytes { utf8.appendUTF8(Unicode.Scalar(b)) }
        return String(decoding: utf8, as: UTF8.self)
    }

    /// True if `bytes` is well-formed UTF-8.
    static func isValidUTF8(_ bytes: [UInt8]) -> Bool {
        var it = bytes.makeIterator()
        var codec = UTF8()
        while true {
            switch codec.decode(&it) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    /// Header-text reading: ASCII or valid UTF-8 as UTF-8, otherwise Latin-1 (RFC 6532, then legacy).
    static func utf8OrLatin1(_ bytes: [UInt8]) -> (text: String, isUTF8: Bool) {
        if isASCII(bytes) || isValidUTF8(bytes) {
            return (String(decoding: bytes, as: UTF8.self), true)
        }
        return (latin1(bytes), false)
    }

    /// ASCII-lowercased copy.
    static func lowercased(_ bytes: [UInt8]) -> [UInt8] {
        bytes.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }
    }
}
