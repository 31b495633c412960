import CClamAV
import Crypto
import Logging
import Synchronization

/// Process-wide libclamav facts and services: one-time initialisation, version, hashing, error text.
///
/// `cl_init` must run once per process before any engine exists; a Swift `static let` gives exactly
/// that (initialised once, thread-safely, on first use). libclamav's own log lines are forwarded to
/// the `Logger` of the first engine built, at warning and error level only.
enum LibClamAV {
    /// Where libclamav's messages go; set by the first engine that initialises the library.
    private static let sink = Mutex<Logger?>(nil)

    private static let initialisation: cl_error_t = {
        cl_set_clcb_msg { severity, fullMessage, _, _ in
            guard severity.rawValue >= CL_MSG_WARN.rawValue, let fullMessage else { return }
            let text = String(cString: fullMessage).trimmingTrailingNewlines()
            LibClamAV.sink.withLock { logger in
                if severity.rawValue >= CL_MSG_ERROR.rawValue {
                    logger?.error("libclamav", metadata: ["clamav.message": "\(text)"])
                } else {
                    logger?.warning("libclamav", metadata: ["clamav.message": "\(text)"])
                }
            }
        }
        return cl_init(UInt32(CL_INIT_DEFAULT))
    }()

    /// Initialises libclamav once for the process; later calls only return the first outcome.
    static func initialise(logger: Logger) throws(ClamAVError) {
        sink.withLock { current in
            if current == nil { current = logger }
        }
        let code = initialisation
        guard code == CL_SUCCESS else {
            throw .initialisation(describe(code))
        }
    }

    /// The library version, e.g. `1.4.6`.
    static var version: String { String(cString: cl_retver()) }

    /// The engine functionality level signatures are matched against (`Engine:` in `.ldb`).
    static var functionalityLevel: Int { Int(cl_retflevel()) }

    /// libclamav's text for a return code.
    static func describe(_ code: cl_error_t) -> String {
        String(cString: cl_strerror(code))
    }

    /// SHA-256 of `bytes` (swift-crypto, which the package already uses; libclamav's
    /// `cl_hash_data` needed its initialisation and an out-parameter dance for the same digest).
    static func sha256(_ bytes: [UInt8]) -> ContentDigest? {
        ContentDigest(Array(SHA256.hash(data: bytes)))
    }
}

extension String {
    fileprivate func trimmingTrailingNewlines() -> String {
        var text = self
        while text.last == "\n" || text.last == "\r" { text.removeLast() }
        return text
    }
}
