import Foundation
import PostgresTestSupport
import Logging
import MoatCore
@testable import MoatStore
import Synchronization

/// The backends every contract test runs against; PostgreSQL only where its server binaries are installed.
enum Backend: String, CaseIterable, CustomStringConvertible, Sendable {
    case sqlite
    case postgres

    var description: String { rawValue }

    static let available: [Backend] = {
        if PostgresCluster.binariesPresent { return [.sqlite, .postgres] }
        print("MoatStoreTests: PostgreSQL server binaries not found (apt-get install postgresql): PostgreSQL variants skipped")
        return [.sqlite]
    }()
}

/// A fresh, migrated, empty store of one backend, and how to open it again.
struct StoreFixture: Sendable {
    let backend: Backend
    /// SQLite file path or PostgreSQL URL.
    let location: String
    let store: any ScanStore & StoreInspecting

    static func make(_ backend: Backend, keepQuarantinedRaw: Bool = true, codec: QuarantineCodec = QuarantineCodec()) async throws -> StoreFixture {
        switch backend {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory
                .appendingPathComponent("moat-store-tests-\(UUID().uuidString)").appendingPathComponent("var")
            let path = directory.appendingPathComponent("moat.sqlite").path
            return try await StoreFixture(backend: backend, location: path, keepQuarantinedRaw: keepQuarantinedRaw, codec: codec)
        case .postgres:
            let url = try await PostgresCluster.shared.makeDatabase()
            return try await StoreFixture(backend: backend, location: url, keepQuarantinedRaw: keepQuarantinedRaw, codec: codec)
        }
    }

    private init(backend: Backend, location: String, keepQuarantinedRaw: Bool, codec: QuarantineCodec) async throws {
        self.backend = backend
        self.location = location
        store = try Self.open(backend, location, keepQuarantinedRaw: keepQuarantinedRaw, codec: codec)
        try await store.migrate()
    }

    /// Another store on the same database (a second daemon, or a restart).
    func reopen(codec: QuarantineCodec = QuarantineCodec()) throws -> any ScanStore & StoreInspecting {
        try Self.open(backend, location, keepQuarantinedRaw: true, codec: codec)
    }

    private static func open(_ backend: Backend, _ location: String, keepQuarantinedRaw: Bool, codec: QuarantineCodec) throws -> any ScanStore & StoreInspecting {
        let logger = Logger(label: "moat.store.test")
        switch backend {
        case .sqlite: return try SQLiteStore(path: location, keepQuarantinedRaw: keepQuarantinedRaw, quarantineCodec: codec, logger: logger)
        case .postgres: return try PostgresStore(url: location, poolSize: 4, keepQuarantinedRaw: keepQuarantinedRaw, quarantineCodec: codec, logger: logger)
        }
    }

    /// Closes the store and removes an SQLite file's directory.
    func tearDown() async throws {
        try await store.close()
        if backend == .sqlite {
            try? FileManager.default.removeItem(at: URL(fileURLWithPath: location).deletingLastPathComponent().deletingLastPathComponent())
        }
    }
}

/// Runs `body` with a fresh store and tears it down afterwards, also when `body` throws.
func withStore(_ backend: Backend, keepQuarantinedRaw: Bool = true, codec: QuarantineCodec = QuarantineCodec(),
               _ body: (StoreFixture) async throws -> Void) async throws {
    let fixture = try await StoreFixture.make(backend, keepQuarantinedRaw: keepQuarantinedRaw, codec: codec)
    do {
        try await body(fixture)
    } catch {
        try? await fixture.tearDown()
        throw error
    }
    try await fixture.tearDown()
}

// MARK: Test data

/// A fixed instant with whole milliseconds: both backends keep at least millisecond precision.
let baseDate = Date(timeIntervalSince1970: 1_750_000_000.125)

func scanRecord(_ id: String, secondsAfterBase: Double = 0, contentHash: String? = nil, engines: Int = 2,
                action: Action = .accept, category: VerdictCategory? = nil) -> ScanRecord {
    var entries: [ScanRecord.EngineEntry] = []
    for index in 0..<engines {
        let label = index == 0 ? (category?.rawValue ?? "clean") : "clean"
        let state: EngineState = index == 1 ? .shadow : .active
        entries.append(ScanRecord.EngineEntry(engine: "engine-\(index)", label: label, score: Double(index) + 0.5,
                                              state: state, elapsedMilliseconds: 3.25 * Double(index + 1)))
    }
    return ScanRecord(
        id: id, receivedAt: baseDate.addingTimeInterval(secondsAfterBase),
        contentHash: contentHash ?? String(repeating: "ab", count: 32), messageID: "<\(id)@example.org>",
        queueID: "Q" + id.uppercased(), mailFrom: "sender@example.org", recipients: ["a@example.net", "b@example.net"],
        action: action, score: 1.25, category: category, engines: entries
    )
}

/// Dates rounded to the millisecond, so values read back compare equal to what was written.
func roundedDate(_ date: Date) -> Date {
    Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000)
}

extension ScanRecord {
    var normalised: ScanRecord {
        var copy = self
        copy.receivedAt = roundedDate(receivedAt)
        return copy
    }
}

extension Feedback {
    var normalised: Feedback {
        var copy = self
        copy.at = roundedDate(at)
        return copy
    }
}

extension StateChange {
    var normalised: StateChange {
        var copy = self
        copy.at = roundedDate(at)
        return copy
    }
}

extension QuarantineEntry {
    var normalised: QuarantineEntry {
        var copy = self
        copy.at = roundedDate(at)
        copy.releasedAt = releasedAt.map(roundedDate)
        return copy
    }
}
