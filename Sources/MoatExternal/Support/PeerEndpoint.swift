/// Where an external scanner listens: a TCP host and port, or a Unix socket path.
public enum PeerEndpoint: Sendable, Hashable, CustomStringConvertible {
    case tcp(host: String, port: Int)
    case unix(path: String)

    public var description: String {
        switch self {
        case .tcp(let host, let port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unix(let path): "unix:\(path)"
        }
    }

    /// The host name to put in `Host:` headers and ICAP URIs.
    var hostName: String {
        switch self {
        case .tcp(let host, _): host
        case .unix: "localhost"
        }
    }

    /// The authority part of a URI (`host:port`).
    var authority: String {
        switch self {
        case .tcp(let host, let port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unix: "localhost"
        }
    }
}
