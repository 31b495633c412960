/// What can go wrong building or running the URL engine.
public enum URLEngineError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A list or the Public Suffix List could not be read.
    case unreadableFile(path: String)

    public var description: String {
        switch self {
        case .unreadableFile(let path): "cannot read \(path)"
        }
    }
}
