import CArchive

/// A zip archive read into memory or written from members, through libarchive.
///
/// Reading goes through `ArchiveReader`; writing is the one libarchive writer. Handles are created
/// and freed inside each call, so no pointer escapes. Calls block; run them on `ScanContext.blocking`.
public enum ZipArchive {
    /// One member of an archive.
    public struct Member: Sendable, Hashable {
        public var name: String
        public var data: [UInt8]
        /// The member is encrypted and its data could not be read.
        public var isEncrypted: Bool
        /// Only the first block was read (`read(_:limits:skippingPictures:)` met a picture).
        public var isTruncated: Bool

        public init(name: String, data: [UInt8], isEncrypted: Bool = false, isTruncated: Bool = false) {
            self.name = name
            self.data = data
            self.isEncrypted = isEncrypted
            self.isTruncated = isTruncated
        }
    }

    /// Caps that bound what a hostile archive can make us allocate.
    public struct Limits: Sendable, Hashable {
        public var maxMembers: Int = 5_000
        public var maxMemberBytes: Int = 64 << 20
        public var maxTotalBytes: Int = 256 << 20
        public init() {}
    }

    /// Why an archive could not be read or written.
    public enum Failure: Error, Hashable, CustomStringConvertible {
        case unreadable(String)
        case limit(String)
        case writeFailed(String)

        public var description: String {
            switch self {
            case .unreadable(let m): "archive unreadable: \(m)"
            case .limit(let m): "archive limit reached: \(m)"
            case .writeFailed(let m): "archive could not be written: \(m)"
            }
        }
    }

    /// Whether `bytes` starts like a zip file (local header or empty-archive record).
    public static func looksLikeZip(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 4 && bytes[0] == 0x50 && bytes[1] == 0x4B && (bytes[2] == 3 || bytes[2] == 5) && (bytes[3] == 4 || bytes[3] == 6)
    }

    /// Reads every regular member of the zip in `bytes`.
    ///
    /// With `skippingPictures`, a member whose first block is a JPEG, PNG or GIF keeps only that block:
    /// a picture cannot carry a macro, and documents grow by pictures, so detection need not inflate
    /// them (disarm reads everything, since it writes every member back).
    public static func read(_ bytes: [UInt8], limits: Limits = Limits(), skippingPictures: Bool = false) throws(Failure) -> [Member] {
        guard let reader = ArchiveReader(bytes: bytes[...], format: .zip) else { throw .unreadable("not a zip archive") }
        var members: [Member] = []
        var total = 0
        while true {
            let entry: ArchiveReader.Entry
            switch reader.nextEntry() {
            case .end: return members
            case .failed(let reason, _): throw .unreadable(reason)
            case .entry(let next): entry = next
            }
            guard members.count < limits.maxMembers else { throw .limit("more than \(limits.maxMembers) members") }
            guard entry.isRegularFile else { continue }
            if entry.isEncrypted {
                members.append(Member(name: entry.path, data: [], isEncrypted: true))
                continue
            }
            var data: [UInt8] = []
            var truncated = false
            reading: while true {
                switch reader.read({ data.append(contentsOf: $0) }) {
                case .end: break reading
                case .failed(let reason, _): throw .unreadable("\(entry.path): \(reason)")
                case .data(let count):
                    total += count
                    // The rest of the member is skipped by the next header read.
                    if skippingPictures, data.count == count, isPicture(data) {
                        truncated = true
                        break reading
                    }
                    guard data.count <= limits.maxMemberBytes else { throw .limit("\(entry.path) expands past \(limits.maxMemberBytes) bytes") }
                    guard total <= limits.maxTotalBytes else { throw .limit("archive expands past \(limits.maxTotalBytes) bytes") }
                }
            }
            members.append(Member(name: entry.path, data: data, isEncrypted: false, isTruncated: truncated))
        }
    }

    public static func isPicture(_ data: [UInt8]) -> Bool {
        data.starts(with: [0xFF, 0xD8, 0xFF]) || data.starts(with: [0x89, 0x50, 0x4E, 0x47]) || data.starts(with: Array("GIF8".utf8))
    }

    /// Whether deflating `data` would only cost time: pictures, media and archives are compressed
    /// already, and Office documents grow by pictures, so a disarmed 20 MB document re-deflated byte
    /// by byte spends most of its time here. Such members are stored (OPC allows both methods).
    public static func isAlreadyCompressed(_ data: [UInt8]) -> Bool {
        guard data.count >= 4096 else { return false }
        let magics: [[UInt8]] = [
            [0xFF, 0xD8, 0xFF], [0x89, 0x50, 0x4E, 0x47], [0x47, 0x49, 0x46, 0x38], [0x50, 0x4B, 0x03, 0x04],
            [0x1F, 0x8B], [0x37, 0x7A, 0xBC, 0xAF], Array("RIFF".utf8),
        ]
        return magics.contains { data.starts(with: $0) }
    }

    /// Writes `members` in order as a zip: deflated, except members compressed already (stored).
    public static func write(_ members: [Member]) throws(Failure) -> [UInt8] {
        guard let w = archive_write_new() else { throw .writeFailed("out of memory") }
        defer { archive_write_free(w) }
        archive_write_set_format_zip(w)
        archive_write_zip_set_compression_deflate(w)
        let capacity = members.reduce(4096) { $0 + $1.data.count + $1.name.utf8.count * 3 + 256 }
        var out = [UInt8](repeating: 0, count: capacity)
        // libarchive keeps this pointer and updates it until the archive is closed.
        let used = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        used.initialize(to: 0)
        defer { used.deallocate() }
        let failure: Failure? = out.withUnsafeMutableBytes { buf in
            guard archive_write_open_memory(w, buf.baseAddress, buf.count, used) == ARCHIVE_OK else {
                return .writeFailed(errorString(w))
            }
            for member in members {
                guard let e = archive_entry_new() else { return .writeFailed("out of memory") }
                defer { archive_entry_free(e) }
                archive_entry_set_pathname_utf8(e, member.name)
                archive_entry_set_filetype(e, UInt32(moat_AE_IFREG))
                archive_entry_set_perm(e, 0o644)
                archive_entry_set_size(e, la_int64_t(member.data.count))
                archive_entry_set_mtime(e, 315_532_800, 0)
                if isAlreadyCompressed(member.data) {
                    archive_write_zip_set_compression_store(w)
                } else {
                    archive_write_zip_set_compression_deflate(w)
                }
                guard archive_write_header(w, e) == ARCHIVE_OK else { return .writeFailed(errorString(w)) }
                if !member.data.isEmpty {
                    let n = member.data.withUnsafeBytes { archive_write_data(w, $0.baseAddress, $0.count) }
                    guard n == member.data.count else { return .writeFailed(errorString(w)) }
                }
            }
            guard archive_write_close(w) == ARCHIVE_OK else { return .writeFailed(errorString(w)) }
            return nil
        }
        if let failure { throw failure }
        return Array(out[0..<used.pointee])
    }

    private static func errorString(_ a: OpaquePointer) -> String {
        archive_error_string(a).map { String(cString: $0) } ?? "unknown error"
    }
}
