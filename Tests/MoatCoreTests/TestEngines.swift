import MoatCore
import MoatMessage
import Synchronization

/// Engines with known behaviour for pipeline tests: each is a real `ScanEngine` run by the real pipeline.
struct FixedEngine: ScanEngine {
    var report: EngineReport
    func scan(_ input: ScanInput, context: ScanContext) async throws -> EngineReport { report }
}

/// Sleeps cooperatively for `delay` (honours cancellation).
struct SleepingEngine: ScanEngine {
    var delay: Duration
    func scan(_ input: ScanInput, context: ScanContext) async throws -> EngineReport {
        try await Task.sleep(for: delay)
        return .clean
    }
}

/// Blocks a pool thread (like a C call that cannot be interrupted) for `milliseconds`.
final class BlockingEngine: ScanEngine {
    let milliseconds: UInt32
    /// Set when the blocking call returns.
    let finished = Flag()
    init(milliseconds: UInt32) { self.milliseconds = milliseconds }
    func scan(_ input: ScanInput, context: ScanContext) async throws -> EngineReport {
        let duration = milliseconds
        let finished = self.finished
        try await context.blocking.run {
            usleep(duration * 1000)
            finished.set()
        }
        return .clean
    }
}

struct ThrowingEngine: ScanEngine {
    struct Failure: Error, CustomStringConvertible {
        var description: String { "database unavailable" }
    }
    func scan(_ input: ScanInput, context: ScanContext) async throws -> EngineReport {
        throw Failure()
    }
}

/// A thread-safe boolean.
final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}

/// Counts its scans, to prove which snapshot a scan used.
final class CountingEngine: ScanEngine {
    let count = Mutex(0)
    let report: EngineReport
    init(report: EngineReport) { self.report = report }
    func scan(_ input: ScanInput, context: ScanContext) async throws -> EngineReport {
        count.withLock { $0 += 1 }
        await Task.yield()
        return report
    }
}

enum Fixtures {
    static let plain = Message(parsing: Array("""
        From: alice@example.com\r
        To: bob@example.org\r
        Subject: hello\r
        \r
        Hello Bob.\r

        """.utf8))

    static func engine(_ name: String, _ engine: any ScanEngine, state: EngineState = .active,
                       weight: Double = 1, timeoutMilliseconds: Int = 2000,
                       onError: EngineManifest.FailurePolicy = .ignore) -> RegisteredEngine {
        RegisteredEngine(
            manifest: EngineManifest(name: name, adapter: "test", state: state, weight: weight,
                                     timeoutMilliseconds: timeoutMilliseconds, onError: onError),
            engine: engine
        )
    }
}

#if canImport(Glibc)
import Glibc
#endif
