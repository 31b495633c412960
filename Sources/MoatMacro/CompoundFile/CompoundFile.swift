/// A read-only view of a compound file (MS-CFB): allocation tables, directory and streams.
///
/// Built for hostile input: every chain is bounded by the sector count and checked for cycles,
/// every sector number and size claim against the file, and the directory tree against
/// revisits. Any defect throws `CompoundFileError`; nothing here traps or loops forever.
public struct CompoundFile: Sendable {
    /// The eight signature bytes every compound file starts with.
    public static let signature: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]

    static let endOfChain: UInt32 = 0xFFFF_FFFE
    static let freeSector: UInt32 = 0xFFFF_FFFF
    static let maxRegularSector: UInt32 = 0xFFFF_FFFA
    /// Ceiling on directory entries, far above any real document.
    static let maxEntries = 200_000

    public let majorVersion: UInt16
    public let sectorSize: Int
    public let miniStreamCutoff: Int
    /// Every directory entry, index = entry id (0 is the root).
    public let entries: [DirectoryEntry]

    private let bytes: [UInt8]
    private let fat: [UInt32]
    private let miniFAT: [UInt32]
    private let miniStream: [UInt8]

    /// Whether `bytes` starts with the CFB signature.
    public static func hasSignature(_ bytes: some Collection<UInt8>) -> Bool {
        bytes.starts(with: signature)
    }

    /// Parses the header, FAT, mini FAT and directory of `bytes`.
    public init(bytes: [UInt8]) throws(CompoundFileError) {
        guard bytes.count >= 512 else {
            if Self.hasSignature(bytes) { throw .truncatedHeader(size: bytes.count) }
            throw .notCompoundFile
        }
        guard Self.hasSignature(bytes) else { throw .notCompoundFile }
        self.bytes = bytes
        majorVersion = try Self.field16(bytes, 0x1A)
        let sectorShift = try Self.field16(bytes, 0x1E)
        let miniShift = try Self.field16(bytes, 0x20)
        guard sectorShift == 9 || sectorShift == 12, miniShift == 6 else {
            throw .unsupportedGeometry(sectorShift: sectorShift, miniSectorShift: miniShift)
        }
        let sectorSize = 1 << Int(sectorShift)
        self.sectorSize = sectorSize
        let cutoff = Int(try Self.field32(bytes, 0x38))
        miniStreamCutoff = cutoff == 0 ? 4096 : min(cutoff, 4096)
        let sectorCount = max(0, (bytes.count - sectorSize + sectorSize - 1) / sectorSize)

        // FAT sector numbers: 109 in the header, then the DIFAT chain.
        let claimedFATSectors = Int(try Self.field32(bytes, 0x2C))
        var fatSectors: [UInt32] = []
        for i in 0..<109 {
            let s = try Self.field32(bytes, 0x4C + 4 * i)
            if s <= Self.maxRegularSector { fatSectors.append(s) }
        }
        var difat = try Self.field32(bytes, 0x44)
        var seenDIFAT = Set<UInt32>()
        let perDIFAT = sectorSize / 4 - 1
        while difat <= Self.maxRegularSector {
            guard Int(difat) < sectorCount else { throw .sectorOutOfRange(sector: difat, chain: "DIFAT") }
            guard seenDIFAT.insert(difat).inserted else { throw .chainCycle(sector: difat, chain: "DIFAT") }
            let base = (Int(difat) + 1) * sectorSize
            let words = Self.words(Self.sector(bytes, base, sectorSize))
            for s in words.prefix(perDIFAT) where s <= Self.maxRegularSector { fatSectors.append(s) }
            difat = words.count > perDIFAT ? words[perDIFAT] : Self.endOfChain
        }
        if claimedFATSectors < fatSectors.count { fatSectors.removeSubrange(claimedFATSectors...) }
        var fat: [UInt32] = []
        fat.reserveCapacity(fatSectors.count * sectorSize / 4)
        for s in fatSectors {
            guard Int(s) < sectorCount else { throw .sectorOutOfRange(sector: s, chain: "FAT") }
            fat += Self.words(Self.sector(bytes, (Int(s) + 1) * sectorSize, sectorSize))
        }
        // Entries past the file's end are unusable whatever the table says.
        if fat.count > sectorCount { fat.removeSubrange(sectorCount...) }
        self.fat = fat

        let dirChain = try Self.chain(from: Self.field32(bytes, 0x30), in: fat, name: "directory")
        guard dirChain.count * sectorSize / 128 <= Self.maxEntries else {
            throw .limitExceeded(what: "directory entries", limit: Self.maxEntries)
        }
        var entries: [DirectoryEntry] = []
        for s in dirChain {
            let sector = Self.sector(bytes, (Int(s) + 1) * sectorSize, sectorSize)
            for i in 0..<(sectorSize / 128) {
                guard let entry = DirectoryEntry(sector.dropFirst(128 * i).prefix(128), version3: majorVersion == 3) else {
                    throw .directoryCorrupt(entry: UInt32(clamping: entries.count), reason: "entry truncated")
                }
                entries.append(entry)
            }
        }
        guard let root = entries.first, root.kind == .root else {
            throw .directoryCorrupt(entry: 0, reason: "no root entry")
        }
        self.entries = entries

        let miniFATChain = try Self.chain(from: Self.field32(bytes, 0x3C), in: fat, name: "mini FAT")
        var miniFAT: [UInt32] = []
        for s in miniFATChain {
            miniFAT += Self.words(Self.sector(bytes, (Int(s) + 1) * sectorSize, sectorSize))
        }
        self.miniFAT = miniFAT
        let miniSize = Int(clamping: root.size)
        guard miniSize <= bytes.count else { throw .sizeTooLarge(entry: 0, size: root.size, limit: bytes.count) }
        miniStream = miniSize == 0 ? [] : try Self.read(
            chain: Self.chain(from: root.startSector, in: fat, name: "mini stream"),
            size: miniSize, bytes: bytes, sectorSize: sectorSize, name: "mini stream")
    }

    /// A 16-bit header field; the header is 512 bytes (checked first), so nil means a short file.
    private static func field16(_ bytes: [UInt8], _ offset: Int) throws(CompoundFileError) -> UInt16 {
        guard let v = LittleEndian.u16(bytes, offset) else { throw .truncatedHeader(size: bytes.count) }
        return v
    }

    /// A 32-bit header field (see `field16`).
    private static func field32(_ bytes: [UInt8], _ offset: Int) throws(CompoundFileError) -> UInt32 {
        guard let v = LittleEndian.u32(bytes, offset) else { throw .truncatedHeader(size: bytes.count) }
        return v
    }

    /// The little-endian 32-bit words of a sector (FAT, mini FAT and DIFAT sectors are such tables).
    private static func words(_ sector: ArraySlice<UInt8>) -> [UInt32] {
        stride(from: sector.startIndex, to: sector.endIndex - 3, by: 4).compactMap { LittleEndian.u32(sector, $0) }
    }

    /// The bytes of sector data at `offset`, zero-padded when the file's last sector is short.
    private static func sector(_ bytes: [UInt8], _ offset: Int, _ size: Int) -> ArraySlice<UInt8> {
        if offset + size <= bytes.count { return bytes[offset..<(offset + size)] }
        var padded = Array(bytes[min(offset, bytes.count)...])
        padded += [UInt8](repeating: 0, count: size - padded.count)
        return padded[...]
    }

    /// Follows a chain in `table`; at most `table.count` steps, so a loop is always caught.
    static func chain(from start: UInt32, in table: [UInt32], name: String) throws(CompoundFileError) -> [UInt32] {
        var out: [UInt32] = []
        var seen = [Bool](repeating: false, count: table.count)
        var s = start
        while s != endOfChain {
            if s == freeSector && out.isEmpty { break }
            guard Int(s) < table.count else { throw .sectorOutOfRange(sector: s, chain: name) }
            guard !seen[Int(s)] else { throw .chainCycle(sector: s, chain: name) }
            seen[Int(s)] = true
            out.append(s)
            s = table[Int(s)]
        }
        return out
    }

    private static func read(chain: [UInt32], size: Int, bytes: [UInt8], sectorSize: Int,
                             name: String) throws(CompoundFileError) -> [UInt8] {
        guard chain.count * sectorSize >= size else {
            throw .chainTooShort(chain: name, needed: size, found: chain.count * sectorSize)
        }
        var out: [UInt8] = []
        out.reserveCapacity(size)
        for s in chain where out.count < size {
            let sector = sector(bytes, (Int(s) + 1) * sectorSize, sectorSize)
            out.append(contentsOf: sector.prefix(size - out.count))
        }
        return out
    }

    /// The sectors (or mini sectors, with `isMini`) that hold a stream entry.
    public func sectors(of id: Int) throws(CompoundFileError) -> (sectors: [UInt32], isMini: Bool) {
        guard entries.indices.contains(id) else { throw .directoryCorrupt(entry: UInt32(clamping: id), reason: "no such entry") }
        let entry = entries[id]
        if id != 0, Int(clamping: entry.size) < miniStreamCutoff {
            if entry.size == 0 { return ([], true) }
            return (try Self.chain(from: entry.startSector, in: miniFAT, name: "mini stream of entry \(id)"), true)
        }
        return (try Self.chain(from: entry.startSector, in: fat, name: "stream of entry \(id)"), false)
    }

    /// The bytes of stream entry `id`.
    public func stream(_ id: Int, limit: Int = 256 << 20) throws(CompoundFileError) -> [UInt8] {
        guard entries.indices.contains(id) else { throw .directoryCorrupt(entry: UInt32(clamping: id), reason: "no such entry") }
        let entry = entries[id]
        let cap = min(limit, bytes.count)
        guard entry.size <= UInt64(cap) else { throw .sizeTooLarge(entry: id, size: entry.size, limit: cap) }
        let size = Int(entry.size)
        let (chain, isMini) = try sectors(of: id)
        guard isMini else {
            return try Self.read(chain: chain, size: size, bytes: bytes, sectorSize: sectorSize, name: "stream of entry \(id)")
        }
        guard chain.count * 64 >= size else {
            throw .chainTooShort(chain: "mini stream of entry \(id)", needed: size, found: chain.count * 64)
        }
        var out: [UInt8] = []
        out.reserveCapacity(size)
        for s in chain where out.count < size {
            let start = Int(s) * 64
            guard start + 64 <= miniStream.count || start + (size - out.count) <= miniStream.count else {
                throw .sectorOutOfRange(sector: s, chain: "mini stream of entry \(id)")
            }
            out.append(contentsOf: miniStream[start..<min(miniStream.count, start + min(64, size - out.count))])
        }
        return out
    }

    /// The ids of a storage's children, in tree order; a revisited or missing id throws.
    public func children(of id: Int) throws(CompoundFileError) -> [Int] {
        var out: [Int] = []
        var visited = Set<UInt32>()
        guard entries.indices.contains(id) else { throw .directoryCorrupt(entry: UInt32(clamping: id), reason: "no such entry") }
        var stack: [UInt32] = [entries[id].child]
        while let node = stack.popLast() {
            if node == DirectoryEntry.noStream { continue }
            guard Int(node) < entries.count, node != 0 else {
                throw .directoryCorrupt(entry: node, reason: "sibling or child link out of range")
            }
            guard visited.insert(node).inserted else { throw .directoryCorrupt(entry: node, reason: "tree cycle") }
            let e = entries[Int(node)]
            guard e.kind != .unused else { throw .directoryCorrupt(entry: node, reason: "link to an unused entry") }
            out.append(Int(node))
            stack.append(e.left)
            stack.append(e.right)
        }
        return out
    }

    /// The child of storage `id` called `name` (case-insensitive), if any.
    public func child(of id: Int, named name: String) throws(CompoundFileError) -> Int? {
        try children(of: id).first { entries[$0].name.uppercased() == name.uppercased() }
    }

    /// Every entry reachable from the root with its path (root's children have one component).
    ///
    /// An entry reached twice (shared between storages) throws, which also bounds the walk.
    public func tree() throws(CompoundFileError) -> [(path: [String], id: Int)] {
        var out: [(path: [String], id: Int)] = []
        var seen = Set<Int>([0])
        var stack: [(path: [String], id: Int)] = [([], 0)]
        while let (path, id) = stack.popLast() {
            for c in try children(of: id) {
                guard seen.insert(c).inserted else {
                    throw .directoryCorrupt(entry: UInt32(c), reason: "entry shared between storages")
                }
                let item = (path + [entries[c].name], c)
                out.append(item)
                if entries[c].isStorage { stack.append(item) }
            }
        }
        return out
    }
}
