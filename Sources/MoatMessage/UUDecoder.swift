/// Finds and decodes uuencoded blocks (`begin <octal mode> <name>` … `end`) in text.
///
/// Lenient like the classic decoders: the length character governs each line, backquote is zero,
/// a block missing its `end` runs to the first non-uuencode line and is marked malformed.
struct UUDecoder {
    /// One block found in the input.
    struct Block {
        /// From the start of the `begin` line to the end of the `end` line (or last data line).
        var range: Range<Int>
        var filename: String
        var bytes: [UInt8]
        var malformed: Bool
        var truncated: Bool
    }

    private static let begin = Array("begin ".utf8)

    /// Every block in `input`, decoding at most `limit` bytes in total.
    static func blocks(in input: UnsafeBufferPointer<UInt8>, limit: Int) -> [Block] {
        var found: [Block] = []
        var budget = limit
        var lineStart = 0
        let n = input.count
        while lineStart < n {
            let lineEnd = ByteScan.lineEnd(input, from: lineStart, to: n)
            if let (name, _) = beginLine(input, lineStart, lineEnd) {
                var block = decodeBody(input, from: ByteScan.nextLine(input, lineEnd, n), budget: budget)
                block.range = lineStart..<block.range.upperBound
                block.filename = name
                budget -= block.bytes.count
                found.append(block)
                lineStart = max(block.range.upperBound, ByteScan.nextLine(input, lineEnd, n))
                continue
            }
            lineStart = ByteScan.nextLine(input, lineEnd, n)
        }
        return found
    }

    /// If the line is `begin NNN name`, the name and mode.
    private static func beginLine(_ input: UnsafeBufferPointer<UInt8>, _ s: Int, _ e: Int) -> (String, Int)? {
        guard e - s > begin.count + 4 else { return nil }
        for k in 0..<begin.count where input[s + k] != begin[k] { return nil }
        var i = s + begin.count
        var mode = 0
        var digits = 0
        while i < e, (0x30...0x37).contains(input[i]) {
            // Wrapping: a run of octal digits of any length must not overflow; the mode is only
            // used when there are 3 or 4 digits, where it is exact.
            mode = mode &* 8 &+ Int(input[i] - 0x30)
            digits += 1
            i += 1
        }
        guard (3...4).contains(digits), i < e, input[i] == ByteText.space else { return nil }
        var end = e
        while end > i, ByteText.isWhitespace(input[end - 1]) { end -= 1 }
        while i < end, ByteText.isWSP(input[i]) { i += 1 }
        guard i < end else { return nil }
        let name = ByteText.utf8OrLatin1(Array(input[i..<end])).text
        return (name, mode)
    }

    /// Decodes data lines starting at `start` until `end` or a non-uuencode line.
    private static func decodeBody(_ input: UnsafeBufferPointer<UInt8>, from start: Int, budget: Int) -> Block {
        let n = input.count
        var out: [UInt8] = []
        var truncated = false
        var lineStart = start
        var lastEnd = start
        while lineStart < n {
            let lineEnd = ByteScan.lineEnd(input, from: lineStart, to: n)
            var e = lineEnd
            if e > lineStart, input[e - 1] == ByteText.cr { e -= 1 }
            var t = e
            while t > lineStart, ByteText.isWSP(input[t - 1]) { t -= 1 }
            let next = ByteScan.nextLine(input, lineEnd, n)
            if t - lineStart == 3, input[lineStart] == 0x65, input[lineStart + 1] == 0x6E, input[lineStart + 2] == 0x64 {
                return Block(range: start..<next, filename: "", bytes: out, malformed: false, truncated: truncated)
            }
            if e == lineStart {
                // Blank line inside a block (some encoders emit one before `end`).
                lineStart = next
                continue
            }
            var valid = true
            for k in lineStart..<e where input[k] < 0x20 || input[k] > 0x60 { valid = false; break }
            if !valid { break }
            let count = Int((input[lineStart] &- 0x20) & 0x3F)
            @inline(__always) func sextet(_ k: Int) -> UInt8 { k < e ? (input[k] &- 0x20) & 0x3F : 0 }
            var produced = 0
            var i = lineStart + 1
            while produced < count {
                let c0 = sextet(i), c1 = sextet(i + 1), c2 = sextet(i + 2), c3 = sextet(i + 3)
                let group = UInt32(c0) << 18 | UInt32(c1) << 12 | UInt32(c2) << 6 | UInt32(c3)
                for shift in stride(from: 16, through: 0, by: -8) where produced < count && !truncated {
                    if out.count >= budget { truncated = true; break }
                    out.append(UInt8(truncatingIfNeeded: group >> UInt32(shift)))
                    produced += 1
                }
                if truncated { break }
                i += 4
            }
            lastEnd = next
            lineStart = next
            if truncated { break }
        }
        return Block(range: start..<lastEnd, filename: "", bytes: out, malformed: true, truncated: truncated)
    }
}
