import NIOCore
import Synchronization

/// Knows the open milter connections, so a shutdown can close idle ones at once and busy ones
/// after their current message, and so the connection limit is enforced.
final class ConnectionTracker: Sendable {
    private struct Entry {
        var channel: any Channel
        var busy: Bool
    }

    private struct State {
        var entries: [Int: Entry] = [:]
        var nextID = 0
        var draining = false
    }

    private let state = Mutex(State())
    let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    /// Registers a connection; nil when the limit is reached or the server is draining.
    func open(_ channel: any Channel) -> Int? {
        state.withLock { state in
            guard !state.draining, state.entries.count < limit else { return nil }
            let id = state.nextID
            state.nextID += 1
            state.entries[id] = Entry(channel: channel, busy: false)
            return id
        }
    }

    func close(_ id: Int) {
        _ = state.withLock { $0.entries.removeValue(forKey: id) }
    }

    /// Marks a connection as inside a message (true) or between messages (false).
    /// Returns whether the connection should end now (draining and idle).
    @discardableResult
    func setBusy(_ id: Int, _ busy: Bool) -> Bool {
        state.withLock { state in
            state.entries[id]?.busy = busy
            return state.draining && !busy
        }
    }

    var isDraining: Bool { state.withLock { $0.draining } }

    var count: Int { state.withLock { $0.entries.count } }

    /// Starts draining: closes every idle connection; busy ones end after their message.
    func drain() {
        let idle: [any Channel] = state.withLock { state in
            state.draining = true
            return state.entries.values.filter { !$0.busy }.map(\.channel)
        }
        for channel in idle { channel.close(promise: nil) }
    }
}
