extension StringProtocol {
    /// Whether the string's UTF-8 holds `needle`'s bytes.
    ///
    /// `contains` with a string argument resolves to Foundation's wherever Foundation is imported:
    /// it bridges both strings to CFString and compares by canonical equivalence, about a
    /// microsecond a call, and parsers call it per URL, per field and per parameter.
    public func containsBytes(_ needle: String) -> Bool {
        var needle = needle
        return needle.withUTF8 { wanted in
            guard let first = wanted.first else { return true }
            return utf8.withContiguousStorageIfAvailable { Self.find(wanted, first: first, in: $0) }
                ?? Array(utf8).withUnsafeBufferPointer { Self.find(wanted, first: first, in: $0) }
        }
    }

    /// Whether the string holds `needle`, ignoring case, when both are ASCII (then ASCII case
    /// folding is Unicode's); nil when either is not, for the caller's Unicode-aware search.
    public func containsASCIICaseInsensitive(_ needle: String) -> Bool? {
        let wanted = Array(needle.utf8).map(Self.lowerASCII)
        guard !wanted.contains(where: { $0 >= 0x80 }) else { return nil }
        let text = Array(utf8)
        guard !text.contains(where: { $0 >= 0x80 }) else { return nil }
        guard let first = wanted.first else { return true }
        let lowered = text.map(Self.lowerASCII)
        return wanted.withUnsafeBufferPointer { w in lowered.withUnsafeBufferPointer { Self.find(w, first: first, in: $0) } }
    }

    private static func lowerASCII(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }

    private static func find(_ wanted: UnsafeBufferPointer<UInt8>, first: UInt8, in text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard wanted.count <= text.count else { return false }
        var start = 0
        let last = text.count - wanted.count
        while start <= last {
            guard let at = text[start...last].firstIndex(of: first) else { return false }
            var matched = true
            for offset in 1..<wanted.count where text[at + offset] != wanted[offset] {
                matched = false
                break
            }
            if matched { return true }
            start = at + 1
        }
        return false
    }
}
