import MoatCompression

/// zlib inflate with an output cap, for PDF `FlateDecode` streams: whatever decodes, even from a
/// truncated or damaged stream (`ZlibCodec` in MoatCompression does the work).
enum Inflater {
    /// Inflates a zlib stream (or the prefix that decodes), at most `limit` bytes out; nil if
    /// nothing decodes.
    static func inflate(_ input: ArraySlice<UInt8>, limit: Int) -> [UInt8]? {
        guard !input.isEmpty, limit > 0 else { return nil }
        let (output, end) = ZlibCodec.inflate(input, limit: limit)
        if output.isEmpty, case .corrupt = end { return nil }
        return output
    }
}
