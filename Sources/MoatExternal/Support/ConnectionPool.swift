import MoatCore
import Synchronization

/// Kept-alive sockets to one peer and a cap on how many are open at once.
///
/// A scan first takes a slot (waiting asynchronously, never on a pool thread, while `limit` sockets
/// are busy), then an idle socket if one is still usable, else it connects. Every holder releases
/// its slot in bounded time because all socket I/O is bounded by a deadline, so waiting needs no
/// timeout of its own. The limit can shrink or grow at run time (ICAP's `Max-Connections`).
final class ConnectionPool: Sendable {
    private struct State {
        var limit: Int
        var busy = 0
        var idle: [PeerSocket] = []
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    let endpoint: PeerEndpoint
    private let state: Mutex<State>

    init(endpoint: PeerEndpoint, limit: Int) {
        self.endpoint = endpoint
        self.state = Mutex(State(limit: max(1, limit)))
    }

    /// Sets how many sockets may be open at once.
    func setLimit(_ limit: Int) {
        let wake: [CheckedContinuation<Void, Never>] = state.withLock { state in
            state.limit = max(1, limit)
            var wake: [CheckedContinuation<Void, Never>] = []
            while state.busy < state.limit, !state.waiters.isEmpty {
                state.busy += 1
                wake.append(state.waiters.removeFirst())
            }
            return wake
        }
        wake.forEach { $0.resume() }
    }

    var limit: Int { state.withLock { $0.limit } }

    /// Waits for a slot; returns an idle socket to reuse, if any. Pair with `release`.
    func acquire() async -> PeerSocket? {
        let granted: Bool = state.withLock { state in
            if state.busy < state.limit {
                state.busy += 1
                return true
            }
            return false
        }
        if !granted {
            await withCheckedContinuation { continuation in
                let ready: Bool = state.withLock { state in
                    if state.busy < state.limit {
                        state.busy += 1
                        return true
                    }
                    state.waiters.append(continuation)
                    return false
                }
                if ready { continuation.resume() }
            }
        }
        return state.withLock { state in
            while let socket = state.idle.popLast() {
                if socket.isReusable { return socket }
            }
            return nil
        }
    }

    /// Gives the slot back, keeping `socket` for reuse when the exchange left it clean.
    func release(_ socket: PeerSocket?) {
        let wake: CheckedContinuation<Void, Never>? = state.withLock { state in
            if let socket, state.idle.count < state.limit { state.idle.append(socket) }
            if !state.waiters.isEmpty, state.busy <= state.limit {
                return state.waiters.removeFirst()
            }
            state.busy -= 1
            return nil
        }
        wake?.resume()
    }

    /// Closes every idle socket (after the server's ISTag changed, or when the engine is dropped).
    func drain() {
        state.withLock { $0.idle.removeAll() }
    }

    /// Runs one exchange on a pooled connection; it is kept only if `exchange` returns
    /// `keepAlive` true. A reused connection that fails before any answer is replaced by a fresh one
    /// once, since the server may have closed it while idle. No thread waits meanwhile: the
    /// connection lives on SwiftNIO's event loops.
    func withSocket<T: Sendable>(
        timeout: Duration,
        _ exchange: @Sendable (PeerSocket) async throws -> (value: T, keepAlive: Bool)
    ) async throws -> T {
        let idle = await acquire()
        var keep: PeerSocket?
        defer {
            keep?.stopClock()
            release(keep)
        }
        if let idle {
            idle.restartClock(timeout: timeout)
            do {
                let (value, keepAlive) = try await exchange(idle)
                keep = keepAlive ? idle : nil
                return value
            } catch let error as ExternalError {
                guard case .io = error, !Task.isCancelled else { throw error }
            }
        }
        let socket = try await PeerSocket.connect(to: endpoint, timeout: timeout)
        let (value, keepAlive) = try await exchange(socket)
        keep = keepAlive ? socket : nil
        return value
    }
}
