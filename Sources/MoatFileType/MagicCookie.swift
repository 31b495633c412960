import CMagic

/// One libmagic handle (`magic_t`) with its database loaded: the only type that touches a cookie.
///
/// libmagic is not documented as thread-safe: a cookie must serve one thread at a time, and
/// cookies must not be opened concurrently. `MagicDetector` hands each cookie to one pool thread
/// at a time and opens them under a process-wide lock.
final class MagicCookie {
    /// `MAGIC_MIME_TYPE` only: no `MAGIC_COMPRESS` (it may fork decompressors), and
    /// `MAGIC_NO_COMPRESS_FORK` in case a future default turns it on.
    static let flags: Int32 = MAGIC_MIME_TYPE | MAGIC_NO_COMPRESS_FORK

    private let handle: magic_t
    /// How many leading bytes libmagic reads from a file (`MAGIC_PARAM_BYTES_MAX`); buffers are cut
    /// to this length so answers match `file(1)` on the same bytes.
    let bytesMax: Int

    /// Opens a cookie and loads `database` (nil: libmagic's default, `$MAGIC` or `magic.mgc`).
    init(database: String?) throws(FileTypeError) {
        guard let handle = magic_open(Self.flags) else {
            throw .magicUnavailable("magic_open failed")
        }
        let loaded = database.map { magic_load(handle, $0) } ?? magic_load(handle, nil)
        guard loaded == 0 else {
            let reason = magic_error(handle).map { String(cString: $0) } ?? "unknown error"
            magic_close(handle)
            throw .magicUnavailable("cannot load the magic database \(database ?? "(default)"): \(reason)")
        }
        var limit = 0
        if magic_getparam(handle, MAGIC_PARAM_BYTES_MAX, &limit) != 0 || limit <= 0 {
            limit = 1 << 20
        }
        self.handle = handle
        self.bytesMax = limit
    }

    deinit {
        magic_close(handle)
    }

    /// The MIME type of `bytes` (`application/pdf`), as `file --brief --mime-type` reports it.
    func mimeType(of bytes: ArraySlice<UInt8>) throws(FileTypeError) -> String {
        let slice = bytes.prefix(bytesMax)
        let answer: String? = slice.withUnsafeBytes { raw in
            // libmagic needs a non-NULL pointer even for an empty buffer.
            var empty: UInt8 = 0
            let result: UnsafePointer<CChar>?
            if let base = raw.baseAddress, raw.count > 0 {
                result = magic_buffer(handle, base, raw.count)
            } else {
                result = magic_buffer(handle, &empty, 0)
            }
            return result.map { String(cString: $0) }
        }
        guard let answer else {
            let reason = magic_error(handle).map { String(cString: $0) } ?? "unknown error"
            throw .magicFailed(reason)
        }
        // Older databases may append parameters; the essence is what policy compares.
        let essence = answer.prefix { $0 != ";" }.filter { $0 != " " && $0 != "\t" }
        return essence.lowercased()
    }

    /// libmagic's version as `5.44`.
    static var libraryVersion: String {
        let version = Int(magic_version())
        return "\(version / 100).\(version % 100)"
    }
}
