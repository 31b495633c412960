import Glibc

/// Line scanning over raw buffers with `memchr`, so every pass over a large message is linear
/// and fast even in debug builds.
enum ByteScan {
    /// Index of the next LF at or after `from` (before `to`), or `to` if none.
    @inline(__always)
    static func lineEnd(_ buf: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int {
        guard from < to, let base = buf.baseAddress else { return to }
        guard let p = memchr(base + from, 0x0A, to - from) else { return to }
        return base.distance(to: p.assumingMemoryBound(to: UInt8.self))
    }

    /// Start of the line after a line ending at `lineEnd` (the LF index or the end).
    @inline(__always)
    static func nextLine(_ buf: UnsafeBufferPointer<UInt8>, _ lineEnd: Int, _ to: Int) -> Int {
        lineEnd < to ? lineEnd + 1 : to
    }

    /// Index of the first occurrence of `byte` in `range`, or nil.
    static func first(_ byte: UInt8, in buf: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
        guard !range.isEmpty, let base = buf.baseAddress else { return nil }
        guard let p = memchr(base + range.lowerBound, Int32(byte), range.count) else { return nil }
        return base.distance(to: p.assumingMemoryBound(to: UInt8.self))
    }

    /// Count of `byte` in `range`.
    static func count(_ byte: UInt8, in buf: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int {
        var c = 0
        var i = range.lowerBound
        while let j = first(byte, in: buf, i..<range.upperBound) {
            c += 1
            i = j + 1
        }
        return c
    }
}
