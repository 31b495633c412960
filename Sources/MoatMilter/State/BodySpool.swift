import NIOCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The body of one message: in memory while small, in a private temporary file past a threshold.
///
/// Bodies arrive in 64 KiB chunks and can be tens of megabytes; holding many of them in
/// memory at once would let a burst of large mails exhaust the daemon. Past
/// `memoryThreshold` bytes the body moves to a file created with `O_EXCL` and mode 0600 in
/// `directory`, so other local users can neither read it nor plant one in its place.
/// ``discard()`` (called when the message ends or is aborted, and on deinit) closes and
/// unlinks the file. The spool stores what it is given; the session bounds that by the
/// maximum message size.
///
/// A lock guards the state so a finished spool can be read from the scanning task while the
/// session keeps the object; appends only happen before the scan starts.
public final class BodySpool: Sendable {
    private enum Storage {
        case memory([UInt8])
        case file(descriptor: Int32, path: String)
        case discarded
    }

    private struct State {
        var storage: Storage = .memory([])
        var size = 0
    }

    /// Bodies up to this many bytes stay in memory.
    public let memoryThreshold: Int
    /// Where spool files are created.
    public let directory: String
    private let state = Mutex(State())

    /// - Parameters:
    ///   - memoryThreshold: bytes kept in memory before moving to a file.
    ///   - directory: a directory only the daemon can write to is best; the file is 0600 anyway.
    public init(memoryThreshold: Int, directory: String) {
        self.memoryThreshold = memoryThreshold
        self.directory = directory
    }

    deinit {
        self.discard()
    }

    /// The number of bytes stored.
    public var size: Int {
        self.state.withLock { $0.size }
    }

    /// The path of the spool file, or nil while the body is in memory (or discarded).
    /// Valid only until ``discard()``.
    public var filePath: String? {
        self.state.withLock { state in
            if case .file(_, let path) = state.storage { return path }
            return nil
        }
    }

    /// Whether appending `count` more bytes means writing the spool file (the body is already in
    /// one, or would outgrow `memoryThreshold`): the caller then appends on a thread that may block.
    public func needsFile(forAppending count: Int) -> Bool {
        self.state.withLock { state in
            switch state.storage {
            case .memory(let buffer): return buffer.count + count > self.memoryThreshold
            case .file: return true
            case .discarded: return false
            }
        }
    }

    /// Appends a chunk, moving the body to a file once it outgrows `memoryThreshold`.
    public func append(_ chunk: ByteBuffer) throws {
        try self.append(chunk.readableBytesView)
    }

    /// Appends bytes, moving the body to a file once it outgrows `memoryThreshold`.
    public func append<Bytes: Collection<UInt8>>(_ bytes: Bytes) throws {
        guard !bytes.isEmpty else { return }
        try self.state.withLock { state in
            switch state.storage {
            case .discarded:
                throw BodySpoolError.discarded
            case .memory(var buffer):
                if buffer.count + bytes.count <= self.memoryThreshold {
                    state.storage = .memory([])  // keep the array uniquely referenced
                    buffer.append(contentsOf: bytes)
                    state.storage = .memory(buffer)
                } else {
                    let (descriptor, path) = try Self.createFile(in: self.directory)
                    state.storage = .file(descriptor: descriptor, path: path)
                    try Self.writeAll(buffer, to: descriptor, path: path)
                    try Self.writeAll(Array(bytes), to: descriptor, path: path)
                }
            case .file(let descriptor, let path):
                try Self.writeAll(Array(bytes), to: descriptor, path: path)
            }
            state.size += bytes.count
        }
    }

    /// All stored body bytes, read back from memory or the spool file.
    public func bodyBytes() throws -> [UInt8] {
        try self.state.withLock { state in
            switch state.storage {
            case .discarded:
                throw BodySpoolError.discarded
            case .memory(let buffer):
                return buffer
            case .file(let descriptor, let path):
                return try Self.readAll(from: descriptor, path: path, size: state.size)
            }
        }
    }

    /// Releases the body: frees memory, closes and unlinks the spool file. Idempotent.
    public func discard() {
        let storage = self.state.withLock { state in
            let old = state.storage
            state.storage = .discarded
            return old
        }
        if case .file(let descriptor, let path) = storage {
            _ = unlink(path)
            _ = close(descriptor)
        }
    }

    private static func createFile(in directory: String) throws -> (Int32, String) {
        var generator = SystemRandomNumberGenerator()
        var lastError: Int32 = 0
        for _ in 0..<16 {
            let suffix = String(generator.next() as UInt64, radix: 16)
            let path = directory + "/moat-body-" + suffix
            let descriptor = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
            if descriptor >= 0 {
                return (descriptor, path)
            }
            lastError = errno
            if lastError != EEXIST { break }
        }
        throw BodySpoolError.cannotCreateFile(directory: directory, errno: lastError)
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32, path: String) throws {
        try bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw BodySpoolError.writeFailed(path: path, errno: errno)
                }
                offset += written
            }
        }
    }

    private static func readAll(from descriptor: Int32, path: String, size: Int) throws -> [UInt8] {
        var result = [UInt8](repeating: 0, count: size)
        try result.withUnsafeMutableBytes { raw in
            var offset = 0
            while offset < size {
                let count = pread(descriptor, raw.baseAddress! + offset, size - offset, off_t(offset))
                if count < 0 {
                    if errno == EINTR { continue }
                    throw BodySpoolError.readFailed(path: path, errno: errno)
                }
                if count == 0 {
                    throw BodySpoolError.readFailed(path: path, errno: EIO)
                }
                offset += count
            }
        }
        return result
    }
}
