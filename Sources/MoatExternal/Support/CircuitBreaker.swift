/// The circuit breaker's state machine, without clocks or locks, so it can be tested directly.
///
/// After `threshold` consecutive failed scans the circuit opens: scans are refused at once (a fast,
/// visible error instead of a pile of threads waiting on a dead peer). When `probeInterval` has
/// passed, one scan is let through as a probe; its success closes the circuit, its failure opens it
/// for another interval. A threshold of 0 disables the breaker.
struct CircuitBreaker: Sendable {
    enum State: Sendable, Equatable {
        case closed(consecutiveFailures: Int)
        case open(until: ContinuousClock.Instant)
        case halfOpen
    }

    /// What the breaker says about a new scan.
    enum Admission: Sendable, Equatable {
        case proceed
        /// The scan is the one probe of a half-open circuit.
        case probe
        case reject(retryIn: Duration)
    }

    let threshold: Int
    let probeInterval: Duration
    private(set) var state: State = .closed(consecutiveFailures: 0)

    init(threshold: Int, probeInterval: Duration) {
        self.threshold = threshold
        self.probeInterval = probeInterval
    }

    /// `closed`, `open` or `half-open`, for status pages.
    var label: String {
        switch state {
        case .closed: "closed"
        case .open: "open"
        case .halfOpen: "half-open"
        }
    }

    mutating func admit(now: ContinuousClock.Instant) -> Admission {
        switch state {
        case .closed:
            return .proceed
        case .open(let until):
            if now >= until {
                state = .halfOpen
                return .probe
            }
            return .reject(retryIn: until - now)
        case .halfOpen:
            return .reject(retryIn: .zero)
        }
    }

    mutating func recordSuccess() {
        state = .closed(consecutiveFailures: 0)
    }

    mutating func recordFailure(now: ContinuousClock.Instant) {
        switch state {
        case .closed(let failures):
            let count = failures + 1
            state = threshold > 0 && count >= threshold ? .open(until: now + probeInterval) : .closed(consecutiveFailures: count)
        case .halfOpen, .open:
            state = .open(until: now + probeInterval)
        }
    }

    /// A probe that ended without an answer either way (the scan was cancelled): probe again next time.
    mutating func abandonProbe(now: ContinuousClock.Instant) {
        if state == .halfOpen { state = .open(until: now) }
    }
}
