/// Quoted-printable decoding (RFC 2045 §6.7) that keeps malformed `=` sequences literally.
///
/// Accepts lower-case hex, `=` soft breaks (with trailing whitespace before the line end), and
/// deletes trailing spaces/tabs on each line as transport noise. Single pass, linear time.
struct QuotedPrintableDecoder {
    /// Decoded bytes and how many malformed `=` sequences were kept literally.
    struct Result {
        var bytes: [UInt8] = []
        var malformed = 0
        var truncated = false
    }

    /// Decodes `input`, producing at most `limit` bytes.
    static func decode(_ input: UnsafeBufferPointer<UInt8>, limit: Int) -> Result {
        var result = Result()
        let n = input.count
        let capacity = max(0, min(limit, n))
        var malformed = 0, truncated = false
        result.bytes = [UInt8](unsafeUninitializedCapacity: capacity) { out, count in
            var o = 0
            var i = 0
            @inline(__always) func put(_ b: UInt8) -> Bool {
                if o >= capacity { truncated = true; return false }
                out[o] = b
                o += 1
                return true
            }
            loop: while i < n {
                let b = input[i]
                if b == 0x3D {  // "="
                    if i + 2 < n, let h = ByteText.hexValue(input[i + 1]), let l = ByteText.hexValue(input[i + 2]) {
                        guard put(h << 4 | l) else { break loop }
                        i += 3
                        continue
                    }
                    var j = i + 1
                    while j < n, ByteText.isWSP(input[j]) { j += 1 }
                    if j == n { i = n; continue }
                    if input[j] == ByteText.lf { i = j + 1; continue }
                    if input[j] == ByteText.cr {
                        i = (j + 1 < n && input[j + 1] == ByteText.lf) ? j + 2 : j + 1
                        continue
                    }
                    malformed += 1
                    guard put(b) else { break loop }
                    i += 1
                } else if ByteText.isWSP(b) {
                    var j = i
                    while j < n, ByteText.isWSP(input[j]) { j += 1 }
                    let atLineEnd = j == n || input[j] == ByteText.lf
                        || (input[j] == ByteText.cr && (j + 1 == n || input[j + 1] == ByteText.lf))
                    if !atLineEnd {
                        while i < j {
                            guard put(input[i]) else { break loop }
                            i += 1
                        }
                    }
                    i = j
                } else {
                    guard put(b) else { break loop }
                    i += 1
                }
            }
            count = o
        }
        result.malformed = malformed
        result.truncated = truncated
        return result
    }

    /// Convenience for arrays.
    static func decode(_ input: [UInt8], limit: Int = Int.max) -> Result {
        input.withUnsafeBufferPointer { decode($0, limit: limit) }
    }
}
