/// MS-OVBA 2.4.1 compression, used by the `dir` stream and module source.
public enum VBACompression {
    /// Why a compressed container could not be decompressed.
    public enum Failure: Error, Hashable, CustomStringConvertible {
        case badSignature(UInt8)
        case badChunkHeader(offset: Int)
        case badCopyToken(offset: Int)
        case outputLimit(Int)

        public var description: String {
            switch self {
            case .badSignature(let b): "compressed container starts with 0x\(String(b, radix: 16)), not 0x01"
            case .badChunkHeader(let o): "bad chunk header at offset \(o)"
            case .badCopyToken(let o): "copy token reaches before the chunk at offset \(o)"
            case .outputLimit(let n): "decompressed output exceeds \(n) bytes"
            }
        }
    }

    /// Decompresses `data`; output is capped at `limit` bytes.
    public static func decompress(_ data: ArraySlice<UInt8>, limit: Int = 16 << 20) throws(Failure) -> [UInt8] {
        guard let first = data.first else { return [] }
        guard first == 0x01 else { throw .badSignature(first) }
        var out: [UInt8] = []
        var pos = data.startIndex + 1
        while pos + 1 < data.endIndex {
            let header = Int(data[pos]) | Int(data[pos + 1]) << 8
            let chunkStart = pos
            guard (header >> 12) & 0x7 == 0b011 else { throw .badChunkHeader(offset: pos - data.startIndex) }
            let chunkEnd = min(data.endIndex, pos + (header & 0x0FFF) + 3)
            pos += 2
            let base = out.count
            if header & 0x8000 == 0 {
                // Raw chunk: 4096 literal bytes.
                let rawEnd = min(data.endIndex, pos + 4096)
                out.append(contentsOf: data[pos..<rawEnd])
                pos = rawEnd
            } else {
                while pos < chunkEnd {
                    let flags = data[pos]
                    pos += 1
                    for bit in 0..<8 where pos < chunkEnd {
                        if flags & (1 << bit) == 0 {
                            out.append(data[pos])
                            pos += 1
                        } else {
                            guard pos + 1 < chunkEnd else { throw .badCopyToken(offset: pos - data.startIndex) }
                            let token = Int(data[pos]) | Int(data[pos + 1]) << 8
                            pos += 2
                            let d = out.count - base
                            var bitCount = 4
                            while (1 << bitCount) < d { bitCount += 1 }
                            bitCount = min(bitCount, 12)
                            let lengthMask = 0xFFFF >> bitCount
                            let offset = (token >> (16 - bitCount)) + 1
                            let length = (token & lengthMask) + 3
                            guard offset <= d else { throw .badCopyToken(offset: pos - 2 - data.startIndex) }
                            let src = out.count - offset
                            for k in 0..<length { out.append(out[src + k]) }
                            guard out.count <= limit else { throw .outputLimit(limit) }
                        }
                    }
                }
            }
            guard out.count <= limit else { throw .outputLimit(limit) }
            pos = max(pos, chunkStart + 2)
        }
        return out
    }

    /// Compresses `data` into a container (greedy longest match; used to build test documents).
    ///
    /// A chunk that does not shrink is stored raw, as MS-OVBA allows; a short final chunk that
    /// does not shrink enough is padded with zeros to a raw chunk (decoders then see trailing NULs).
    public static func compress(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x01]
        var offset = 0
        while offset < data.count {
            let chunk = Array(data[offset..<min(data.count, offset + 4096)])
            let body = compressChunk(chunk)
            if body.count + 2 <= 4098 {
                LittleEndian.append(UInt16(0xB000) | UInt16(body.count + 2 - 3), to: &out)
                out += body
            } else {
                LittleEndian.append(UInt16(0x3FFF), to: &out)
                out += chunk + [UInt8](repeating: 0, count: 4096 - chunk.count)
            }
            offset += 4096
        }
        return out
    }

    private static func compressChunk(_ chunk: [UInt8]) -> [UInt8] {
        var body: [UInt8] = []
        var i = 0
        while i < chunk.count {
            let flagIndex = body.count
            body.append(0)
            for bit in 0..<8 where i < chunk.count {
                var bitCount = 4
                while (1 << bitCount) < i { bitCount += 1 }
                let maxLength = (0xFFFF >> bitCount) + 3
                var bestLength = 0, bestOffset = 0
                if i > 0 {
                    for off in 1...i {
                        var l = 0
                        while i + l < chunk.count, l < maxLength, chunk[i + l] == chunk[i - off + l] { l += 1 }
                        if l > bestLength { bestLength = l; bestOffset = off }
                    }
                }
                if bestLength >= 3 {
                    let token = UInt16(((bestOffset - 1) << (16 - bitCount)) | (bestLength - 3))
                    LittleEndian.append(token, to: &body)
                    body[flagIndex] |= UInt8(1 << bit)
                    i += bestLength
                } else {
                    body.append(chunk[i])
                    i += 1
                }
            }
        }
        return body
    }
}
