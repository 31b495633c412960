import Logging
import NIOCore
import NIOPosix

/// A dedicated pool of threads for blocking work, so C libraries never stall Swift's cooperative pool.
///
/// Swift's cooperative pool has one thread per core; a blocking libclamav or libmagic call there
/// would starve every other task. This wraps `NIOThreadPool`, whose threads exist only for such work.
public final class BlockingWorkPool: Sendable {
    /// Errors the pool reports to callers.
    public enum PoolError: Error, CustomStringConvertible {
        case shutDown

        public var description: String { "the blocking work pool has been shut down" }
    }

    private let pool: NIOThreadPool
    /// Number of threads, fixed at creation.
    public let threadCount: Int
    /// The threads scans run on, one message each at a time (`MessageLanes`); nil for a pool that
    /// only waits (`scannerProcesses`), whose work must never run inline.
    public let lanes: MessageLanes?

    /// Starts `threads` worker threads (0: one per core, at least two), and as many message lanes
    /// when `lanes` (their threads start with the first scan), relieved after `laneStall`; each
    /// relief is logged to `logger`.
    public init(threads: Int = 0, lanes: Bool = true, laneStall: Duration = .milliseconds(200),
                logger: Logger = Logger(label: "moat.lanes")) {
        let count = threads > 0 ? threads : max(2, System.coreCount)
        self.threadCount = count
        self.pool = NIOThreadPool(numberOfThreads: count)
        self.lanes = lanes ? MessageLanes(count: count, stallLimit: laneStall, logger: logger) : nil
        pool.start()
    }

    /// Runs a message's scan on a lane (see `MessageLanes.run`); as it is without lanes.
    public func onLane<T: Sendable>(_ operation: @Sendable () async -> T) async -> T {
        guard let lanes else { return await operation() }
        return await lanes.run(operation)
    }

    /// Runs `body` on a pool thread and returns its result to the calling task.
    @discardableResult
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        // On a message lane (not a cooperative thread), the work runs where the scan runs.
        if let lanes, lanes.ownsCurrentThread { return try body() }
        do {
            return try await pool.runIfActive(body)
        } catch is NIOThreadPoolError.ThreadPoolInactive {
            throw PoolError.shutDown
        }
    }

    /// Threads that wait on external scanner processes (the `command` adapter's pipes and exit):
    /// a scanner that hangs holds threads here, never the scan pool's, so it cannot stall
    /// libclamav or the CPU engines. Threads start on first use; 64 bounds how many scanner
    /// processes are waited on at once. (Network peers need no thread: they run on SwiftNIO.)
    public static let scannerProcesses = BlockingWorkPool(threads: 64, lanes: false)

    /// Stops the threads after the queued work has run.
    public func shutdown() async throws {
        try await pool.shutdownGracefully()
    }
}
