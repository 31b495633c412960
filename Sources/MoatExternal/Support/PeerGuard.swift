import Synchronization

/// The resilience options every adapter takes: `retries` (default 1), `retry_backoff_ms` (100,
/// doubled per further retry), `breaker_failures` (5 consecutive failed scans open the circuit; 0
/// never opens it) and `breaker_probe_ms` (30000: how long an open circuit refuses scans before one
/// probe is let through).
public struct ResilienceSettings: Sendable, Equatable {
    public var retries = 1
    public var backoff: Duration = .milliseconds(100)
    public var breakerFailures = 5
    public var breakerProbe: Duration = .seconds(30)

    public init() {}
}

/// Retries, backoff, the circuit breaker and request counters around every call to one peer.
///
/// Shared by all adapters so they fail alike: a scan is tried `1 + retries` times while the error
/// is transient (`ExternalError.isRetryable`), waiting `backoff`, then twice that, between attempts;
/// the scan's final outcome feeds the breaker. Counters and the last error become status facts.
final class PeerGuard: Sendable {
    private struct State {
        var breaker: CircuitBreaker
        var requests = 0
        var errors = 0
        var retries = 0
        var rejected = 0
        var lastError: String?
    }

    let peer: String
    let settings: ResilienceSettings
    private let state: Mutex<State>

    init(peer: String, settings: ResilienceSettings) {
        self.peer = peer
        self.settings = settings
        self.state = Mutex(State(breaker: CircuitBreaker(threshold: settings.breakerFailures, probeInterval: settings.breakerProbe)))
    }

    /// Runs `attempt` under the breaker with retries; throws `ExternalError.circuitOpen` at once
    /// while the circuit is open.
    func run<T: Sendable>(_ attempt: @Sendable () async throws -> T) async throws -> T {
        let admission = state.withLock { state in
            let admission = state.breaker.admit(now: .now)
            if case .reject = admission { state.rejected += 1 } else { state.requests += 1 }
            return admission
        }
        if case .reject(let retryIn) = admission {
            let lastError = state.withLock { $0.lastError } ?? "none"
            throw ExternalError.circuitOpen(peer: peer, retryInMilliseconds: retryIn.wholeMilliseconds, lastError: lastError)
        }
        // A probe gets one attempt: its job is to find out quickly whether the peer is back.
        let allowedRetries = admission == .probe ? 0 : settings.retries
        var failedAttempts = 0
        while true {
            do {
                let result = try await attempt()
                state.withLock { $0.breaker.recordSuccess() }
                return result
            } catch is CancellationError {
                state.withLock { $0.breaker.abandonProbe(now: .now) }
                throw CancellationError()
            } catch {
                // A scan abandoned by the MTA says nothing about the peer: no retry, no failure.
                if Task.isCancelled {
                    state.withLock { $0.breaker.abandonProbe(now: .now) }
                    throw CancellationError()
                }
                let retryable = (error as? ExternalError)?.isRetryable ?? false
                if retryable && failedAttempts < allowedRetries {
                    let delay = settings.backoff * (1 << min(failedAttempts, 16))
                    failedAttempts += 1
                    state.withLock { $0.retries += 1 }
                    do {
                        try await Task.sleep(for: delay)
                    } catch {
                        state.withLock { $0.breaker.abandonProbe(now: .now) }
                        throw error
                    }
                    continue
                }
                state.withLock { state in
                    state.errors += 1
                    state.lastError = String(describing: error)
                    state.breaker.recordFailure(now: .now)
                }
                throw error
            }
        }
    }

    /// `requests`, `errors`, `retries`, `rejected`, `circuit` and `last_error`.
    var status: [String: String] {
        state.withLock { state in
            var status = [
                "peer": peer,
                "requests": "\(state.requests)",
                "errors": "\(state.errors)",
                "retries": "\(state.retries)",
                "rejected_by_circuit": "\(state.rejected)",
                "circuit": state.breaker.label,
            ]
            if let lastError = state.lastError { status["last_error"] = lastError }
            return status
        }
    }

    /// The breaker's state label (`closed`, `open`, `half-open`).
    var circuit: String { state.withLock { $0.breaker.label } }
}
