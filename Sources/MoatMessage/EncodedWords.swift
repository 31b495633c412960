/// RFC 2047 encoded-word decoding (`=?charset?B|Q?text?=`) for header text.
///
/// Decodes as lenient clients do: whitespace between adjacent encoded-words is dropped, adjacent
/// words in the same charset are joined at byte level before conversion (senders split multibyte
/// sequences across words), a language suffix (`utf-8*ja`) is ignored, over-long words are
/// accepted. Text outside words is read as UTF-8 if valid, else Latin-1. One linear pass.
public enum EncodedWords {
    /// `s` with every encoded-word decoded.
    public static func decode(_ s: [UInt8]) -> String {
        decodeReporting(s).text
    }

    /// Decoded text plus every charset label that had no converter.
    static func decodeReporting(_ s: [UInt8]) -> (text: String, unknownCharsets: [String]) {
        // Most values hold no "=?" at all; they are one plain segment, read as below.
        if !s.indices.dropLast().contains(where: { s[$0] == 0x3D && s[$0 + 1] == 0x3F }) {
            return (ByteText.utf8OrLatin1(s).text, [])
        }
        struct Segment {
            var charset: String?  // nil: plain text
            var bytes: [UInt8]
        }
        var segments: [Segment] = []
        var plainStart = 0
        var i = 0
        let n = s.count
        var skipUntil = 0  // candidates before this index cannot terminate (see below)
        while i + 1 < n {
            guard s[i] == 0x3D, s[i + 1] == 0x3F, i >= skipUntil else { i += 1; continue }  // "=?"
            switch parseWord(s, at: i) {
            case .word(let charset, let bytes, let end):
                if plainStart < i { segments.append(Segment(charset: nil, bytes: Array(s[plainStart..<i]))) }
                segments.append(Segment(charset: charset, bytes: bytes))
                i = end
                plainStart = end
            case .noTerminator(let stop):
                // No "?=" before `stop`: no later candidate before `stop` can end either.
                skipUntil = stop
                i += 2
            case .invalid:
                i += 2
            }
        }
        if plainStart < n { segments.append(Segment(charset: nil, bytes: Array(s[plainStart..<n]))) }

        // Drop whitespace-only text between two words; join adjacent same-charset words.
        var merged: [Segment] = []
        for (k, seg) in segments.enumerated() {
            if seg.charset == nil, k > 0, k + 1 < segments.count,
               segments[k - 1].charset != nil, segments[k + 1].charset != nil,
               seg.bytes.allSatisfy(ByteText.isWhitespace) {
                continue
            }
            if let cs = seg.charset, merged.last?.charset == cs {
                merged[merged.count - 1].bytes.append(contentsOf: seg.bytes)
                continue
            }
            merged.append(seg)
        }
        var text = ""
        var unknown: [String] = []
        for seg in merged {
            if let cs = seg.charset {
                let r = Charsets.decode(seg.bytes, charset: cs)
                if !r.known, !unknown.contains(cs) { unknown.append(cs) }
                text += r.text
            } else {
                text += ByteText.utf8OrLatin1(seg.bytes).text
            }
        }
        return (text, unknown)
    }

    private enum WordParse {
        case word(charset: String, bytes: [UInt8], end: Int)
        case noTerminator(stop: Int)
        case invalid
    }

    /// Parses an encoded-word starting at `start` ("=?").
    private static func parseWord(_ s: [UInt8], at start: Int) -> WordParse {
        let n = s.count
        var i = start + 2
        let csStart = i
        while i < n, s[i] != 0x3F, !ByteText.isWhitespace(s[i]), i - csStart <= 64 { i += 1 }
        guard i < n, s[i] == 0x3F, i > csStart, i + 2 < n, s[i + 2] == 0x3F else { return .invalid }
        var charset = String(decoding: s[csStart..<i], as: UTF8.self).lowercased()
        if let star = charset.firstIndex(of: "*") { charset = String(charset[..<star]) }
        let enc = s[i + 1] | 0x20
        guard enc == 0x62 || enc == 0x71 else { return .invalid }  // b, q
        let textStart = i + 3
        var j = textStart
        while j + 1 < n {
            if s[j] == 0x3F, s[j + 1] == 0x3D { break }
            if ByteText.isWhitespace(s[j]) { return .noTerminator(stop: j) }
            j += 1
        }
        guard j + 1 < n else { return .noTerminator(stop: n) }
        let payload = Array(s[textStart..<j])
        let bytes = enc == 0x62 ? Base64Decoder.decode(payload).bytes : decodeQ(payload)
        return .word(charset: charset, bytes: bytes, end: j + 2)
    }

    /// RFC 2047 "Q": quoted-printable where `_` is a space; malformed `=` stays literal.
    private static func decodeQ(_ t: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(t.count)
        var i = 0
        while i < t.count {
            let b = t[i]
            if b == 0x5F {
                out.append(0x20)
            } else if b == 0x3D, i + 2 < t.count, let h = ByteText.hexValue(t[i + 1]), let l = ByteText.hexValue(t[i + 2]) {
                out.append(h << 4 | l)
                i += 2
            } else {
                out.append(b)
            }
            i += 1
        }
        return out
    }
}
