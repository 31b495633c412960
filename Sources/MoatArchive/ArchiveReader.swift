import CArchive

/// One libarchive read handle over an in-memory archive, for every reader in Moat (the filetype
/// engine's archive walk and `ZipArchive`).
///
/// The archive bytes are copied into a buffer this object owns, because libarchive keeps reading
/// from it until the handle is freed. Only the formats and filters of `ArchiveFormat` are
/// enabled, never `_all`. Data is read in fixed chunks; nothing is sized from header claims.
/// Not thread-safe: use it on one thread, inside one blocking-pool job.
public final class ArchiveReader {
    /// One member's header.
    public struct Entry: Sendable {
        /// Path inside the archive (UTF-8 if libarchive could convert it, else the raw bytes read leniently).
        public var path: String
        public var isRegularFile: Bool
        public var isDirectory: Bool
        /// The member's data (or metadata) is encrypted; reading it will fail.
        public var isEncrypted: Bool
    }

    /// What `nextEntry` found.
    public enum Header {
        case entry(Entry)
        case end
        /// The archive cannot be read further; `encrypted` when libarchive says why is a passphrase.
        case failed(String, encrypted: Bool)
    }

    /// What `read` found.
    public enum Chunk {
        case data(Int)
        case end
        case failed(String, encrypted: Bool)
    }

    /// `AE_IFDIR` (a cast macro Swift does not import).
    private static let directoryType: UInt32 = 0o040000

    private let handle: OpaquePointer
    private let buffer: UnsafeMutableRawBufferPointer
    private var chunk: [UInt8]

    /// Opens `bytes` for reading as `format`; nil if libarchive does not recognise it.
    public init?(bytes: ArraySlice<UInt8>, format: ArchiveFormat, chunkSize: Int = 64 * 1024) {
        guard let handle = archive_read_new() else { return nil }
        self.handle = handle
        self.buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, bytes.count), alignment: 16)
        self.chunk = [UInt8](repeating: 0, count: chunkSize)
        _ = buffer.initializeMemory(as: UInt8.self, from: bytes)
        Self.enable(format, on: handle)
        guard archive_read_open_memory(handle, buffer.baseAddress, bytes.count) == ARCHIVE_OK else { return nil }
    }

    deinit {
        archive_read_free(handle)
        buffer.deallocate()
    }

    private static func enable(_ format: ArchiveFormat, on a: OpaquePointer) {
        switch format {
        case .zip: archive_read_support_format_zip(a)
        case .sevenZip: archive_read_support_format_7zip(a)
        case .rar:
            archive_read_support_format_rar(a)
            archive_read_support_format_rar5(a)
        case .tar: archive_read_support_format_tar(a)
        case .cab: archive_read_support_format_cab(a)
        case .iso9660: archive_read_support_format_iso9660(a)
        case .lha: archive_read_support_format_lha(a)
        case .compressed:
            archive_read_support_filter_gzip(a)
            archive_read_support_filter_bzip2(a)
            archive_read_support_filter_xz(a)
            archive_read_support_filter_lzma(a)
            archive_read_support_format_tar(a)
            archive_read_support_format_raw(a)
        }
    }

    /// The next member's header.
    public func nextEntry() -> Header {
        var entry: OpaquePointer?
        var status = archive_read_next_header(handle, &entry)
        var retries = 0
        while status == ARCHIVE_RETRY, retries < 3 {
            status = archive_read_next_header(handle, &entry)
            retries += 1
        }
        switch status {
        case ARCHIVE_EOF:
            return .end
        case ARCHIVE_OK, ARCHIVE_WARN:
            guard let entry else { return .failed("no entry", encrypted: false) }
            let path: String
            if let utf8 = archive_entry_pathname_utf8(entry) {
                path = String(cString: utf8)
            } else if let raw = archive_entry_pathname(entry) {
                path = String(cString: raw)  // invalid UTF-8 is repaired with U+FFFD
            } else {
                path = ""
            }
            let type = UInt32(archive_entry_filetype(entry))
            return .entry(Entry(
                path: path,
                isRegularFile: type == moat_AE_IFREG,
                isDirectory: type == Self.directoryType,
                isEncrypted: archive_entry_is_encrypted(entry) != 0
            ))
        default:
            return .failed(errorText, encrypted: encryptionReported)
        }
    }

    /// Reads up to one chunk of the current member's data and hands it to `sink`.
    public func read(_ sink: (ArraySlice<UInt8>) -> Void) -> Chunk {
        let count = chunk.withUnsafeMutableBytes { archive_read_data(handle, $0.baseAddress, $0.count) }
        if count > 0 {
            sink(chunk[0..<count])
            return .data(count)
        }
        if count == 0 { return .end }
        return .failed(errorText, encrypted: encryptionReported)
    }

    /// libarchive's name for the format it recognised (`ZIP 2.0 (deflation)`, `RAW`).
    public var formatName: String {
        archive_format_name(handle).map { String(cString: $0) } ?? "unknown"
    }

    /// The format recognised is `raw`: one unnamed member, a bare compressed stream.
    public var isRawStream: Bool {
        archive_format(handle) & ARCHIVE_FORMAT_BASE_MASK == ARCHIVE_FORMAT_RAW
    }

    /// libarchive says some entries are encrypted.
    public var hasEncryptedEntries: Bool {
        archive_read_has_encrypted_entries(handle) > 0
    }

    private var errorText: String {
        archive_error_string(handle).map { String(cString: $0) } ?? "unknown libarchive error"
    }

    private var encryptionReported: Bool {
        if hasEncryptedEntries { return true }
        let text = errorText.lowercased()
        return text.contains("passphrase") || text.contains("encrypt")
    }

    /// libarchive's version string, for `status`.
    public static var libraryVersion: String {
        archive_version_string().map { String(cString: $0) } ?? "unknown"
    }
}
