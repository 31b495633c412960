/// What went wrong talking to an external scanner; every case makes the engine's verdict `error`.
///
/// Each case names the peer (endpoint or command) so an operator can tell which one failed from the
/// verdict alone.
public enum ExternalError: Error, CustomStringConvertible, Sendable, Equatable {
    /// No connection could be made (refused, no such socket, unresolvable host).
    case connect(peer: String, reason: String)
    /// The connection broke while sending or receiving.
    case io(peer: String, reason: String)
    /// The peer did not finish within the adapter's own `timeout_ms`.
    case timedOut(peer: String, milliseconds: Int)
    /// The peer answered something that is not its protocol (garbage, truncated, too long).
    case protocolViolation(peer: String, reason: String)
    /// The peer answered in protocol with an error status (ICAP 5xx, spamd EX_* code, HTTP 500).
    case peerFailure(peer: String, reason: String)
    /// The circuit breaker is open after repeated failures; no request was sent.
    case circuitOpen(peer: String, retryInMilliseconds: Int, lastError: String)
    /// A scanner command could not be run, was killed, or exited with an unmapped code.
    case command(program: String, reason: String)

    /// Whether another attempt may succeed (a transient transport failure, not a peer's answer).
    public var isRetryable: Bool {
        switch self {
        case .connect, .io, .timedOut: true
        case .protocolViolation, .peerFailure, .circuitOpen, .command: false
        }
    }

    public var description: String {
        switch self {
        case .connect(let peer, let reason): "cannot connect to \(peer): \(reason)"
        case .io(let peer, let reason): "\(peer): \(reason)"
        case .timedOut(let peer, let milliseconds): "\(peer): no answer within \(milliseconds) ms"
        case .protocolViolation(let peer, let reason): "\(peer): protocol violation: \(reason)"
        case .peerFailure(let peer, let reason): "\(peer): \(reason)"
        case .circuitOpen(let peer, let retry, let lastError):
            "circuit open for \(peer) (next probe in \(retry) ms; last error: \(lastError))"
        case .command(let program, let reason): "\(program): \(reason)"
        }
    }
}
