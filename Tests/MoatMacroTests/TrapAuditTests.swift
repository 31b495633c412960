import Testing
@testable import MoatMacro

/// The bounds-checked little-endian readers, and short records in every format that reads with
/// them: each must return (nil, a problem, a thrown error) instead of trapping. See
/// docs/trap-audit.md.
@Suite("Trap audit: malformed input returns")
struct TrapAuditTests {
    @Test("readers return nil for a value not wholly inside the bytes")
    func checkedReaders() {
        let b: [UInt8] = [1, 2, 3, 4, 5, 6, 7, 8]
        #expect(LittleEndian.u16(b, 6) == 0x0807)
        #expect(LittleEndian.u16(b, 7) == nil)
        #expect(LittleEndian.u16(b, -1) == nil)
        #expect(LittleEndian.u32(b, 4) == 0x0807_0605)
        #expect(LittleEndian.u32(b, 5) == nil)
        #expect(LittleEndian.u32(b, Int.max) == nil)
        #expect(LittleEndian.u64(b[...], 0) == 0x0807_0605_0403_0201)
        #expect(LittleEndian.u64(b[...], 1) == nil)
        let slice = b[2..<6]
        #expect(LittleEndian.u32(slice, 2) == 0x0605_0403)
        #expect(LittleEndian.u16(slice, 0) == nil)  // before the slice's start
        #expect(LittleEndian.u16([UInt8](), 0) == nil)
        var out = b
        #expect(!LittleEndian.put(0xFFFF_FFFF, into: &out, at: 5))
        #expect(!LittleEndian.put(0xFFFF_FFFF, into: &out, at: -1))
        #expect(out == b)
        #expect(LittleEndian.put(0x0A0B_0C0D, into: &out, at: 4))
        #expect(out == [1, 2, 3, 4, 0x0D, 0x0C, 0x0B, 0x0A])
    }

    @Test("a directory entry shorter than 128 bytes is nil")
    func shortDirectoryEntry() {
        let entry = [UInt8](repeating: 0, count: 127)
        #expect(DirectoryEntry(entry[...], version3: true) == nil)
        #expect(DirectoryEntry([UInt8](repeating: 0, count: 128)[...], version3: true) != nil)
    }

    @Test("records cut short in BIFF, dir, PowerPoint and OLE1 streams")
    func shortRecords() throws {
        // BOUNDSHEET claiming more bytes than there are; a header cut after two bytes.
        #expect(BIFFWorkbook([0x85, 0x00, 0xFF, 0x00, 0, 0, 0, 0, 0, 1]).macroSheets.isEmpty)
        #expect(BIFFWorkbook([0x85, 0x00]).macroSheets.isEmpty)
        // A sheet name whose UTF-16 characters run past the record.
        #expect(BIFFWorkbook.sheetName([200, 1, 0x41, 0]) == VBADirectory.text([1, 0x41, 0][...].prefix(200)))
        // dir records: a code page record of one byte, a text offset of two.
        let dir = try VBADirectory(decompressed: [0x03, 0x00, 1, 0, 0, 0, 0xE4, 0x19, 0x00, 1, 0, 0, 0, 0x4D, 0x31, 0x00, 2, 0, 0, 0, 9, 9])
        #expect(dir.codePage == 1252)
        #expect(dir.modules.map(\.textOffset) == [0])
        #expect(throws: VBADirectory.Malformed.self) { try VBADirectory(decompressed: [0x03, 0x00, 0xFF, 0xFF, 0xFF, 0xFF]) }
        // A PowerPoint atom header cut inside its length field; a storage past the stream.
        #expect(PowerPointDocument([0x10, 0x00, 0x11, 0x10, 0x08]).problem == .truncatedHeader(offset: 0, available: 5))
        let document = PowerPointDocument([0x10, 0x00, 0x11, 0x10, 0x02, 0, 0, 0, 1, 2])
        let storage = PowerPointDocument.Storage(offset: 0, length: 100, isCompressed: true, isRecord: true)
        #expect(throws: PowerPointDocument.Failure.storageTruncated(offset: 0)) { try document.contents(of: storage, limit: 1 << 20) }
        #expect(document.replacingStorages([storage], with: []) == nil)
        #expect(!PowerPointDocument.isEncrypted(currentUser: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xDF, 0xC4, 0xD1]))
        #expect(RTFObjects.ole1ClassName([1, 0, 0, 0, 2, 0, 0, 0, 5, 0, 0]) == nil)
    }
}
