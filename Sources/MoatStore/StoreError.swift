/// What went wrong in the store, with enough context to act on it.
///
/// Messages never include message bodies or addresses; database errors are reduced to the server's
/// or library's own message.
public enum StoreError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A configuration value cannot be used (`key` is the `[store]` key in `moat.toml`).
    case invalidConfiguration(key: String, reason: String)
    /// The database could not be opened or reached (`location` is a path or `host:port/database`).
    case cannotOpen(backend: String, location: String, reason: String)
    /// A schema migration failed; the database stays at the last applied version.
    case migrationFailed(backend: String, version: String, reason: String)
    /// A statement failed (`operation` names the `ScanStore` method).
    case queryFailed(backend: String, operation: String, reason: String)
    /// The database could not be reached for a statement (connection refused or lost, server
    /// shutting down): the same statement may succeed later, so writers keep what they hold.
    case unavailable(backend: String, operation: String, reason: String)
    /// A stored row holds a value Moat does not know (an action or state from a newer version, say).
    case corruptRow(table: String, key: String, column: String, value: String)
    /// The store was closed.
    case closed(backend: String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let key, let reason):
            "store: invalid configuration for key '\(key)': \(reason)"
        case .cannotOpen(let backend, let location, let reason):
            "store (\(backend)): cannot open \(location): \(reason)"
        case .migrationFailed(let backend, let version, let reason):
            "store (\(backend)): migration \(version) failed: \(reason)"
        case .queryFailed(let backend, let operation, let reason):
            "store (\(backend)): \(operation) failed: \(reason)"
        case .unavailable(let backend, let operation, let reason):
            "store (\(backend)): \(operation) failed, the database is unreachable: \(reason)"
        case .corruptRow(let table, let key, let column, let value):
            "store: row '\(key)' of table \(table) has an unknown \(column) '\(value)'"
        case .closed(let backend):
            "store (\(backend)): closed"
        }
    }
}

extension StoreError {
    /// Whether the failure was the database being out of reach rather than the statement.
    public var isUnavailable: Bool {
        if case .unavailable = self { return true }
        return false
    }
}
