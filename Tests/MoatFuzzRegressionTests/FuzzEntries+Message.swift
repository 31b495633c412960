@testable import MoatMessage

/// Entry points of the MoatMessage fuzz targets, shared by the libFuzzer harnesses in `Tests/Fuzz`
/// and the regression replay here, so a committed crash input is replayed through exactly the code
/// the fuzzer ran. Each entry touches every derived value so lazy work is exercised too.
enum MessageFuzzEntries {
    /// Whole-message parse, then every part's text, filename and decoded body.
    static func mime(_ data: [UInt8]) {
        let limits = MessageLimits()
        let message = Message(parsing: data, limits: limits)
        var sink = message.findings.count
        func walk(_ part: MessagePart) {
            sink &+= part.decoded.count &+ (part.text?.utf8.count ?? 0) &+ (part.filename?.utf8.count ?? 0)
            sink &+= part.headers.fields.count &+ part.preamble.count &+ part.epilogue.count
            for child in part.children { walk(child) }
        }
        walk(message.root)
        _ = message.part(at: "1.1")
        blackHole(sink)
    }

    /// RFC 2047 encoded words and RFC 2231 parameters (which share the charset converters).
    static func rfc2047(_ data: [UInt8]) {
        blackHole(EncodedWords.decodeReporting(data).text.utf8.count)
        let parameters = ParameterizedValue(parsing: data)
        blackHole(parameters)
    }

    /// Charset conversion: the first byte (mod the table) picks the charset, the rest is the text.
    static func charsets(_ data: [UInt8]) {
        guard let first = data.first else { return }
        let names = ["utf-8", "iso-8859-1", "windows-1252", "shift_jis", "euc-jp", "iso-2022-jp", "gb2312",
                     "gbk", "big5", "koi8-r", "utf-16", "utf-16le", "utf-7", "euc-kr", "iso-8859-8-i", "x-unknown", "us-ascii"]
        let name = names[Int(first) % names.count]
        blackHole(Charsets.decode(Array(data.dropFirst()), charset: name).text.utf8.count)
    }

    /// uuencode block discovery and decoding.
    static func uuencode(_ data: [UInt8]) {
        let blocks = data.withUnsafeBufferPointer { UUDecoder.blocks(in: $0, limit: 1 << 20) }
        blackHole(blocks.count)
    }

    /// Quoted-printable with a small output limit, then unlimited.
    static func quotedPrintable(_ data: [UInt8]) {
        blackHole(data.withUnsafeBufferPointer { QuotedPrintableDecoder.decode($0, limit: 64) })
        blackHole(QuotedPrintableDecoder.decode(data))
    }

    /// Base64 with a small output limit, then unlimited.
    static func base64(_ data: [UInt8]) {
        blackHole(data.withUnsafeBufferPointer { Base64Decoder.decode($0, limit: 64) })
        blackHole(Base64Decoder.decode(data))
    }

    /// Address-list headers (To, Cc) as the mis-send guards read them: every address must hold an
    /// `@` and stay within the length bound, however the input nests quotes, comments and brackets.
    static func addressList(_ data: [UInt8]) {
        let addresses = AddressList.addresses(String(decoding: data, as: UTF8.self), limit: 1000)
        for address in addresses {
            precondition(address.contains("@") && address.utf8.count <= AddressList.maxAddressLength)
        }
        blackHole(addresses.count)
    }
}
