import CZlib

/// zlib (RFC 1950) in one place: streaming inflate with an output cap, one-shot deflate and
/// one-shot inflate of a known length. The macro engine (PowerPoint's compressed storages), the
/// url engine (PDF `FlateDecode` streams) and the store (quarantined messages at rest) all read and
/// write zlib through this; each wraps the result in its own terms.
///
/// Output grows only as bytes really decode, so a hostile declared size costs nothing until the
/// data backs it, and never more than the caller's cap. The stream lives on the heap: zlib keeps its
/// address between calls and checks it, which a Swift `var` does not guarantee.
public enum ZlibCodec {
    /// How a streaming inflate ended.
    public enum End: Hashable, Sendable {
        /// The stream's final block was read.
        case streamEnd
        /// `limit` bytes came out; the stream may go on.
        case limitReached
        /// The input ran out before the stream ended (a truncated or unterminated stream).
        case inputExhausted
        /// zlib refused the data, with its message.
        case corrupt(String)
    }

    /// Inflates `input` until the stream ends, the input runs out, zlib refuses it, or `limit` bytes
    /// came out (whatever follows is not decoded); the bytes decoded so far, and how it ended.
    public static func inflate(_ input: ArraySlice<UInt8>, limit: Int) -> (bytes: [UInt8], end: End) {
        guard limit > 0 else { return ([], .limitReached) }
        guard !input.isEmpty else { return ([], .inputExhausted) }
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deinitialize(count: 1); stream.deallocate() }
        guard moat_zlib_inflateInit(stream) == Z_OK else { return ([], .corrupt("inflateInit failed")) }
        defer { inflateEnd(stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: min(limit, 64 * 1024))
        // avail_in is 32 bits: a longer input is cut at 4 GiB instead of trapping in UInt32(_:).
        let fed = input.prefix(Int(UInt32.max))
        let end: End = fed.withUnsafeBufferPointer { source in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.pointee.avail_in = UInt32(clamping: source.count)
            while output.count < limit {
                let want = min(chunk.count, limit - output.count)
                let (code, produced) = chunk.withUnsafeMutableBufferPointer { buffer -> (Int32, Int) in
                    stream.pointee.next_out = buffer.baseAddress
                    stream.pointee.avail_out = UInt32(want)
                    let code = CZlib.inflate(stream, Z_NO_FLUSH)
                    return (code, want - Int(stream.pointee.avail_out))
                }
                output.append(contentsOf: chunk[0..<produced])
                switch code {
                case Z_OK: continue
                case Z_STREAM_END: return .streamEnd
                case Z_BUF_ERROR: return output.count >= limit ? .limitReached : .inputExhausted
                default: return .corrupt(stream.pointee.msg.map { String(cString: $0) } ?? "code \(code)")
                }
            }
            return .limitReached
        }
        return (output, end)
    }

    /// `data` deflated into one zlib stream at `level` (0–9); nil only if zlib runs out of memory.
    public static func deflate(_ data: [UInt8], level: Int32) -> [UInt8]? {
        var length = compressBound(uLong(data.count))
        var out = [UInt8](repeating: 0, count: Int(length))
        let code = out.withUnsafeMutableBufferPointer { target in
            data.withUnsafeBufferPointer { source in
                compress2(target.baseAddress, &length, source.baseAddress, uLong(source.count), max(0, min(9, level)))
            }
        }
        guard code == Z_OK, Int(length) <= out.count else { return nil }
        return Array(out[0..<Int(length)])
    }

    /// One zlib stream that must inflate to exactly `length` bytes and end there; nil otherwise.
    public static func inflate(_ data: [UInt8], exactLength length: Int) -> [UInt8]? {
        guard length >= 0, length < Int.max else { return nil }
        let (bytes, end) = inflate(data[...], limit: length + 1)
        guard end == .streamEnd, bytes.count == length else { return nil }
        return bytes
    }
}
