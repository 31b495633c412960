import MoatCore
import Synchronization

/// Sends SMFIR_PROGRESS every interval while one message is scanned, so the MTA's timeout does
/// not run out on a long scan.
///
/// On the shared `DeadlineTimer` rather than a sleeping task per message, which armed and cancelled
/// a dispatch timer (and woke two threads) for every message, though almost no scan lasts an
/// interval. Each progress reply is written by a task of its own, after the one before; `finish`
/// waits for the last, so none can follow the message's final reply.
final class ProgressReplies: DeadlineTarget {
    private struct State {
        var finished = false
        var lastWrite: Task<Void, Never>?
    }

    private let send: @Sendable (MilterReply) async -> Void
    private let interval: Duration
    private let state = Mutex(State())

    init(send: @escaping @Sendable (MilterReply) async -> Void, interval: Duration) {
        self.send = send
        self.interval = interval
    }

    var isSettled: Bool { state.withLock { $0.finished } }

    func expire() {
        let send = self.send
        let sent: Bool = state.withLock { state in
            guard !state.finished else { return false }
            let previous = state.lastWrite
            state.lastWrite = Task {
                await previous?.value
                await send(.progress)
            }
            return true
        }
        if sent { DeadlineTimer.shared.schedule(self, after: interval) }
    }

    /// Stops the replies at once (the scan was cancelled: the MTA no longer waits for it).
    func stop() {
        state.withLock { $0.finished = true }
    }

    /// Stops the replies; returns once any progress reply already started is written.
    func finish() async {
        let last = state.withLock { state in
            state.finished = true
            return state.lastWrite
        }
        await last?.value
    }
}
