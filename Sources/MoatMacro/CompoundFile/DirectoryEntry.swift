/// One 128-byte directory entry of a compound file.
public struct DirectoryEntry: Sendable, Hashable {
    /// The entry kinds MS-CFB defines (3 and 4 are legacy and read as `.other`).
    public enum Kind: UInt8, Sendable, Hashable {
        case unused = 0, storage = 1, stream = 2, root = 5, other = 255
    }

    /// Marker for "no entry" in sibling and child links.
    public static let noStream: UInt32 = 0xFFFF_FFFF

    public var name: String
    public var kind: Kind
    /// 0 red, 1 black.
    public var color: UInt8
    public var left: UInt32
    public var right: UInt32
    public var child: UInt32
    public var clsid: [UInt8]
    public var stateBits: UInt32
    public var created: UInt64
    public var modified: UInt64
    public var startSector: UInt32
    public var size: UInt64

    /// Parses an entry; `version3` keeps only the low 32 bits of the size as MS-CFB requires.
    /// Nil when `b` holds fewer than the 128 bytes of an entry.
    init?(_ b: ArraySlice<UInt8>, version3: Bool) {
        let o = b.startIndex
        guard b.count >= 128, let nameBytes = LittleEndian.u16(b, o + 0x40),
              let left = LittleEndian.u32(b, o + 0x44), let right = LittleEndian.u32(b, o + 0x48),
              let child = LittleEndian.u32(b, o + 0x4C), let stateBits = LittleEndian.u32(b, o + 0x60),
              let created = LittleEndian.u64(b, o + 0x64), let modified = LittleEndian.u64(b, o + 0x6C),
              let startSector = LittleEndian.u32(b, o + 0x74), let fullSize = LittleEndian.u64(b, o + 0x78) else { return nil }
        let units = max(0, min(32, Int(nameBytes) / 2) - 1)
        var utf16: [UInt16] = []
        for i in 0..<units { utf16.append(LittleEndian.u16(b, o + 2 * i) ?? 0) }
        if let nul = utf16.firstIndex(of: 0) { utf16.removeSubrange(nul...) }
        name = String(decoding: utf16, as: UTF16.self)
        kind = Kind(rawValue: b[o + 0x42]) ?? .other
        color = b[o + 0x43]
        self.left = left
        self.right = right
        self.child = child
        clsid = Array(b[(o + 0x50)..<(o + 0x60)])
        self.stateBits = stateBits
        self.created = created
        self.modified = modified
        self.startSector = startSector
        size = version3 ? fullSize & 0xFFFF_FFFF : fullSize
    }

    public var isStorage: Bool { kind == .storage || kind == .root }
    public var isStream: Bool { kind == .stream }
}
