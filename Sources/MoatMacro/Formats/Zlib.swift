import MoatCompression

/// zlib (RFC 1950) streams, for the compressed storages of PowerPoint 97-2003 (`ExOleObjStg`).
///
/// The macro engine's terms for `ZlibCodec` (MoatCompression): a declared size that must come out
/// whole, or a failure saying why not.
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
        let (output, end) = ZlibCodec.inflate(input, limit: size)
        if case .corrupt(let message) = end { throw .corrupt(message) }
        guard output.count == size else { throw .short(declared: size, decoded: output.count) }
        return output
    }

    /// Deflates `data` into a zlib stream (level 9); nil only if zlib runs out of memory.
    static func compress(_ data: [UInt8]) -> [UInt8]? {
        ZlibCodec.deflate(data, level: 9)
    }
}
