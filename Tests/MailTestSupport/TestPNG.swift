import MoatCompression

/// PNG files for tests, built chunk by chunk so a test can add what real images carry (text
/// chunks, bytes after the end) or lie in a header.
public enum TestPNG {
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// One chunk: length, type, data and its CRC-32.
    public static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return bigEndian(UInt32(data.count)) + body + bigEndian(crc32(body))
    }

    /// The IHDR chunk of an 8-bit image of `colorType` (0 grey, 2 RGB).
    public static func header(width: UInt32, height: UInt32, colorType: UInt8 = 2) -> [UInt8] {
        chunk("IHDR", bigEndian(width) + bigEndian(height) + [8, colorType, 0, 0, 0])
    }

    /// A whole RGB image of `width` × `height` from `pixel(x, y)`, with `extraChunks` before its data.
    public static func rgb(width: Int, height: Int, extraChunks: [[UInt8]] = [], pixel: (Int, Int) -> (UInt8, UInt8, UInt8)) -> [UInt8] {
        var raw: [UInt8] = []
        for y in 0..<height {
            raw.append(0)  // filter: none
            for x in 0..<width {
                let (r, g, b) = pixel(x, y)
                raw += [r, g, b]
            }
        }
        return signature + header(width: UInt32(width), height: UInt32(height)) + extraChunks.joined()
            + chunk("IDAT", ZlibCodec.deflate(raw, level: 6) ?? []) + chunk("IEND", [])
    }

    public static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8(value >> 16 & 0xFF), UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)]
    }

    public static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
}
