/// Finds link targets in a PDF: `/URI (...)` and `/URI <hex>` in link annotations and URI
/// actions, in the file's own bytes and inside `FlateDecode` streams (object streams hold the
/// annotations of most PDFs written since 1.5).
///
/// Not a PDF parser: a byte scan for the `/URI` key and the `stream ... endstream` ranges.
/// Encrypted PDFs (`/Encrypt` in the trailer) have encrypted strings and streams; they are
/// reported as such and not decoded.
struct PDFLinkScanner {
    struct Result {
        var uris: [String] = []
        var encrypted = false
        var streamsInflated = 0
        /// Streams skipped because the inflate budget ran out.
        var streamsSkipped = 0
    }

    /// Link targets in `pdf`, inflating at most `inflateBudget` bytes in total.
    static func scan(_ pdf: [UInt8], limit: Int, inflateBudget: Int) -> Result {
        var result = Result()
        result.encrypted = contains(pdf[...], "/Encrypt")
        collectURIs(pdf[...], into: &result.uris, limit: limit)
        guard !result.encrypted else { return result }
        var budget = inflateBudget
        var position = 0
        let keyword = Array("stream".utf8)
        while let found = index(of: keyword, in: pdf, from: position) {
            position = found + keyword.count
            // `endstream` also contains "stream"; a stream keyword is followed by EOL.
            if found >= 3, pdf[(found - 3)..<found].elementsEqual("end".utf8) { continue }
            var dataStart = position
            if dataStart < pdf.count, pdf[dataStart] == 0x0D { dataStart += 1 }
            if dataStart < pdf.count, pdf[dataStart] == 0x0A { dataStart += 1 }
            guard dataStart > position else { continue }
            let dictionaryStart = max(0, found - 512)
            let dictionary = pdf[dictionaryStart..<found]
            guard contains(dictionary, "FlateDecode"), let end = index(of: Array("endstream".utf8), in: pdf, from: dataStart) else { continue }
            position = end
            guard budget > 0 else { result.streamsSkipped += 1; continue }
            guard let inflated = Inflater.inflate(pdf[dataStart..<end], limit: budget) else { continue }
            budget -= inflated.count
            result.streamsInflated += 1
            collectURIs(inflated[...], into: &result.uris, limit: limit)
        }
        return result
    }

    private static func collectURIs(_ bytes: ArraySlice<UInt8>, into uris: inout [String], limit: Int) {
        let key = Array("/URI".utf8)
        var i = bytes.startIndex
        while uris.count < limit, let found = index(of: key, in: bytes, from: i) {
            var j = found + key.count
            i = j
            while j < bytes.endIndex, isSpace(bytes[j]) { j += 1 }
            guard j < bytes.endIndex else { break }
            if bytes[j] == UInt8(ascii: "(") {
                let (value, end) = literalString(bytes, from: j + 1)
                i = end
                if !value.isEmpty { uris.append(String(decoding: value, as: UTF8.self)) }
            } else if bytes[j] == UInt8(ascii: "<"), j + 1 < bytes.endIndex, bytes[j + 1] != UInt8(ascii: "<") {
                var digits: [UInt8] = []
                var k = j + 1
                while k < bytes.endIndex, bytes[k] != UInt8(ascii: ">"), digits.count < 16_384 {
                    if let value = URLNormalizer.hexValue(bytes[k]) { digits.append(value) }
                    k += 1
                }
                if digits.count % 2 == 1 { digits.append(0) }
                let value = stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
                i = k
                if !value.isEmpty { uris.append(String(decoding: value, as: UTF8.self)) }
            }
        }
    }

    /// A PDF literal string from just after `(`: balanced parentheses, backslash escapes.
    private static func literalString(_ bytes: ArraySlice<UInt8>, from start: Int) -> ([UInt8], Int) {
        var out: [UInt8] = []
        var depth = 1
        var i = start
        while i < bytes.endIndex, out.count < 16_384 {
            let b = bytes[i]
            if b == UInt8(ascii: "\\"), i + 1 < bytes.endIndex {
                let e = bytes[i + 1]
                i += 2
                switch e {
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case 0x0D, 0x0A: if e == 0x0D, i < bytes.endIndex, bytes[i] == 0x0A { i += 1 }
                case UInt8(ascii: "0")...UInt8(ascii: "7"):
                    var value = Int(e - UInt8(ascii: "0"))
                    var count = 1
                    while count < 3, i < bytes.endIndex, bytes[i] >= UInt8(ascii: "0"), bytes[i] <= UInt8(ascii: "7") {
                        value = value * 8 + Int(bytes[i] - UInt8(ascii: "0"))
                        i += 1
                        count += 1
                    }
                    out.append(UInt8(value & 0xFF))
                default: out.append(e)
                }
                continue
            }
            if b == UInt8(ascii: "(") { depth += 1 }
            if b == UInt8(ascii: ")") {
                depth -= 1
                if depth == 0 { return (out, i + 1) }
            }
            out.append(b)
            i += 1
        }
        return (out, i)
    }

    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0C || b == 0 }

    private static func contains(_ bytes: ArraySlice<UInt8>, _ text: String) -> Bool {
        index(of: Array(text.utf8), in: bytes, from: bytes.startIndex) != nil
    }

    /// First index of `needle` in `bytes` at or after `from`.
    static func index(of needle: [UInt8], in bytes: ArraySlice<UInt8>, from: Int) -> Int? {
        guard let first = needle.first else { return nil }
        var i = from
        while i + needle.count <= bytes.endIndex {
            guard let candidate = bytes[i..<bytes.endIndex].firstIndex(of: first) else { return nil }
            guard candidate + needle.count <= bytes.endIndex else { return nil }
            if bytes[candidate..<(candidate + needle.count)].elementsEqual(needle) { return candidate }
            i = candidate + 1
        }
        return nil
    }

    static func index(of needle: [UInt8], in bytes: [UInt8], from: Int) -> Int? {
        index(of: needle, in: bytes[...], from: from)
    }
}
