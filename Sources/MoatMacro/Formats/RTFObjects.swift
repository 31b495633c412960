/// The embedded OLE objects of an RTF document, and the document without them.
///
/// A small tokeniser in the spirit of oletools' `rtfobj`: it honours `\{ \} \\` escapes and
/// skips `\binN` runs, gathers the hex digits of each `\objdata` (ignoring whitespace, control
/// words and an odd trailing digit), and notes which group each object lives in, so disarming
/// drops the whole `{\object ...}` group.
public struct RTFObjects: Sendable {
    /// One embedded object.
    public struct Object: Sendable, Hashable {
        /// Byte range of the group to remove (the `{\object ...}` group, or the `\objdata` group).
        public var groupRange: Range<Int>
        /// The decoded `\objdata` bytes (an OLE1 object), up to the limit.
        public var data: [UInt8]
        /// OLE1 class name (`Package`, `Word.Document.8`, ...), when readable.
        public var className: String?
    }

    public var objects: [Object] = []

    /// Whether `bytes` starts like RTF (Word accepts `{\rt`).
    public static func looksLikeRTF(_ bytes: [UInt8]) -> Bool {
        bytes.starts(with: Array("{\\rt".utf8))
    }

    /// Tokenises `b` once (linear time); object data past `maxObjectBytes` is not kept.
    public init(_ b: [UInt8], maxObjectBytes: Int = 32 << 20) {
        struct Group { var start: Int; var isObject: Bool; var collects: Bool; var data: [UInt8]; var pendingNibble: UInt8? }
        var stack: [Group] = []
        var i = 0
        var found: [(range: Range<Int>, data: [UInt8], objectGroup: Bool)] = []
        func hexValue(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: c - 0x30
            case 0x41...0x46: c - 0x41 + 10
            case 0x61...0x66: c - 0x61 + 10
            default: nil
            }
        }
        while i < b.count {
            let c = b[i]
            switch c {
            case 0x7B: // {
                stack.append(Group(start: i, isObject: false, collects: stack.last?.collects ?? false, data: [], pendingNibble: nil))
                i += 1
            case 0x7D: // }
                i += 1
                guard let g = stack.popLast() else { continue }
                if g.collects, !(stack.last?.collects ?? false) {
                    // The objdata group ends: its bytes belong to the enclosing object group, if any.
                    if let objectIndex = stack.lastIndex(where: \.isObject) {
                        stack[objectIndex].data += g.data
                    } else {
                        found.append((g.start..<i, g.data, false))
                    }
                } else if g.collects, !stack.isEmpty {
                    stack[stack.count - 1].data += g.data
                }
                if g.isObject { found.append((g.start..<i, g.data, true)) }
            case 0x5C: // backslash
                guard i + 1 < b.count else { i += 1; continue }
                let n = b[i + 1]
                let isLetter = (n >= 0x61 && n <= 0x7A) || (n >= 0x41 && n <= 0x5A)
                if !isLetter {
                    i += (n == 0x27) ? 4 : 2 // \'hh or an escaped symbol
                    continue
                }
                var j = i + 1
                while j < b.count, (b[j] >= 0x61 && b[j] <= 0x7A) || (b[j] >= 0x41 && b[j] <= 0x5A), j - i < 40 { j += 1 }
                let word = String(decoding: b[(i + 1)..<j], as: UTF8.self)
                var k = j
                if k < b.count, b[k] == 0x2D { k += 1 }
                var number = 0
                while k < b.count, b[k] >= 0x30, b[k] <= 0x39, k - j < 12 { number = number * 10 + Int(b[k] - 0x30); k += 1 }
                if k < b.count, b[k] == 0x20 { k += 1 }
                i = k
                guard !stack.isEmpty else { continue }
                switch word {
                case "object": stack[stack.count - 1].isObject = true
                case "objdata": stack[stack.count - 1].collects = true
                case "bin": i = min(b.count, i + max(0, number))
                default: break
                }
            default:
                if let last = stack.indices.last, stack[last].collects, let v = hexValue(c), stack[last].data.count < maxObjectBytes {
                    if let high = stack[last].pendingNibble {
                        stack[last].data.append(high << 4 | v)
                        stack[last].pendingNibble = nil
                    } else {
                        stack[last].pendingNibble = v
                    }
                }
                i += 1
            }
        }
        // Unclosed groups still count: an attacker may drop the final braces.
        while let g = stack.popLast() {
            if g.isObject || g.collects { found.append((g.start..<b.count, g.data, g.isObject)) }
        }
        // Keep outermost ranges only.
        let sorted = found.sorted { $0.range.lowerBound < $1.range.lowerBound || ($0.range.lowerBound == $1.range.lowerBound && $0.range.count > $1.range.count) }
        var end = -1
        for f in sorted where f.range.lowerBound >= end {
            objects.append(Object(groupRange: f.range, data: f.data, className: Self.ole1ClassName(f.data)))
            end = f.range.upperBound
        }
    }

    /// The document with every object group removed.
    public func removingObjects(from b: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var cursor = 0
        for o in objects {
            out += b[cursor..<o.groupRange.lowerBound]
            cursor = o.groupRange.upperBound
        }
        return out + b[cursor...]
    }

    /// OLE1 header: u32 version, u32 format, then a length-prefixed ANSI class name.
    static func ole1ClassName(_ d: [UInt8]) -> String? {
        guard let length32 = LittleEndian.u32(d, 8) else { return nil }
        let length = Int(length32)
        guard length > 0, length < 256, 12 + length <= d.count else { return nil }
        return String(decoding: d[12..<(12 + length - 1)], as: UTF8.self)
    }
}
