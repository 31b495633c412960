/// A configuration that cannot be used, with the file, key and reason, so an operator can fix it.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable, Equatable {
    public var file: String
    public var key: String?
    public var reason: String

    public init(file: String, key: String? = nil, reason: String) {
        self.file = file
        self.key = key
        self.reason = reason
    }

    public var description: String {
        if let key, !key.isEmpty {
            return "\(file): \(key): \(reason)"
        }
        return "\(file): \(reason)"
    }
}
