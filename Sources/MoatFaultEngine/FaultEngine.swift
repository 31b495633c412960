import Foundation
import Glibc
import MoatCore

/// A test-only engine that fails the way C code fails, on a marker in the message.
///
/// It exists to prove crash isolation end to end: a line `X-Moat-Fault: <kind>` (header or body)
/// makes it abort, dereference a bad pointer, freeze its whole process, spin on a blocking-pool
/// thread past its deadline, allocate without bound, take three seconds (`slow`), or wait a minute
/// and log when that wait is cancelled (`linger`, for the MTA that aborts). It is only in the adapter catalog when the
/// environment sets `MOAT_TEST_ENGINES=1`, so a production daemon can never load it.
public struct FaultEngine: ScanEngine {
    /// The failure a marker asks for.
    public enum Fault: String, CaseIterable, Sendable {
        case abort, segv, freeze, spin, oom, slow, linger
    }

    static let marker = Array("X-Moat-Fault: ".utf8)

    public init() {}

    public func scan(_ input: ScanInput, context: ScanContext) async throws -> EngineReport {
        guard let fault = Self.fault(in: input.message.raw) else { return .clean }
        switch fault {
        case .abort:
            Glibc.abort()
        case .segv:
            let bad = UnsafeMutablePointer<Int>(bitPattern: 0x10)
            bad?.pointee = 1
            return .clean
        case .freeze:
            // The whole process stops answering, as when a C library deadlocks.
            Glibc.raise(SIGSTOP)
            return .clean
        case .spin:
            try await context.blocking.run {
                var counter = 0
                while true { counter &+= 1; if counter == Int.min { break } }
            }
            return .clean
        case .slow:
            // Long enough for a test to kill the worker while this scan is in flight.
            try await Task.sleep(for: .seconds(3))
            return .clean
        case .linger:
            // Observes cancellation: the daemon cancels a scan whose message the MTA abandoned.
            do {
                try await Task.sleep(for: .seconds(60))
            } catch {
                context.logger.notice("fault engine: scan cancelled while lingering")
                throw error
            }
            return .clean
        case .oom:
            // Address space, not touched pages: the worker's memory ceiling (RLIMIT_AS) is reached
            // in milliseconds however slowly this machine faults pages in (a VM under memory
            // pressure took 10 s to touch 2 GB, past the engine's deadline).
            var hoard: [UnsafeMutableRawPointer] = []
            while true {
                guard let block = malloc(64 << 20) else { Glibc.abort() }
                hoard.append(block)
            }
        }
    }

    static func fault(in raw: [UInt8]) -> Fault? {
        let data = Data(raw)
        guard let marker = data.range(of: Data(marker)) else { return nil }
        let name = data[marker.upperBound...].prefix { (0x61...0x7A).contains($0) }
        return Fault(rawValue: String(decoding: name, as: UTF8.self))
    }
}

/// Builds `fault` engines (adapter `fault`); no options.
public struct FaultEngineFactory: EngineFactory {
    public let adapter = "fault"

    public init() {}

    /// Whether this process may offer the adapter: only when `MOAT_TEST_ENGINES=1`.
    public static var enabled: Bool { ProcessInfo.processInfo.environment["MOAT_TEST_ENGINES"] == "1" }

    public func makeEngine(_ manifest: EngineManifest, context: EngineBuildContext) async throws -> any ScanEngine {
        FaultEngine()
    }
}
