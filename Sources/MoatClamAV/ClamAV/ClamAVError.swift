/// What can go wrong in the in-process ClamAV engine; each case says where and libclamav's reason.
public enum ClamAVError: Error, CustomStringConvertible, Sendable, Equatable {
    /// `cl_init` failed: the library cannot be used in this process.
    case initialisation(String)
    /// A database file or directory could not be loaded (malformed signature, unreadable file).
    case databaseLoad(path: String, reason: String)
    /// `cl_engine_compile` failed.
    case compile(String)
    /// An engine setting was refused (field number from `cl_engine_field`).
    case setting(field: Int, reason: String)
    /// libclamav could not allocate what the named call needed.
    case outOfMemory(String)
    /// A scan returned an error other than a limit (`cl_error_t` code and `cl_strerror` text).
    case scan(code: Int, reason: String)
    /// A scan of a message part failed; wraps `scan` with the part.
    case partScan(partPath: String, underlying: String)
    /// The temporary directory for extracted files could not be made.
    case temporaryDirectory(path: String, reason: String)

    public var description: String {
        switch self {
        case .initialisation(let reason): "libclamav cl_init failed: \(reason)"
        case .databaseLoad(let path, let reason): "cannot load ClamAV database \(path): \(reason)"
        case .compile(let reason): "cannot compile ClamAV engine: \(reason)"
        case .setting(let field, let reason): "libclamav refused engine setting \(field): \(reason)"
        case .outOfMemory(let call): "libclamav \(call) failed (out of memory)"
        case .scan(let code, let reason): "libclamav scan error \(code): \(reason)"
        case .partScan(let partPath, let underlying):
            "ClamAV scan of part \"\(partPath)\" failed: \(underlying)"
        case .temporaryDirectory(let path, let reason): "cannot prepare ClamAV temporary directory \(path): \(reason)"
        }
    }
}
