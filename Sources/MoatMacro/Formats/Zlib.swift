import CZlib

/// zlib (RFC 1950) streams, for the compressed storages of PowerPoint 97-2003 (`ExOleObjStg`).
///
/// zlib comes through the CPNG shim (libpng's own dependency, already linked for MoatURL), so no
/// further library is needed. Output grows only as bytes really decode, so a hostile declared size
/// costs nothing until the data backs it, and never more than the caller's cap.
enum Zlib {
    /// Why a zlib stream could not be inflated to the size its container declared.
    enum Failure: Error, Hashable, CustomStringConvertible {
        /// zlib refused the data (bad header, bad block, wrong dictionary...).
        case corrupt(String)
        /// The input ran out, or the stream ended, before the declared size came out.
        case short(declared: Int, decoded: Int)

        var description: String {
            switch self {
            case .corrupt(let why): "zlib data corrupt: \(why)"
            case .short(let declared, let decoded): "zlib stream yields \(decoded) of \(declared) declared bytes"
            }
        }
    }

    /// Inflates `input` to exactly `size` bytes: decoding stops there, whatever follows (PowerPoint
    /// writes streams that end without their final block, and trailing bytes are ignored).
    /// The caller bounds `size`.
    static func inflate(_ input: ArraySlice<UInt8>, size: Int) throws(Failure) -> [UInt8] {
        guard size > 0 else { return [] }
        guard !input.isEmpty else { throw .short(declared: size, decoded: 0) }
        // zlib keeps the stream's address in its state and checks it on every call: the stream
        // lives on the heap, not in a Swift `var` whose address is only good for one call.
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deinitialize(count: 1); stream.deallocate() }
        guard moat_zlib_inflateInit(stream) == Z_OK else { throw .corrupt("inflateInit failed") }
        defer { inflateEnd(stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: min(size, 64 * 1024))
        // avail_in is 32 bits: streams are capped far below that, and a longer input is cut, not trapped on.
        let fed = input.prefix(Int(UInt32.max))
        let failure: Failure? = fed.withUnsafeBufferPointer { source -> Failure? in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.pointee.avail_in = UInt32(source.count)
            while output.count < size {
                let want = min(chunk.count, size - output.count)
                let (code, produced) = chunk.withUnsafeMutableBufferPointer { buffer -> (Int32, Int) in
                    stream.pointee.next_out = buffer.baseAddress
                    stream.pointee.avail_out = UInt32(want)
                    let code = CZlib.inflate(stream, Z_NO_FLUSH)
                    return (code, want - Int(stream.pointee.avail_out))
                }
                output.append(contentsOf: chunk[0..<produced])
                switch code {
                case Z_OK: continue
                case Z_STREAM_END, Z_BUF_ERROR:
                    return output.count == size ? nil : .short(declared: size, decoded: output.count)
                default:
                    let message = stream.pointee.msg.map { String(cString: $0) } ?? "code \(code)"
                    return .corrupt(message)
                }
            }
            return nil
        }
        if let failure { throw failure }
        return output
    }

    /// Deflates `data` into a zlib stream (level 9); nil only if zlib runs out of memory.
    static func compress(_ data: [UInt8]) -> [UInt8]? {
        var length = compressBound(uLong(data.count))
        var out = [UInt8](repeating: 0, count: Int(length))
        let code = out.withUnsafeMutableBufferPointer { dest in
            data.withUnsafeBufferPointer { source in
                compress2(dest.baseAddress, &length, source.baseAddress, uLong(source.count), 9)
            }
        }
        guard code == Z_OK else { return nil }
        return Array(out[0..<Int(length)])
    }
}
