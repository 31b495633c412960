import Foundation

/// Substring search on bytes: `memchr` to each place the first byte occurs, `memcmp` there.
public enum ByteSearch {
    /// Whether `needle` occurs in `haystack` (an empty needle occurs everywhere).
    public static func occurs(_ needle: UnsafeBufferPointer<UInt8>, in haystack: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = needle.first else { return true }
        guard let base = haystack.baseAddress, let nBase = needle.baseAddress, haystack.count >= needle.count else { return false }
        let last = haystack.count - needle.count
        var i = 0
        while i <= last {
            guard let hit = memchr(base + i, Int32(first), last - i + 1) else { return false }
            i = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            if memcmp(base + i, nBase, needle.count) == 0 { return true }
            i += 1
        }
        return false
    }

    public static func occurs(_ needle: [UInt8], in haystack: UnsafeBufferPointer<UInt8>) -> Bool {
        needle.withUnsafeBufferPointer { occurs($0, in: haystack) }
    }
}

extension StringProtocol {
    /// Whether the string's UTF-8 holds `needle`'s bytes.
    ///
    /// `contains` with a string argument resolves to Foundation's wherever Foundation is imported:
    /// it bridges both strings to CFString and compares by canonical equivalence, about a
    /// microsecond a call, and parsers call it per URL, per field and per parameter.
    public func containsBytes(_ needle: String) -> Bool {
        var needle = needle
        return needle.withUTF8 { wanted in
            utf8.withContiguousStorageIfAvailable { ByteSearch.occurs(wanted, in: $0) }
                ?? Array(utf8).withUnsafeBufferPointer { ByteSearch.occurs(wanted, in: $0) }
        }
    }

    /// Whether the string holds `needle`, ignoring case, when both are ASCII (then ASCII case
    /// folding is Unicode's); nil when either is not, for the caller's Unicode-aware search.
    public func containsASCIICaseInsensitive(_ needle: String) -> Bool? {
        let wanted = Array(needle.utf8).map(Self.lowerASCII)
        guard !wanted.contains(where: { $0 >= 0x80 }) else { return nil }
        let text = Array(utf8)
        guard !text.contains(where: { $0 >= 0x80 }) else { return nil }
        return text.map(Self.lowerASCII).withUnsafeBufferPointer { ByteSearch.occurs(wanted, in: $0) }
    }

    private static func lowerASCII(_ byte: UInt8) -> UInt8 {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
    }
}
