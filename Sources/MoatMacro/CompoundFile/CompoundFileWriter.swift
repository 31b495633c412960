/// Writes a compound file from a node tree: version 3 (512-byte sectors) by default, or 4 (4096).
///
/// Each storage's children become a balanced binary search tree coloured all black (valid under
/// MS-CFB's rules: black root, no red-red). Streams under 4096 bytes go to the mini stream.
public enum CompoundFileWriter {
    private static let free: UInt32 = 0xFFFF_FFFF
    private static let end: UInt32 = 0xFFFF_FFFE
    private static let fatMark: UInt32 = 0xFFFF_FFFD
    private static let difatMark: UInt32 = 0xFFFF_FFFC

    private struct Entry {
        var node: CompoundFileNode
        var left = DirectoryEntry.noStream, right = DirectoryEntry.noStream, child = DirectoryEntry.noStream
        var start: UInt32 = 0xFFFF_FFFE
        var size: UInt64 = 0
    }

    /// Serialises `root` (its name is replaced by "Root Entry").
    public static func write(_ root: CompoundFileNode, version: UInt16 = 3) -> [UInt8] {
        let sectorSize = version == 4 ? 4096 : 512
        var entries: [Entry] = []
        var rootNode = root
        rootNode.name = "Root Entry"
        rootNode.isStorage = true
        func add(_ node: CompoundFileNode) -> Int {
            let id = entries.count
            entries.append(Entry(node: node))
            if node.isStorage {
                let ids = node.children.sorted(by: precedes).map(add)
                entries[id].child = balance(ids[...], &entries)
            }
            return id
        }
        _ = add(rootNode)
        for i in entries.indices.dropFirst() where entries[i].node.isStorage { entries[i].start = 0 }

        // Sector layout: big streams, mini stream, mini FAT, directory, FAT, DIFAT.
        var sectors: [[UInt8]] = []
        var fat: [UInt32] = []
        func appendChain(_ data: [UInt8]) -> UInt32 {
            guard !data.isEmpty else { return end }
            let first = UInt32(sectors.count)
            var offset = 0
            while offset < data.count {
                var s = Array(data[offset..<min(data.count, offset + sectorSize)])
                s += [UInt8](repeating: 0, count: sectorSize - s.count)
                sectors.append(s)
                offset += sectorSize
                fat.append(offset < data.count ? UInt32(sectors.count) : end)
            }
            return first
        }
        var mini: [UInt8] = []
        var miniFAT: [UInt32] = []
        for i in entries.indices where !entries[i].node.isStorage {
            let data = entries[i].node.data
            entries[i].size = UInt64(data.count)
            if data.isEmpty { entries[i].start = end; continue }
            if data.count < 4096 {
                entries[i].start = UInt32(mini.count / 64)
                let count = (data.count + 63) / 64
                for k in 0..<count { miniFAT.append(k == count - 1 ? end : UInt32(mini.count / 64 + k + 1)) }
                mini += data + [UInt8](repeating: 0, count: count * 64 - data.count)
            } else {
                entries[i].start = appendChain(data)
            }
        }
        entries[0].start = appendChain(mini)
        entries[0].size = UInt64(mini.count)
        var miniFATBytes: [UInt8] = []
        for v in miniFAT { LittleEndian.append(v, to: &miniFATBytes) }
        let miniFATStart = miniFAT.isEmpty ? end : appendChain(miniFATBytes)
        let miniFATSectors = (miniFATBytes.count + sectorSize - 1) / sectorSize
        var dirBytes: [UInt8] = []
        for (i, e) in entries.enumerated() {
            var bytes = encode(e)
            if i == 0 { bytes[0x42] = DirectoryEntry.Kind.root.rawValue }
            dirBytes += bytes
        }
        while dirBytes.count % sectorSize != 0 { dirBytes += encodeUnused() }
        let dirStart = appendChain(dirBytes)
        let dirSectors = dirBytes.count / sectorSize

        // FAT and DIFAT sizes depend on each other and on the sector count.
        let perFAT = sectorSize / 4
        var fatSectors = 0, difatSectors = 0
        while true {
            let total = sectors.count + fatSectors + difatSectors
            let needFAT = (total + perFAT - 1) / perFAT
            let needDIFAT = needFAT > 109 ? (needFAT - 109 + perFAT - 2) / (perFAT - 1) : 0
            if needFAT == fatSectors && needDIFAT == difatSectors { break }
            fatSectors = needFAT; difatSectors = needDIFAT
        }
        let firstFAT = sectors.count
        let firstDIFAT = firstFAT + fatSectors
        fat += [UInt32](repeating: fatMark, count: fatSectors)
        fat += [UInt32](repeating: difatMark, count: difatSectors)
        fat += [UInt32](repeating: free, count: fatSectors * perFAT - fat.count)
        for k in 0..<fatSectors {
            var s: [UInt8] = []
            for v in fat[(k * perFAT)..<((k + 1) * perFAT)] { LittleEndian.append(v, to: &s) }
            sectors.append(s)
        }
        let fatIDs = (0..<fatSectors).map { UInt32(firstFAT + $0) }
        for k in 0..<difatSectors {
            var s: [UInt8] = []
            let slice = fatIDs.dropFirst(109 + k * (perFAT - 1)).prefix(perFAT - 1)
            for v in slice { LittleEndian.append(v, to: &s) }
            for _ in slice.count..<(perFAT - 1) { LittleEndian.append(free, to: &s) }
            LittleEndian.append(k == difatSectors - 1 ? end : UInt32(firstDIFAT + k + 1), to: &s)
            sectors.append(s)
        }

        var out: [UInt8] = CompoundFile.signature + [UInt8](repeating: 0, count: 16)
        LittleEndian.append(UInt16(0x003E), to: &out)
        LittleEndian.append(version == 4 ? UInt16(4) : UInt16(3), to: &out)
        LittleEndian.append(UInt16(0xFFFE), to: &out)
        LittleEndian.append(version == 4 ? UInt16(12) : UInt16(9), to: &out)
        LittleEndian.append(UInt16(6), to: &out)
        out += [UInt8](repeating: 0, count: 6)
        LittleEndian.append(version == 4 ? UInt32(dirSectors) : 0, to: &out)
        LittleEndian.append(UInt32(fatSectors), to: &out)
        LittleEndian.append(dirStart, to: &out)
        LittleEndian.append(UInt32(0), to: &out)
        LittleEndian.append(UInt32(4096), to: &out)
        LittleEndian.append(miniFATStart, to: &out)
        LittleEndian.append(UInt32(miniFATSectors), to: &out)
        LittleEndian.append(difatSectors > 0 ? UInt32(firstDIFAT) : end, to: &out)
        LittleEndian.append(UInt32(difatSectors), to: &out)
        for i in 0..<109 { LittleEndian.append(i < fatIDs.count ? fatIDs[i] : free, to: &out) }
        out += [UInt8](repeating: 0, count: sectorSize - out.count)
        out.reserveCapacity(512 + sectors.count * sectorSize)
        for s in sectors { out += s }
        return out
    }

    /// MS-CFB order: shorter names first, then upper-cased UTF-16 code units.
    static func precedes(_ a: CompoundFileNode, _ b: CompoundFileNode) -> Bool {
        let ua = Array(a.name.uppercased().utf16), ub = Array(b.name.uppercased().utf16)
        if ua.count != ub.count { return ua.count < ub.count }
        return ua.lexicographicallyPrecedes(ub)
    }

    private static func balance(_ ids: ArraySlice<Int>, _ entries: inout [Entry]) -> UInt32 {
        guard !ids.isEmpty else { return DirectoryEntry.noStream }
        let mid = ids.startIndex + ids.count / 2
        let id = ids[mid]
        entries[id].left = balance(ids[ids.startIndex..<mid], &entries)
        entries[id].right = balance(ids[(mid + 1)...], &entries)
        return UInt32(id)
    }

    private static func encode(_ e: Entry) -> [UInt8] {
        var out: [UInt8] = []
        let units = Array(e.node.name.utf16.prefix(31))
        for u in units { LittleEndian.append(u, to: &out) }
        out += [UInt8](repeating: 0, count: 64 - out.count)
        LittleEndian.append(UInt16((units.count + 1) * 2), to: &out)
        out.append(e.node.isStorage ? 1 : 2)
        out.append(1)
        LittleEndian.append(e.left, to: &out)
        LittleEndian.append(e.right, to: &out)
        LittleEndian.append(e.child, to: &out)
        out += e.node.clsid.count == 16 ? e.node.clsid : [UInt8](repeating: 0, count: 16)
        LittleEndian.append(e.node.stateBits, to: &out)
        LittleEndian.append(e.node.created, to: &out)
        LittleEndian.append(e.node.modified, to: &out)
        LittleEndian.append(e.start, to: &out)
        LittleEndian.append(e.size, to: &out)
        return out
    }

    private static func encodeUnused() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 0x44)
        for _ in 0..<3 { LittleEndian.append(DirectoryEntry.noStream, to: &out) }
        out += [UInt8](repeating: 0, count: 128 - out.count)
        return out
    }
}
