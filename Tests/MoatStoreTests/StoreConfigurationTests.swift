import Foundation
import Logging
@testable import MoatStore
import Testing

@Suite("StoreConfiguration")
struct StoreConfigurationTests {
    @Test("an empty [store] means SQLite at var/moat.sqlite with the documented defaults")
    func defaults() throws {
        let configuration = try JSONDecoder().decode(StoreConfiguration.self, from: Data("{}".utf8))
        #expect(configuration == StoreConfiguration())
        #expect(configuration.backend == .sqlite)
        #expect(configuration.path == "var/moat.sqlite")
        #expect(configuration.retentionDays == 90)
        #expect(configuration.keepQuarantinedRaw)
        #expect(configuration.batchSize == 500)
        #expect(configuration.flushIntervalMilliseconds == 200)
        #expect(configuration.queueLimit == 100_000)
        #expect(configuration.postgresPoolSize == 10)
        try configuration.validate()
        #expect(configuration.resolvedPath(relativeTo: "/srv/moat") == "/srv/moat/var/moat.sqlite")
    }

    @Test("snake_case keys decode")
    func keys() throws {
        let json = """
            {"backend": "postgres", "postgres_url": "postgres://moat:s%40cret@db.example:6432/verdicts?sslmode=require",
             "postgres_pool_size": 4, "retention_days": 30, "keep_quarantined_raw": false, "batch_size": 100,
             "flush_interval_ms": 50, "queue_limit": 1000, "path": "/var/lib/moat/moat.sqlite"}
            """
        let configuration = try JSONDecoder().decode(StoreConfiguration.self, from: Data(json.utf8))
        #expect(configuration == StoreConfiguration(
            backend: .postgres, path: "/var/lib/moat/moat.sqlite",
            postgresURL: "postgres://moat:s%40cret@db.example:6432/verdicts?sslmode=require", postgresPoolSize: 4,
            retentionDays: 30, keepQuarantinedRaw: false, batchSize: 100, flushIntervalMilliseconds: 50, queueLimit: 1000))
        try configuration.validate()
        #expect(configuration.resolvedPath() == "/var/lib/moat/moat.sqlite")

        let settings = try PostgresConnectionSettings(url: try #require(configuration.postgresURL))
        #expect(settings.username == "moat")
        #expect(settings.password == "s@cret")
        #expect(settings.host == "db.example")
        #expect(settings.port == 6432)
        #expect(settings.database == "verdicts")
        #expect(settings.tls == .require)
        #expect(settings.location == "db.example:6432/verdicts")
    }

    @Test("PostgreSQL URL defaults and Unix sockets")
    func urlDefaults() throws {
        let plain = try PostgresConnectionSettings(url: "postgresql://moat@/")
        #expect(plain.host == "127.0.0.1" && plain.port == 5432 && plain.database == "moat" && plain.password == nil)
        #expect(plain.tls == .disable)
        let socket = try PostgresConnectionSettings(url: "postgres://moat@/moatdb?host=/run/postgresql")
        #expect(socket.socketDirectory == "/run/postgresql")
        #expect(socket.location == "/run/postgresql/.s.PGSQL.5432/moatdb")
    }

    @Test("invalid values name their key", arguments: [
        (StoreConfiguration(backend: .postgres), "postgres_url"),
        (StoreConfiguration(backend: .postgres, postgresURL: "mysql://x@y/z"), "postgres_url"),
        (StoreConfiguration(backend: .postgres, postgresURL: "postgres://host/db"), "postgres_url"),
        (StoreConfiguration(backend: .postgres, postgresURL: "postgres://u@h/d?sslmode=maybe"), "postgres_url"),
        (StoreConfiguration(path: ""), "path"),
        (StoreConfiguration(retentionDays: -1), "retention_days"),
        (StoreConfiguration(batchSize: 0), "batch_size"),
        (StoreConfiguration(flushIntervalMilliseconds: 0), "flush_interval_ms"),
        (StoreConfiguration(batchSize: 500, queueLimit: 10), "queue_limit"),
        (StoreConfiguration(postgresPoolSize: 0), "postgres_pool_size"),
    ])
    func invalid(_ configuration: StoreConfiguration, key: String) {
        #expect {
            try configuration.validate()
        } throws: { error in
            guard case .invalidConfiguration(let failedKey, _) = error as? StoreError else { return false }
            return failedKey == key
        }
    }

    @Test("an unknown backend is a decoding error")
    func unknownBackend() {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(StoreConfiguration.self, from: Data(#"{"backend": "mysql"}"#.utf8))
        }
    }

    @Test("the factory opens a migrated SQLite store, creating its directory and a private file")
    func factorySQLite() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("moat-store-factory-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("nested/var/moat.sqlite").path
        let store = try await StoreFactory.open(StoreConfiguration(path: path), logger: Logger(label: "test"))
        try await store.record([scanRecord("factory")])
        #expect(try await store.scan(id: "factory") != nil)
        try await store.close()
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        await #expect(throws: StoreError.closed(backend: "sqlite")) { try await store.scan(id: "factory") }
    }

    @Test("the factory reports an unreachable PostgreSQL server as a StoreError")
    func factoryUnreachable() async throws {
        // Port 9 (discard) on loopback: nothing listens there.
        let configuration = StoreConfiguration(backend: .postgres, postgresURL: "postgres://moat@127.0.0.1:9/moat")
        await #expect(throws: StoreError.self) {
            _ = try await StoreFactory.open(configuration, logger: Logger(label: "test"))
        }
    }

    @Test("an SQLite path that cannot be created is a StoreError naming the path")
    func sqliteUnwritable() {
        #expect {
            _ = try SQLiteStore(path: "/proc/moat/moat.sqlite")
        } throws: { error in
            guard case .cannotOpen(let backend, let location, _) = error as? StoreError else { return false }
            return backend == "sqlite" && location == "/proc/moat/moat.sqlite"
        }
    }
}
