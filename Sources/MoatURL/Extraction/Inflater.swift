import CZlib

/// zlib inflate with an output cap, for PDF `FlateDecode` streams.
///
/// zlib comes through the CZlib shim.
enum Inflater {
    /// Inflates a zlib stream (or the prefix that decodes), at most `limit` bytes out; nil if
    /// nothing decodes.
    static func inflate(_ input: ArraySlice<UInt8>, limit: Int) -> [UInt8]? {
        guard !input.isEmpty, limit > 0 else { return nil }
        // zlib keeps the stream's address in its state and checks it on every call: the stream
        // lives on the heap, not in a Swift `var` whose address is only good for one call.
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deinitialize(count: 1); stream.deallocate() }
        guard moat_zlib_inflateInit(stream) == Z_OK else { return nil }
        defer { inflateEnd(stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        let status: Int32 = input.withUnsafeBufferPointer { source -> Int32 in
            stream.pointee.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            // avail_in is 32 bits: a longer stream is cut at 4 GiB instead of trapping in UInt32(_:).
            stream.pointee.avail_in = UInt32(clamping: source.count)
            var code: Int32 = Z_OK
            while code == Z_OK, output.count < limit {
                code = chunk.withUnsafeMutableBufferPointer { buffer -> Int32 in
                    stream.pointee.next_out = buffer.baseAddress
                    stream.pointee.avail_out = UInt32(buffer.count)
                    let result = CZlib.inflate(stream, Z_NO_FLUSH)
                    let produced = buffer.count - Int(stream.pointee.avail_out)
                    output.append(contentsOf: buffer[0..<min(produced, limit - output.count)])
                    if result == Z_BUF_ERROR, produced == 0 { return Z_STREAM_END }
                    return result
                }
            }
            return code
        }
        if output.isEmpty, status != Z_STREAM_END { return nil }
        return output
    }
}
