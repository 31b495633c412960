import Foundation

/// Converts bytes in a MIME charset to a String, never failing.
///
/// Label aliases are mapped first (`x-sjis`, `cp932` → Shift_JIS family; `x-euc-jp` → EUC-JP).
/// UTF-8 is repaired with U+FFFD; US-ASCII text carrying 8-bit bytes is read as UTF-8 if valid,
/// else Latin-1; ISO-2022-JP and the Shift_JIS family use Foundation (which accepts the CP932 and
/// `ESC ( I` forms glibc rejects); EUC-JP uses iconv `EUC-JP-MS`; other labels go to iconv.
/// Unknown labels fall back to Latin-1 with `known == false` so matching still sees the bytes.
public enum Charsets {
    enum Converter: Equatable {
        case utf8, ascii, latin1, shiftJIS, iso2022JP, iconv(String)
    }

    /// Maps a label to its converter; nil if the label cannot be a charset name.
    static func converter(for charset: String?) -> Converter? {
        guard let charset else { return .ascii }
        var label = charset.trimmingASCIIWhitespace().lowercased()
        if label.count >= 2, label.hasPrefix("\""), label.hasSuffix("\"") {
            label = String(label.dropFirst().dropLast())
        }
        if label.isEmpty { return .ascii }
        guard label.count <= 40, label.utf8.allSatisfy({
            (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x2D || $0 == 0x5F || $0 == 0x2E || $0 == 0x3A
        }) else { return nil }
        switch label {
        case "utf-8", "utf8", "unicode-1-1-utf-8", "x-unicode20utf8", "unicode-2-0-utf-8":
            return .utf8
        case "us-ascii", "ascii", "ansi_x3.4-1968", "ansi-x3.4-1968", "ansi_x3.4-1986", "iso-ir-6", "iso646-us", "us", "cp367", "ibm367", "csascii", "default", "unknown-8bit", "x-unknown":
            return .ascii
        case "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "l1", "cp819", "ibm819", "iso-ir-100", "csisolatin1", "iso_8859-1:1987":
            return .latin1
        case "shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji", "windows-31j", "cp932", "ms932", "csshiftjis", "x-ms-cp932":
            return .shiftJIS
        case "iso-2022-jp", "csiso2022jp", "iso2022jp", "iso-2022-jp-1":
            return .iso2022JP
        case "euc-jp", "x-euc-jp", "eucjp", "cseucpkdfmtjapanese", "x-euc", "euc-jp-ms":
            return .iconv("EUC-JP-MS")
        case "gb2312", "csgb2312", "gbk", "x-gbk", "cp936", "euc-cn", "x-euc-cn":
            return .iconv("GB18030")
        case "ks_c_5601-1987", "ks_c_5601", "ksc5601", "euc-kr", "x-windows-949", "cp949":
            return .iconv("CP949")
        case "big5", "x-big5", "csbig5", "cn-big5":
            return .iconv("BIG5-HKSCS")
        case "windows-874", "tis-620", "iso-8859-11":
            return .iconv("CP874")
        default:
            if label.hasPrefix("windows-125"), label.count == 12 { return .iconv("CP125" + label.suffix(1)) }
            if label.hasPrefix("cp125"), label.count == 6 { return .iconv("CP125" + label.suffix(1)) }
            return .iconv(label.uppercased())
        }
    }

    /// True if `charset` names a charset this type can convert.
    public static func isKnown(_ charset: String?) -> Bool {
        guard let converter = converter(for: charset) else { return false }
        if case .iconv(let name) = converter { return IconvConverter.supports(name) }
        return true
    }

    /// `bytes` read in `charset` (nil = unlabelled: UTF-8 if valid, else Latin-1).
    ///
    /// Never fails: invalid sequences become U+FFFD; an unknown charset gives the Latin-1 reading
    /// and `known == false`.
    public static func decode(_ bytes: [UInt8], charset: String?) -> (text: String, known: Bool) {
        guard let converter = converter(for: charset) else { return (ByteText.latin1(bytes), false) }
        switch converter {
        case .utf8:
            return (String(decoding: bytes, as: UTF8.self), true)
        case .ascii:
            return (ByteText.utf8OrLatin1(bytes).text, true)
        case .latin1:
            return (ByteText.latin1(bytes), true)
        case .shiftJIS:
            if let s = String(data: Data(bytes), encoding: .shiftJIS) { return (s, true) }
            return (IconvConverter.decode(bytes, from: "CP932") ?? ByteText.latin1(bytes), true)
        case .iso2022JP:
            if ByteText.isASCII(bytes), let s = String(data: Data(bytes), encoding: .iso2022JP) { return (s, true) }
            return (IconvConverter.decode(bytes, from: "ISO-2022-JP-3") ?? ByteText.latin1(bytes), true)
        case .iconv(let name):
            if let s = IconvConverter.decode(bytes, from: name) { return (s, true) }
            return (ByteText.latin1(bytes), false)
        }
    }
}
