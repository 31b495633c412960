/// A small GIF decoder (first frame, LZW) to 8-bit grey, so QR codes in GIFs need no giflib.
///
/// Bounded: dimensions are checked by the caller from `size(of:)` before decoding, the LZW
/// table is the standard 4,096 entries and output stops at width × height pixels.
enum GIFDecoder {
    /// Logical screen size from the header, or nil when this is not a GIF.
    static func size(of data: [UInt8]) -> (width: Int, height: Int)? {
        guard data.count >= 13, data[0] == 0x47, data[1] == 0x49, data[2] == 0x46 else { return nil }
        return (Int(data[6]) | Int(data[7]) << 8, Int(data[8]) | Int(data[9]) << 8)
    }

    /// The first frame composed on white at the logical screen size, or nil when malformed.
    static func decode(_ data: [UInt8], maxPixels: Int) -> GrayImage? {
        guard let screen = size(of: data), screen.width > 0, screen.height > 0,
              screen.width * screen.height <= maxPixels else { return nil }
        var position = 13
        let flags = data[10]
        var globalPalette: [UInt8] = []
        if flags & 0x80 != 0 {
            let count = 3 << (Int(flags & 7) + 1)
            guard position + count <= data.count else { return nil }
            globalPalette = palette(data[position..<(position + count)])
            position += count
        }
        var transparent: Int?
        while position < data.count {
            switch data[position] {
            case 0x21: // extension
                guard position + 2 < data.count else { return nil }
                let label = data[position + 1]
                position += 2
                if label == 0xF9, position + 5 < data.count, data[position] >= 4, data[position + 1] & 1 != 0 {
                    transparent = Int(data[position + 4])
                }
                while position < data.count, data[position] != 0 { position += Int(data[position]) + 1 }
                position += 1
            case 0x2C: // image descriptor
                guard position + 10 <= data.count else { return nil }
                let left = Int(data[position + 1]) | Int(data[position + 2]) << 8
                let top = Int(data[position + 3]) | Int(data[position + 4]) << 8
                let width = Int(data[position + 5]) | Int(data[position + 6]) << 8
                let height = Int(data[position + 7]) | Int(data[position + 8]) << 8
                let imageFlags = data[position + 9]
                position += 10
                var colors = globalPalette
                if imageFlags & 0x80 != 0 {
                    let count = 3 << (Int(imageFlags & 7) + 1)
                    guard position + count <= data.count else { return nil }
                    colors = palette(data[position..<(position + count)])
                    position += count
                }
                guard position < data.count, width > 0, height > 0, width * height <= maxPixels else { return nil }
                let minimumCodeSize = Int(data[position])
                position += 1
                var compressed: [UInt8] = []
                while position < data.count, data[position] != 0 {
                    let length = Int(data[position])
                    let end = min(data.count, position + 1 + length)
                    compressed.append(contentsOf: data[(position + 1)..<end])
                    position = end
                }
                // GIF89a allows 2...8; a larger size would make literal codes exceed a byte.
                guard (2...8).contains(minimumCodeSize) else { return nil }
                let indices = lzw(compressed, minimumCodeSize: minimumCodeSize, count: width * height)
                var out = [UInt8](repeating: 255, count: screen.width * screen.height)
                let interlaced = imageFlags & 0x40 != 0
                let rows = interlaced ? interlacedRows(height) : Array(0..<height)
                for (sourceRow, row) in rows.enumerated() {
                    let y = top + row
                    guard y < screen.height else { continue }
                    for x in 0..<width where left + x < screen.width {
                        let k = sourceRow * width + x
                        guard k < indices.count else { break }
                        let index = Int(indices[k])
                        if index == transparent { continue }
                        out[y * screen.width + left + x] = index < colors.count ? colors[index] : 0
                    }
                }
                return GrayImage(width: screen.width, height: screen.height, pixels: out)
            default:
                return nil
            }
        }
        return nil
    }

    /// Palette entries as luma (ITU-R BT.601).
    private static func palette(_ bytes: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        var i = bytes.startIndex
        while i + 2 < bytes.endIndex {
            let red = 299 * Int(bytes[i]), green = 587 * Int(bytes[i + 1]), blue = 114 * Int(bytes[i + 2])
            out.append(UInt8((red + green + blue) / 1000))
            i += 3
        }
        return out
    }

    private static func interlacedRows(_ height: Int) -> [Int] {
        var rows: [Int] = []
        for (start, step) in [(0, 8), (4, 8), (2, 4), (1, 2)] { rows.append(contentsOf: stride(from: start, to: height, by: step)) }
        return rows
    }

    /// GIF-flavoured LZW: variable code width from `minimumCodeSize + 1` to 12 bits, LSB first.
    static func lzw(_ input: [UInt8], minimumCodeSize: Int, count: Int) -> [UInt8] {
        guard (2...8).contains(minimumCodeSize), count > 0 else { return [] }
        let clear = 1 << minimumCodeSize, endCode = clear + 1
        var prefix = [Int](repeating: -1, count: 4096)
        var suffix = [UInt8](repeating: 0, count: 4096)
        var first = [UInt8](repeating: 0, count: 4096)
        for k in 0..<clear { suffix[k] = UInt8(truncatingIfNeeded: k); first[k] = UInt8(truncatingIfNeeded: k) }
        var next = clear + 2
        var width = minimumCodeSize + 1
        var previous = -1
        var out: [UInt8] = []
        out.reserveCapacity(count)
        var stack: [UInt8] = []
        var bits = 0, bitCount = 0, position = 0
        while out.count < count {
            while bitCount < width, position < input.count {
                bits |= Int(input[position]) << bitCount
                bitCount += 8
                position += 1
            }
            guard bitCount >= width else { break }
            let code = bits & ((1 << width) - 1)
            bits >>= width
            bitCount -= width
            if code == clear {
                next = clear + 2
                width = minimumCodeSize + 1
                previous = -1
                continue
            }
            if code == endCode { break }
            if previous == -1 {
                guard code < clear else { break }
                out.append(UInt8(truncatingIfNeeded: code))
                previous = code
                continue
            }
            var current = code
            stack.removeAll(keepingCapacity: true)
            if code >= next {
                guard code == next else { break }
                stack.append(first[previous])
                current = previous
            }
            while current >= clear {
                stack.append(suffix[current])
                current = prefix[current]
                guard current >= 0 else { return out }
            }
            stack.append(suffix[current])
            out.append(contentsOf: stack.reversed().prefix(count - out.count))
            if next < 4096 {
                prefix[next] = previous
                suffix[next] = suffix[current]
                first[next] = first[previous]
                next += 1
                if next == 1 << width, width < 12 { width += 1 }
            }
            previous = code
        }
        return out
    }
}
