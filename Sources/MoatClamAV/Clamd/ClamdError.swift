/// Why a clamd scan produced no verdict; the pipeline turns each into an `error` verdict.
public enum ClamdError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Could not reach clamd at the endpoint (errno text).
    case connect(endpoint: String, reason: String)
    /// Reading or writing the socket failed or timed out.
    case io(endpoint: String, reason: String)
    /// clamd answered with an error.
    case daemon(String)
    /// The host name did not resolve.
    case resolve(host: String, reason: String)

    public var description: String {
        switch self {
        case .connect(let endpoint, let reason): "cannot connect to clamd at \(endpoint): \(reason)"
        case .io(let endpoint, let reason): "clamd at \(endpoint): \(reason)"
        case .daemon(let message): "clamd error: \(message)"
        case .resolve(let host, let reason): "cannot resolve clamd host \(host): \(reason)"
        }
    }
}
