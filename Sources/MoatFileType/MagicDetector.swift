import Synchronization

/// Finds the true type of content with libmagic, one cookie per thread at a time.
///
/// Cookies are opened lazily, one at a time under a process-wide lock (concurrent opens have been
/// seen to damage the heap), and each is lent to exactly one blocking-pool thread for the duration
/// of `withCookie`. At most as many cookies exist as threads ever ran inspections concurrently.
/// Call only from a blocking pool thread: libmagic calls block.
final class MagicDetector: Sendable {
    /// Serialises `magic_open`/`magic_load` across every detector in the process.
    private static let openLock = Mutex(())

    private let database: String?
    private let idle: Mutex<[CheckedOutCookie]>

    /// Opens one cookie now, so a missing or broken database fails at build time, not per message.
    init(database: String?) throws(FileTypeError) {
        self.database = database
        let first = try Self.open(database: database)
        self.idle = Mutex([first])
    }

    /// Runs `body` with a cookie no other thread is using.
    func withCookie<T>(_ body: (MagicCookie) throws -> T) throws -> T {
        let lent = try idle.withLock { $0.popLast() } ?? Self.open(database: database)
        defer { idle.withLock { $0.append(lent) } }
        return try body(lent.cookie)
    }

    private static func open(database: String?) throws(FileTypeError) -> CheckedOutCookie {
        try openLock.withLock { _ throws(FileTypeError) in
            CheckedOutCookie(cookie: try MagicCookie(database: database))
        }
    }
}

/// A cookie in the detector's idle list.
///
/// `@unchecked Sendable` because the list only moves it between threads: `withCookie` takes it out
/// under the lock and gives it to one thread, which is the only user until it is put back.
private struct CheckedOutCookie: @unchecked Sendable {
    let cookie: MagicCookie
}
