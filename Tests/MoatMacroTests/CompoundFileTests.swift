import Testing
@testable import MoatMacro

@Suite struct CompoundFileTests {
    static let sample = CompoundFileNode.storage("Root Entry", [
        .stream("small", Array("hello".utf8)),
        .stream("big", (0..<10_000).map { UInt8($0 % 251) }),
        .storage("Sub", [.stream("inner", [UInt8](repeating: 7, count: 4096)), .stream("empty", [])]),
    ])

    @Test func roundTrip() throws {
        let bytes = CompoundFileWriter.write(Self.sample)
        let file = try CompoundFile(bytes: bytes)
        let byPath = Dictionary(uniqueKeysWithValues: try file.tree().map { ($0.path.joined(separator: "/"), $0.id) })
        #expect(Set(byPath.keys) == ["small", "big", "Sub", "Sub/inner", "Sub/empty"])
        #expect(try file.stream(byPath["small"]!) == Array("hello".utf8))
        #expect(try file.stream(byPath["big"]!) == (0..<10_000).map { UInt8($0 % 251) })
        #expect(try file.stream(byPath["Sub/inner"]!) == [UInt8](repeating: 7, count: 4096))
        #expect(try file.stream(byPath["Sub/empty"]!) == [])
        #expect(try file.child(of: 0, named: "SMALL") == byPath["small"])
    }

    @Test func version4RoundTrip() throws {
        let bytes = CompoundFileWriter.write(Self.sample, version: 4)
        let file = try CompoundFile(bytes: bytes)
        #expect(file.majorVersion == 4 && file.sectorSize == 4096)
        let big = try #require(try file.tree().first { $0.path == ["big"] })
        #expect(try file.stream(big.id) == (0..<10_000).map { UInt8($0 % 251) })
        let rebuilt = try CompoundFile(bytes: CompoundFileWriter.write(try file.nodes { _, _ in true }))
        #expect(try rebuilt.tree().map(\.path) == file.tree().map(\.path))
    }

    @Test func manyEntriesAndDIFAT() throws {
        // 120 streams of 70 KB need more than 109 FAT sectors, so DIFAT sectors are written.
        let streams = (0..<120).map { CompoundFileNode.stream("s\($0)", [UInt8](repeating: UInt8($0), count: 70_000)) }
        let file = try CompoundFile(bytes: CompoundFileWriter.write(.storage("R", streams)))
        let tree = try file.tree()
        #expect(tree.count == 120)
        for (path, id) in tree { #expect(try file.stream(id).first == UInt8(path[0].dropFirst())!) }
    }

    @Test func rejectsNonCompoundFiles() {
        #expect(throws: CompoundFileError.notCompoundFile) { try CompoundFile(bytes: Array("PK".utf8) + [UInt8](repeating: 0, count: 600)) }
        #expect(throws: CompoundFileError.truncatedHeader(size: 8)) { try CompoundFile(bytes: CompoundFile.signature) }
    }

    /// Offset of the FAT sector and of directory entry `id` in a file written by `CompoundFileWriter`.
    static func fatOffset(_ b: [UInt8]) -> Int { (Int(LittleEndian.u32(b, 0x4C) ?? 0) + 1) * 512 }
    static func entryOffset(_ b: [UInt8], _ id: Int) -> Int { (Int(LittleEndian.u32(b, 0x30) ?? 0) + 1) * 512 + 128 * id }

    @Test func chainCycleThrows() throws {
        var b = CompoundFileWriter.write(Self.sample)
        let file = try CompoundFile(bytes: b)
        let big = try file.tree().first { $0.path == ["big"] }!.id
        let start = Int(file.entries[big].startSector)
        LittleEndian.put(UInt32(start), into: &b, at: Self.fatOffset(b) + 4 * (start + 1)) // second sector points back
        let hostile = try CompoundFile(bytes: b)
        #expect(throws: CompoundFileError.self) { try hostile.stream(big) }
    }

    @Test func sectorOutOfRangeThrows() throws {
        var b = CompoundFileWriter.write(Self.sample)
        let file = try CompoundFile(bytes: b)
        let big = try file.tree().first { $0.path == ["big"] }!.id
        LittleEndian.put(0x00FF_FFFF, into: &b, at: Self.entryOffset(b, big) + 0x74)
        #expect(throws: CompoundFileError.sectorOutOfRange(sector: 0x00FF_FFFF, chain: "stream of entry \(big)")) {
            try CompoundFile(bytes: b).stream(big)
        }
    }

    @Test func oversizedClaimThrows() throws {
        var b = CompoundFileWriter.write(Self.sample)
        let big = try CompoundFile(bytes: b).tree().first { $0.path == ["big"] }!.id
        LittleEndian.put(0x7FFF_FFFF, into: &b, at: Self.entryOffset(b, big) + 0x78)
        #expect(throws: CompoundFileError.self) { try CompoundFile(bytes: b).stream(big) }
    }

    @Test func directoryCycleThrows() throws {
        var b = CompoundFileWriter.write(Self.sample)
        // Make the root's child tree point back at itself through a sibling link.
        let file = try CompoundFile(bytes: b)
        let child = Int(file.entries[0].child)
        LittleEndian.put(UInt32(child), into: &b, at: Self.entryOffset(b, child) + 0x44)
        #expect(throws: CompoundFileError.directoryCorrupt(entry: UInt32(child), reason: "tree cycle")) { try CompoundFile(bytes: b).tree() }
    }

    @Test func fatLoopInDirectoryChainThrows() throws {
        var b = CompoundFileWriter.write(Self.sample)
        let dir = Int(LittleEndian.u32(b, 0x30) ?? 0)
        LittleEndian.put(UInt32(dir), into: &b, at: Self.fatOffset(b) + 4 * dir)
        #expect(throws: CompoundFileError.chainCycle(sector: UInt32(dir), chain: "directory")) { try CompoundFile(bytes: b) }
    }

    /// Random corruption never traps or hangs: every outcome is a value or a thrown error.
    @Test func fuzzedBytesNeverTrap() throws {
        let base = Fixtures.vbaProjectBin()
        var rng = SplitMix(seed: 42)
        for _ in 0..<400 {
            var b = base
            for _ in 0..<8 { b[Int(rng.next() % UInt64(b.count))] = UInt8(truncatingIfNeeded: rng.next()) }
            if rng.next() % 4 == 0 { b.removeLast(Int(rng.next() % UInt64(b.count - 512))) }
            _ = MacroInspector().inspect(b)
        }
    }
}

/// Deterministic generator for the fuzz loop.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
