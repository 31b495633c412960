import Foundation

/// The `[store]` table of `moat.toml`: which database keeps the verdict log, and how the writer batches.
///
/// Keys are snake_case; every key has a default, so an empty `[store]` (or none) means an SQLite file
/// at `var/moat.sqlite` under the working directory.
///
/// ```toml
/// [store]
/// backend = "postgres"              # or "sqlite" (default)
/// path = "var/moat.sqlite"          # sqlite only; relative to the working directory
/// postgres_url = "postgres://moat:secret@127.0.0.1:5432/moat?sslmode=disable"
/// postgres_pool_size = 10
/// retention_days = 90               # 0 keeps everything
/// keep_quarantined_raw = true
/// quarantine_compress = true        # zlib
/// quarantine_max_bytes = 26214400   # larger messages are kept as metadata only
/// quarantine_key_file = ""          # 32-byte key (raw, base64 or hex): AES-256-GCM at rest
/// batch_size = 500
/// flush_interval_ms = 200
/// queue_limit = 100000
/// ```
///
/// `postgres_url` takes `postgres://` or `postgresql://`, user, password (percent-encoded), host
/// (default 127.0.0.1), port (default 5432), database (default: the user name) and one query item,
/// `sslmode` = `disable` (default), `prefer` or `require`. A URL with `host=/path/to/dir` as a query
/// item and no host connects over the Unix socket `/path/to/dir/.s.PGSQL.<port>`.
public struct StoreConfiguration: Sendable, Hashable, Codable {
    /// Which database implements `ScanStore`.
    public enum Backend: String, Sendable, Hashable, Codable, CaseIterable {
        case sqlite
        case postgres
    }

    public var backend: Backend
    /// SQLite database file; created with its directory (mode 0600) on first run.
    public var path: String
    /// PostgreSQL connection URL; required when `backend` is `postgres`.
    public var postgresURL: String?
    /// Most connections the PostgreSQL pool opens.
    public var postgresPoolSize: Int
    /// Scans, feedback, state changes and quarantine entries older than this many days are pruned
    /// by `StoreWriter`; 0 keeps everything.
    public var retentionDays: Int
    /// Whether quarantine entries keep the message bytes (false: stored without `raw`).
    public var keepQuarantinedRaw: Bool
    /// Whether quarantined messages are compressed at rest.
    public var quarantineCompress: Bool = true
    /// Largest quarantined message kept with its bytes.
    public var quarantineMaxBytes: Int = 25 << 20
    /// A key file that seals quarantined messages at rest (AES-256-GCM); nil: not sealed.
    public var quarantineKeyFile: String?
    /// Records per write transaction.
    public var batchSize: Int
    /// Longest time a record waits in the writer's queue before a (partial) batch is written.
    public var flushIntervalMilliseconds: Int
    /// Records the writer holds at most; beyond it the oldest are dropped (and counted) so the scan
    /// path never waits for the database.
    public var queueLimit: Int

    public init(backend: Backend = .sqlite, path: String = "var/moat.sqlite", postgresURL: String? = nil,
                postgresPoolSize: Int = 10, retentionDays: Int = 90, keepQuarantinedRaw: Bool = true,
                batchSize: Int = 500, flushIntervalMilliseconds: Int = 200, queueLimit: Int = 100_000) {
        self.backend = backend
        self.path = path
        self.postgresURL = postgresURL
        self.postgresPoolSize = postgresPoolSize
        self.retentionDays = retentionDays
        self.keepQuarantinedRaw = keepQuarantinedRaw
        self.batchSize = batchSize
        self.flushIntervalMilliseconds = flushIntervalMilliseconds
        self.queueLimit = queueLimit
    }

    enum CodingKeys: String, CodingKey {
        case backend
        case path
        case postgresURL = "postgres_url"
        case postgresPoolSize = "postgres_pool_size"
        case retentionDays = "retention_days"
        case keepQuarantinedRaw = "keep_quarantined_raw"
        case quarantineCompress = "quarantine_compress"
        case quarantineMaxBytes = "quarantine_max_bytes"
        case quarantineKeyFile = "quarantine_key_file"
        case batchSize = "batch_size"
        case flushIntervalMilliseconds = "flush_interval_ms"
        case queueLimit = "queue_limit"
    }

    public init(from decoder: any Decoder) throws {
        let defaults = StoreConfiguration()
        let container = try decoder.container(keyedBy: CodingKeys.self)
        backend = try container.decodeIfPresent(Backend.self, forKey: .backend) ?? defaults.backend
        path = try container.decodeIfPresent(String.self, forKey: .path) ?? defaults.path
        postgresURL = try container.decodeIfPresent(String.self, forKey: .postgresURL)
        postgresPoolSize = try container.decodeIfPresent(Int.self, forKey: .postgresPoolSize) ?? defaults.postgresPoolSize
        retentionDays = try container.decodeIfPresent(Int.self, forKey: .retentionDays) ?? defaults.retentionDays
        keepQuarantinedRaw = try container.decodeIfPresent(Bool.self, forKey: .keepQuarantinedRaw) ?? defaults.keepQuarantinedRaw
        quarantineCompress = try container.decodeIfPresent(Bool.self, forKey: .quarantineCompress) ?? defaults.quarantineCompress
        quarantineMaxBytes = try container.decodeIfPresent(Int.self, forKey: .quarantineMaxBytes) ?? defaults.quarantineMaxBytes
        quarantineKeyFile = try container.decodeIfPresent(String.self, forKey: .quarantineKeyFile).flatMap { $0.isEmpty ? nil : $0 }
        batchSize = try container.decodeIfPresent(Int.self, forKey: .batchSize) ?? defaults.batchSize
        flushIntervalMilliseconds = try container.decodeIfPresent(Int.self, forKey: .flushIntervalMilliseconds)
            ?? defaults.flushIntervalMilliseconds
        queueLimit = try container.decodeIfPresent(Int.self, forKey: .queueLimit) ?? defaults.queueLimit
    }

    /// How quarantined messages are kept at rest; reads the key file.
    public func quarantineCodec() throws -> QuarantineCodec {
        guard let quarantineKeyFile else { return QuarantineCodec(compress: quarantineCompress, maxMessageBytes: quarantineMaxBytes) }
        do {
            return try QuarantineCodec(compress: quarantineCompress, maxMessageBytes: quarantineMaxBytes,
                                       key: QuarantineCodec.readKey(path: quarantineKeyFile))
        } catch {
            throw StoreError.invalidConfiguration(key: "quarantine_key_file", reason: "\(error)")
        }
    }

    /// Checks values that decode but cannot work; throws `StoreError.invalidConfiguration` naming the key.
    public func validate() throws {
        if quarantineMaxBytes < 1 { throw StoreError.invalidConfiguration(key: "quarantine_max_bytes", reason: "must be at least 1") }
        switch backend {
        case .sqlite:
            if path.isEmpty { throw StoreError.invalidConfiguration(key: "path", reason: "must not be empty") }
        case .postgres:
            guard let postgresURL else {
                throw StoreError.invalidConfiguration(key: "postgres_url", reason: "required when backend = \"postgres\"")
            }
            _ = try PostgresConnectionSettings(url: postgresURL)
        }
        if postgresPoolSize < 1 { throw StoreError.invalidConfiguration(key: "postgres_pool_size", reason: "must be at least 1") }
        if retentionDays < 0 { throw StoreError.invalidConfiguration(key: "retention_days", reason: "must be 0 (keep) or more") }
        if batchSize < 1 { throw StoreError.invalidConfiguration(key: "batch_size", reason: "must be at least 1") }
        if flushIntervalMilliseconds < 1 {
            throw StoreError.invalidConfiguration(key: "flush_interval_ms", reason: "must be at least 1")
        }
        if queueLimit < batchSize {
            throw StoreError.invalidConfiguration(key: "queue_limit", reason: "must be at least batch_size (\(batchSize))")
        }
    }

    /// `path` made absolute against `directory` (the working directory by default).
    public func resolvedPath(relativeTo directory: String = FileManager.default.currentDirectoryPath) -> String {
        if path.hasPrefix("/") { return path }
        return URL(fileURLWithPath: directory).appendingPathComponent(path).standardizedFileURL.path
    }
}
