/// The records of a PowerPoint 97-2003 `PowerPoint Document` stream (MS-PPT) that carry macros.
///
/// A presentation has no VBA storage of its own: its project is a compound file kept inside an
/// ExOleObjStg atom (type 0x1011; recInstance 1: u32 decompressed size, then zlib; 0: stored),
/// which the VBAInfoAtom (0x0400, in VBAInfoContainer 0x03FF) names by persist id and flags with
/// fHasMacros. Embedded OLE objects use the same atom, so every one of them is worth opening.
///
/// Records (8-byte header: u16 recVer | recInstance << 4, u16 recType, u32 recLen) are walked
/// with an explicit stack: every length is checked against what its parent has left, containers
/// (recVer 0xF) are entered at most `maxDepth` deep, so a hostile stream ends in `problem` with the
/// records read before it, never in a trap or a loop. PowerPoint reaches persist objects through
/// the persist directory's offsets, which may point into another record's data where no walk
/// goes, so the two atoms are also searched for by their header bytes, as olevba does.
struct PowerPointDocument {
    static let streamName = "PowerPoint Document"
    static let exOleObjStg: UInt16 = 0x1011
    static let vbaInfoAtom: UInt16 = 0x0400
    /// Containers nested deeper are skipped whole (real files nest about ten levels).
    static let maxDepth = 32
    /// CurrentUserAtom.headerToken of a presentation encrypted with RC4 CryptoAPI.
    static let encryptedToken: UInt32 = 0xF3D1_C4DF

    /// One ExOleObjStg atom.
    struct Storage: Hashable {
        /// Offset of the record header in the stream.
        var offset: Int
        /// recLen, the payload's size.
        var length: Int
        /// recInstance 1 (zlib after a u32 size); 0 is the compound file itself.
        var isCompressed: Bool
        /// Found by the walk, so a payload that does not decode is a defect; atoms found by the
        /// header search may be chance bytes and are dropped quietly when they do not decode.
        var isRecord: Bool
    }

    /// One VBAInfoAtom.
    struct VBAInfo: Hashable {
        var offset: Int
        var persistIdRef: UInt32
        var hasMacros: Bool
    }

    /// Why the stream, or one storage in it, could not be read.
    enum Failure: Error, Hashable, CustomStringConvertible {
        case recordOverrun(type: UInt16, offset: Int, length: Int, available: Int)
        case truncatedHeader(offset: Int, available: Int)
        case storageTruncated(offset: Int)
        case storageTooLarge(offset: Int, declared: Int, limit: Int)
        case inflate(offset: Int, Zlib.Failure)

        var description: String {
            switch self {
            case .recordOverrun(let type, let offset, let length, let available):
                "record 0x\(PowerPointDocument.hex(type)) at offset \(offset) claims \(length) bytes, \(available) remain"
            case .truncatedHeader(let offset, let available): "\(available) bytes at offset \(offset) are too few for a record header"
            case .storageTruncated(let offset): "ExOleObjStg at offset \(offset) is too short for its size field"
            case .storageTooLarge(let offset, let declared, let limit):
                "ExOleObjStg at offset \(offset) holds \(declared) bytes (limit \(limit))"
            case .inflate(let offset, let failure): "ExOleObjStg at offset \(offset): \(failure)"
            }
        }
    }

    let bytes: [UInt8]
    /// ExOleObjStg atoms in stream order.
    private(set) var storages: [Storage] = []
    private(set) var vbaInfo: [VBAInfo] = []
    /// The first structural defect; records after it were not walked (the header search still ran).
    private(set) var problem: Failure?

    /// Whether a VBAInfoAtom says the presentation has a VBA project.
    var hasMacros: Bool { vbaInfo.contains(where: \.hasMacros) }

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        walk()
        search()
    }

    /// Whether the `Current User` stream marks the presentation as encrypted (its records are then
    /// ciphertext, so nothing in them can be walked).
    static func isEncrypted(currentUser: [UInt8]) -> Bool {
        LittleEndian.u32(currentUser, 12) == encryptedToken
    }

    private mutating func walk() {
        var ends = [bytes.count]
        var pos = 0
        while let end = ends.last {
            if pos == end {
                ends.removeLast()
                continue
            }
            guard end - pos >= 8, let verInstance = LittleEndian.u16(bytes, pos), let type = LittleEndian.u16(bytes, pos + 2),
                  let length32 = LittleEndian.u32(bytes, pos + 4) else {
                problem = .truncatedHeader(offset: pos, available: end - pos)
                return
            }
            let length = Int(length32)
            let body = pos + 8
            guard length <= end - body else {
                problem = .recordOverrun(type: type, offset: pos, length: length, available: end - body)
                return
            }
            if verInstance & 0x000F == 0x000F {
                if ends.count <= Self.maxDepth {
                    ends.append(body + length)
                    pos = body
                    continue
                }
            } else {
                atom(at: pos, verInstance: verInstance, type: type, length: length, isRecord: true)
            }
            pos = body + length
        }
    }

    /// Header search for atoms the walk did not reach (olevba's way, so nothing it sees is missed).
    private mutating func search() {
        let walked = Set(storages.map(\.offset)).union(vbaInfo.map(\.offset))
        var i = 0
        while i + 8 <= bytes.count {
            defer { i += 1 }
            // Both atoms have recVer 0 or 2 and a type whose high byte is 0x10 or 0x04.
            guard bytes[i + 3] == 0x10 || bytes[i + 3] == 0x04, bytes[i + 1] == 0, !walked.contains(i),
                  let verInstance = LittleEndian.u16(bytes, i), let type = LittleEndian.u16(bytes, i + 2),
                  let length32 = LittleEndian.u32(bytes, i + 4) else { continue }
            let length = Int(length32)
            guard length <= bytes.count - i - 8 else { continue }
            switch type {
            case Self.exOleObjStg where verInstance == 0x0010 && length > 6:
                let cmf = Int(bytes[i + 12]), flg = Int(bytes[i + 13])
                if cmf & 0x0F == 8, (cmf << 8 | flg) % 31 == 0 {
                    atom(at: i, verInstance: verInstance, type: type, length: length, isRecord: false)
                }
            case Self.exOleObjStg where verInstance == 0x0000 && length >= 512:
                if CompoundFile.hasSignature(bytes[(i + 8)...]) {
                    atom(at: i, verInstance: verInstance, type: type, length: length, isRecord: false)
                }
            case Self.vbaInfoAtom where verInstance == 0x0002 && length == 12:
                atom(at: i, verInstance: verInstance, type: type, length: length, isRecord: false)
            default: break
            }
        }
        storages.sort { $0.offset < $1.offset }
        vbaInfo.sort { $0.offset < $1.offset }
    }

    private mutating func atom(at offset: Int, verInstance: UInt16, type: UInt16, length: Int, isRecord: Bool) {
        let body = offset + 8
        switch type {
        case Self.exOleObjStg where verInstance & 0x000F == 0:
            // MS-PPT allows instances 0 and 1 only; anything else is read as compressed, never skipped.
            storages.append(Storage(offset: offset, length: length, isCompressed: verInstance >> 4 != 0, isRecord: isRecord))
        case Self.vbaInfoAtom where length >= 12:
            guard let persistIdRef = LittleEndian.u32(bytes, body), let hasMacros = LittleEndian.u32(bytes, body + 4) else { return }
            vbaInfo.append(VBAInfo(offset: offset, persistIdRef: persistIdRef, hasMacros: hasMacros != 0))
        default: break
        }
    }

    /// The compound file stored in `storage`, inflated if compressed; at most `limit` bytes.
    func contents(of storage: Storage, limit: Int) throws(Failure) -> [UInt8] {
        let body = storage.offset + 8
        guard body >= 0, storage.length >= 0, storage.length <= bytes.count - body else {
            throw .storageTruncated(offset: storage.offset)
        }
        let payload = bytes[body..<(body + storage.length)]
        guard storage.isCompressed else {
            guard payload.count <= limit else { throw .storageTooLarge(offset: storage.offset, declared: payload.count, limit: limit) }
            return Array(payload)
        }
        guard let declared32 = LittleEndian.u32(payload, body) else { throw .storageTruncated(offset: storage.offset) }
        let declared = Int(declared32)
        guard declared <= limit else { throw .storageTooLarge(offset: storage.offset, declared: declared, limit: limit) }
        do {
            return try Zlib.inflate(payload.dropFirst(4), size: declared)
        } catch {
            throw .inflate(offset: storage.offset, error)
        }
    }

    /// The stream with every VBAInfoAtom's fHasMacros cleared and each of `projects` holding
    /// `replacement` (zlib-compressed, zero-padded) instead: no record changes length, so the
    /// persist directory's offsets and the `Current User` stream stay valid. Nil when a storage is
    /// too small to hold the compressed replacement.
    func replacingStorages(_ projects: [Storage], with replacement: [UInt8]) -> [UInt8]? {
        guard let compressed = Zlib.compress(replacement) else { return nil }
        var out = bytes
        for info in vbaInfo where info.hasMacros {
            guard LittleEndian.put(0, into: &out, at: info.offset + 12) else { return nil }
        }
        for storage in projects {
            let body = storage.offset + 8
            guard storage.length >= 4 + compressed.count, storage.offset >= 0, storage.length <= out.count - body,
                  let size = UInt32(exactly: replacement.count) else { return nil }
            out[storage.offset] = 0x10  // recVer 0, recInstance 1: compressed
            out[storage.offset + 1] = 0x00
            LittleEndian.put(size, into: &out, at: body)
            out.replaceSubrange((body + 4)..<(body + 4 + compressed.count), with: compressed)
            out.replaceSubrange((body + 4 + compressed.count)..<(body + storage.length),
                                with: repeatElement(0, count: storage.length - 4 - compressed.count))
        }
        return out
    }

    static func hex(_ v: UInt16) -> String {
        let digits = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }
}
