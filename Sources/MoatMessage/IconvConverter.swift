import Glibc

/// Converts bytes in a named charset to a String with Glibc `iconv`.
///
/// The only place that touches iconv: each call opens, uses and closes its own descriptor, so no
/// handle or pointer escapes this type. Invalid sequences become U+FFFD (one input byte skipped)
/// and conversion goes on; a truncated sequence at the end becomes one U+FFFD.
enum IconvConverter {
    private static func open(_ label: String) -> iconv_t? {
        let cd = iconv_open("UTF-8", label)
        if cd == nil || Int(bitPattern: cd) == -1 { return nil }
        return cd
    }

    /// True if iconv knows `label` as a source charset.
    static func supports(_ label: String) -> Bool {
        guard let cd = open(label) else { return false }
        iconv_close(cd)
        return true
    }

    /// `bytes` converted from `label`, or nil if iconv does not know the charset.
    static func decode(_ bytes: [UInt8], from label: String) -> String? {
        guard let cd = open(label) else { return nil }
        defer { iconv_close(cd) }
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count * 2)
        let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]
        var input = bytes
        var output = [UInt8](repeating: 0, count: 4096)
        input.withUnsafeMutableBufferPointer { inBuf in
            output.withUnsafeMutableBufferPointer { outBuf in
                guard let outBase = outBuf.baseAddress else { return }
                let outBytes = UnsafeMutableRawPointer(outBase).assumingMemoryBound(to: CChar.self)
                var inLeft = inBuf.count
                var inPtr: UnsafeMutablePointer<CChar>? = inBuf.baseAddress.map {
                    UnsafeMutableRawPointer($0).assumingMemoryBound(to: CChar.self)
                }
                var flushed = false
                while true {
                    var outPtr: UnsafeMutablePointer<CChar>? = outBytes
                    var outLeft = outBuf.count
                    let rc: Int
                    if inLeft > 0 {
                        rc = iconv(cd, &inPtr, &inLeft, &outPtr, &outLeft)
                    } else {
                        rc = iconv(cd, nil, nil, &outPtr, &outLeft)
                        flushed = true
                    }
                    let err = errno
                    let produced = outBuf.count - outLeft
                    if produced > 0 { result.append(contentsOf: UnsafeBufferPointer(start: outBase, count: produced)) }
                    if rc == -1 {
                        if err == E2BIG { flushed = false; continue }
                        if err == EILSEQ, inLeft > 0 {
                            result.append(contentsOf: replacement)
                            inPtr = inPtr.map { $0 + 1 }
                            inLeft -= 1
                            continue
                        }
                        if err == EINVAL, inLeft > 0 {
                            result.append(contentsOf: replacement)
                            inLeft = 0
                            continue
                        }
                        if flushed { break }
                        inLeft = 0
                        continue
                    }
                    if flushed { break }
                }
            }
        }
        return String(decoding: result, as: UTF8.self)
    }
}
