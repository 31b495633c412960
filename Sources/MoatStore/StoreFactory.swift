import Logging

/// Opens the store that `[store]` names, with its schema migrated.
public enum StoreFactory {
    /// Validates `configuration`, opens the backend and runs `migrate()`; the store is ready to use.
    ///
    /// A PostgreSQL store runs its own connection pool (see `PostgresStore`); `close()` it on shutdown
    /// after the `StoreWriter` has flushed.
    public static func open(_ configuration: StoreConfiguration, logger: Logger) async throws -> any ScanStore {
        try configuration.validate()
        let store: any ScanStore
        let codec = try configuration.quarantineCodec()
        switch configuration.backend {
        case .sqlite:
            store = try SQLiteStore(path: configuration.resolvedPath(),
                                    keepQuarantinedRaw: configuration.keepQuarantinedRaw, quarantineCodec: codec, logger: logger)
        case .postgres:
            store = try PostgresStore(url: configuration.postgresURL ?? "", poolSize: configuration.postgresPoolSize,
                                      keepQuarantinedRaw: configuration.keepQuarantinedRaw, quarantineCodec: codec, logger: logger)
        }
        do {
            try await store.migrate()
        } catch {
            try? await store.close()
            throw error
        }
        logger.info("store opened", metadata: ["store.backend": "\(configuration.backend.rawValue)"])
        return store
    }
}
