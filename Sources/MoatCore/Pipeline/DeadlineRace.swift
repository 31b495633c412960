import Synchronization

/// Runs an engine's scan against its deadline, and returns at the deadline even if the engine does not.
///
/// A task group would wait for a child that ignores cancellation (a C call on the blocking pool
/// cannot be interrupted), so the engine runs in its own task and the first of "finished" and
/// "deadline passed" (`DeadlineTimer`) resumes the caller; an overrunning engine finishes in the
/// background and its late answer is dropped.
enum DeadlineRace {
    enum Outcome: Sendable {
        case finished(EngineReport)
        case failed(String)
        case timedOut
        case cancelled
    }

    private final class Slot: DeadlineTarget {
        private struct State {
            var outcome: Outcome?
            var continuation: CheckedContinuation<Outcome, Never>?
        }

        private let state = Mutex(State())

        func complete(_ outcome: Outcome) {
            let continuation: CheckedContinuation<Outcome, Never>? = state.withLock { state in
                guard state.outcome == nil else { return nil }
                state.outcome = outcome
                defer { state.continuation = nil }
                return state.continuation
            }
            continuation?.resume(returning: outcome)
        }

        var isSettled: Bool { state.withLock { $0.outcome != nil } }

        func expire() { complete(.timedOut) }

        func wait(_ continuation: CheckedContinuation<Outcome, Never>) {
            let ready: Outcome? = state.withLock { state in
                if let outcome = state.outcome { return outcome }
                state.continuation = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    static func run(
        timeout: Duration,
        _ body: @escaping @Sendable () async throws -> EngineReport
    ) async -> Outcome {
        let slot = Slot()
        // On a message lane, the engine's task stays on it (`MessageLanes`).
        let work = Task(executorPreference: MessageLane.current) {
            do {
                slot.complete(.finished(try await body()))
            } catch is CancellationError {
                slot.complete(.cancelled)
            } catch {
                slot.complete(.failed(String(describing: error)))
            }
        }
        DeadlineTimer.shared.schedule(slot, after: timeout)
        let outcome = await withTaskCancellationHandler {
            await withCheckedContinuation { slot.wait($0) }
        } onCancel: {
            slot.complete(.cancelled)
        }
        work.cancel()
        return outcome
    }
}
