/// Little-endian integer access on byte arrays.
///
/// The readers are bounds-checked: they return nil when the value does not lie wholly inside the
/// bytes, so an offset or length read from a hostile file can never index past the end, whatever
/// a caller forgot to check first. `put` likewise refuses to write outside the array.
enum LittleEndian {
    static func u16(_ b: ArraySlice<UInt8>, _ o: Int) -> UInt16? {
        guard o >= b.startIndex, o <= b.endIndex - 2 else { return nil }
        return UInt16(b[o]) | UInt16(b[o + 1]) << 8
    }

    static func u32(_ b: ArraySlice<UInt8>, _ o: Int) -> UInt32? {
        guard o >= b.startIndex, o <= b.endIndex - 4 else { return nil }
        return UInt32(b[o]) | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2]) << 16 | UInt32(b[o + 3]) << 24
    }

    static func u64(_ b: ArraySlice<UInt8>, _ o: Int) -> UInt64? {
        guard o <= b.endIndex - 8, let low = u32(b, o), let high = u32(b, o + 4) else { return nil }
        return UInt64(low) | UInt64(high) << 32
    }

    static func u16(_ b: [UInt8], _ o: Int) -> UInt16? { u16(b[...], o) }
    static func u32(_ b: [UInt8], _ o: Int) -> UInt32? { u32(b[...], o) }

    static func append(_ v: UInt16, to out: inout [UInt8]) {
        out.append(UInt8(v & 0xFF)); out.append(UInt8(v >> 8))
    }

    static func append(_ v: UInt32, to out: inout [UInt8]) {
        for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8((v >> UInt32(shift)) & 0xFF)) }
    }

    static func append(_ v: UInt64, to out: inout [UInt8]) {
        append(UInt32(v & 0xFFFF_FFFF), to: &out); append(UInt32(v >> 32), to: &out)
    }

    /// Overwrites four bytes at `o`; false (and nothing written) when they are not all inside `out`.
    @discardableResult
    static func put(_ v: UInt32, into out: inout [UInt8], at o: Int) -> Bool {
        guard o >= 0, o <= out.count - 4 else { return false }
        for i in 0..<4 { out[o + i] = UInt8((v >> UInt32(8 * i)) & 0xFF) }
        return true
    }
}
