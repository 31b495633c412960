/// Where the milter server listens, in Postfix's notation: `inet:PORT@HOST` or `unix:/path`.
public enum ListenAddress: Hashable, Sendable, CustomStringConvertible {
    case inet(host: String, port: Int)
    case unix(path: String)

    /// Errors in a listen address, with the text that was given.
    public struct ParseError: Error, CustomStringConvertible, Hashable {
        public var text: String
        public var reason: String
        public var description: String { "listen address '\(text)': \(reason)" }
    }

    public init(parsing text: String) throws {
        if text.hasPrefix("unix:") || text.hasPrefix("local:") {
            let path = String(text.drop { $0 != ":" }.dropFirst())
            guard path.hasPrefix("/") else { throw ParseError(text: text, reason: "the socket path must be absolute") }
            self = .unix(path: path)
            return
        }
        guard text.hasPrefix("inet:") else { throw ParseError(text: text, reason: "expected inet:PORT@HOST or unix:/path") }
        let rest = text.dropFirst(5)
        let pieces = rest.split(separator: "@", maxSplits: 1).map(String.init)
        guard let port = Int(pieces[0]), (0...65535).contains(port) else {
            throw ParseError(text: text, reason: "the port must be 0-65535 (0: any free port)")
        }
        let host = pieces.count > 1 && !pieces[1].isEmpty ? pieces[1] : "127.0.0.1"
        self = .inet(host: host, port: port)
    }

    public var description: String {
        switch self {
        case .inet(let host, let port): "inet:\(port)@\(host)"
        case .unix(let path): "unix:\(path)"
        }
    }
}
