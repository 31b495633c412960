/// What can stop the file-type engine from giving an answer (the pipeline reports it as an `error` verdict).
public enum FileTypeError: Error, CustomStringConvertible, Sendable, Equatable {
    /// libmagic could not be opened or its database loaded.
    case magicUnavailable(String)
    /// libmagic returned no answer for a buffer.
    case magicFailed(String)

    public var description: String {
        switch self {
        case .magicUnavailable(let reason): "libmagic unavailable: \(reason)"
        case .magicFailed(let reason): "libmagic failed: \(reason)"
        }
    }
}
