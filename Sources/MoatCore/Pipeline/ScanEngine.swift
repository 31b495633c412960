import Logging

/// A content scanner that gives a verdict on a message.
///
/// Engines are independent: each lives in its own target, depends only on MoatCore and its C
/// shims, and never on another engine. The pipeline runs every engine concurrently with a
/// deadline; an engine that throws yields an `error` verdict, one that overruns a `timeout`.
/// Blocking C calls must go through `ScanContext.blocking`, never run on the cooperative pool.
public protocol ScanEngine: Sendable {
    /// Scans one message. Throw for an internal failure; return a report otherwise.
    func scan(_ input: ScanInput, context: ScanContext) async throws -> EngineReport

    /// Facts for `moat engines` (signature count, load time, cache hit rate...).
    var status: [String: String] { get }

    /// Re-reads the engine's own data (signatures, rules) if it changed; called on SIGHUP and by the
    /// admin API. Must not block scans: build aside, then swap.
    func refresh() async throws
}

extension ScanEngine {
    public var status: [String: String] { [:] }

    public func refresh() async throws {}
}

/// Services the pipeline lends to an engine for one scan.
public struct ScanContext: Sendable {
    /// The dedicated thread pool for blocking work (C libraries, file I/O).
    public var blocking: BlockingWorkPool
    public var logger: Logger

    public init(blocking: BlockingWorkPool, logger: Logger) {
        self.blocking = blocking
        self.logger = logger
    }
}
