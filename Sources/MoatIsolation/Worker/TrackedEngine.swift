import MoatCore
import Synchronization

/// Set once an engine's scan has really returned, which may be long after its deadline.
final class CompletionFlag: Sendable {
    private let value = Atomic<Bool>(false)

    func set() { value.store(true, ordering: .releasing) }

    var isSet: Bool { value.load(ordering: .acquiring) }
}

/// Wraps an engine to record when its scan really returns.
struct TrackedEngine: ScanEngine {
    let inner: any ScanEngine
    let finished: CompletionFlag

    func scan(_ input: ScanInput, context: ScanContext) async throws -> EngineReport {
        defer { finished.set() }
        return try await inner.scan(input, context: context)
    }
}
