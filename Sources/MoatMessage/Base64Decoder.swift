/// Lenient base64 decoding as mail clients do it: characters outside the alphabet are skipped,
/// and data after `=` padding is decoded too (concatenated base64), each anomaly counted.
struct Base64Decoder {
    /// Decoded bytes and what was odd about the input.
    struct Result {
        var bytes: [UInt8] = []
        /// Non-alphabet, non-whitespace characters skipped.
        var garbage = 0
        /// Alphabet characters appeared after padding.
        var concatenated = false
        /// Input ended with a lone sextet.
        var incomplete = false
        /// Output was cut at `limit`.
        var truncated = false
    }

    private static let table: [UInt8] = {
        var t = [UInt8](repeating: 0xFF, count: 256)
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
        for (i, c) in alphabet.enumerated() { t[Int(c)] = UInt8(i) }
        return t
    }()

    /// Decodes `input`, producing at most `limit` bytes.
    static func decode(_ input: UnsafeBufferPointer<UInt8>, limit: Int) -> Result {
        var result = Result()
        let capacity = max(0, min(limit, input.count / 4 * 3 + 3))
        var garbage = 0, concatenated = false, incomplete = false, truncated = false
        let table = Self.table
        result.bytes = [UInt8](unsafeUninitializedCapacity: capacity) { out, count in
            var o = 0
            var acc: UInt32 = 0
            var n = 0
            var padded = false
            @inline(__always) func put(_ b: UInt32) -> Bool {
                if o >= capacity { truncated = true; return false }
                out[o] = UInt8(truncatingIfNeeded: b)
                o += 1
                return true
            }
            table.withUnsafeBufferPointer { t in
                loop: for b in input {
                    let v = t[Int(b)]
                    if v < 64 {
                        if padded { concatenated = true; padded = false }
                        acc = acc << 6 | UInt32(v)
                        n += 1
                        if n == 4 {
                            guard put(acc >> 16), put(acc >> 8), put(acc) else { break loop }
                            n = 0
                            acc = 0
                        }
                    } else if b == 0x3D {  // "="
                        switch n {
                        case 2: guard put(acc >> 4) else { break loop }
                        case 3: guard put(acc >> 10), put(acc >> 2) else { break loop }
                        case 1: incomplete = true
                        default: break
                        }
                        if n != 0 { padded = true }
                        n = 0
                        acc = 0
                    } else if !ByteText.isWhitespace(b) {
                        garbage += 1
                    }
                }
                if !truncated {
                    switch n {
                    case 1: incomplete = true
                    case 2: _ = put(acc >> 4)
                    case 3: _ = put(acc >> 10) && put(acc >> 2)
                    default: break
                    }
                }
            }
            count = o
        }
        result.garbage = garbage
        result.concatenated = concatenated
        result.incomplete = incomplete
        result.truncated = truncated
        return result
    }

    /// Convenience for arrays.
    static func decode(_ input: [UInt8], limit: Int = Int.max) -> Result {
        input.withUnsafeBufferPointer { decode($0, limit: limit) }
    }
}
