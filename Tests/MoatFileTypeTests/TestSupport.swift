import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import MailTestSupport
import MoatCore
import MoatMessage
@testable import MoatFileType

/// Paths, fixtures and message building shared by the file-type tests.
enum TestSupport {
    /// The repository root: this file is `Tests/MoatFileTypeTests/TestSupport.swift` (symlinks resolved).
    static let repoRoot: URL = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let rulesDirectory = repoRoot.appendingPathComponent("rules").path
    static let policyPath = repoRoot.appendingPathComponent("rules/filetype/policy.toml").path
    static let corpus = repoRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus")

    static let pool = BlockingWorkPool(threads: 2)
    static let logger = Logger(label: "moat.filetype.test")
    static var scanContext: ScanContext { ScanContext(blocking: pool, logger: logger) }

    /// Fixtures made by `rules/filetype/fixtures/make-fixtures.sh` into a temporary directory, once per run.
    static let fixtureDirectory: String? = {
        let script = repoRoot.appendingPathComponent("rules/filetype/fixtures/make-fixtures.sh").path
        let temporary = FileManager.default.temporaryDirectory
        removeStaleFixtures(in: temporary)
        let directory = temporary.appendingPathComponent("\(fixturePrefix)\(getpid())").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = [script, directory]
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
            process.waitUntilExit()
        } catch {
            return nil
        }
        return process.terminationStatus == 0 ? directory : nil
    }()

    static let fixturePrefix = "moat-filetype-fixtures-"

    /// Removes fixture directories of earlier test processes that have exited (Swift Testing has no
    /// run-wide teardown to remove this process's own).
    static func removeStaleFixtures(in temporary: URL) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: temporary.path)) ?? []
        for name in names where name.hasPrefix(fixturePrefix) {
            guard let pid = Int32(name.dropFirst(fixturePrefix.count)), pid != getpid(),
                  kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? FileManager.default.removeItem(at: temporary.appendingPathComponent(name))
        }
    }

    /// A fixture's bytes, or nil if the script could not make it (missing tool).
    static func fixture(_ name: String) -> [UInt8]? {
        guard let directory = fixtureDirectory,
              let data = FileManager.default.contents(atPath: directory + "/" + name) else { return nil }
        return [UInt8](data)
    }

    static func hasFixture(_ name: String) -> Bool { fixture(name) != nil }

    /// Whether `tool` is on PATH.
    static func hasTool(_ tool: String) -> Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)")
        }
    }

    /// The engine as the daemon builds it from `engines/filetype.toml`-style options.
    static func engine(_ options: [String: ConfigValue] = [:]) async throws -> FileTypeEngine {
        let manifest = EngineManifest(name: "filetype", adapter: "filetype", options: options)
        let context = EngineBuildContext(blocking: pool, logger: logger, rulesDirectory: rulesDirectory,
                                         manifestPath: "engines/filetype.toml")
        return try await FileTypeEngineFactory().makeEngine(manifest, context: context) as! FileTypeEngine
    }

    /// One MIME part of a test message.
    struct Part {
        var contentType: String
        var disposition: String?
        var bytes: [UInt8]
    }

    /// An attachment whose `filename` and `name` both say `name` (RFC 2231 encoded when needed).
    static func attachment(_ name: String, type: String = "application/octet-stream", bytes: [UInt8]) -> Part {
        let parameter = encodedParameter(name)
        return Part(contentType: "\(type); name\(parameter)", disposition: "attachment; filename\(parameter)", bytes: bytes)
    }

    /// `="plain"` or `*=UTF-8''percent%20encoded`.
    static func encodedParameter(_ value: String) -> String {
        let plain = value.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F && $0 != "\"" && $0 != "\\" }
        if plain { return "=\"\(value)\"" }
        let encoded = value.utf8.map { byte -> String in
            let safe = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x2E || byte == 0x2D || byte == 0x5F
            return safe ? String(UnicodeScalar(byte)) : String(format: "%%%02X", byte)
        }.joined()
        return "*=UTF-8''\(encoded)"
    }

    /// A multipart/mixed message: a text body (part 1), then `parts` (2, 3, …).
    static func message(_ parts: [Part]) -> Message {
        Message(parsing: TestMessage.withAttachments(parts.map { TestMessage.Part(contentType: $0.contentType, disposition: $0.disposition, bytes: $0.bytes) }))
    }

    /// Scans a message with one attachment and returns the report.
    static func scan(_ parts: [Part], engine: FileTypeEngine? = nil) async throws -> EngineReport {
        let chosen: FileTypeEngine
        if let engine { chosen = engine } else { chosen = try await Self.engine() }
        return try await chosen.scan(ScanInput(message: message(parts)), context: scanContext)
    }
}

extension EngineReport {
    var codes: Set<String> { Set(findings.map(\.code)) }

    func details(_ code: String) -> [String] { findings.filter { $0.code == code }.map(\.detail) }
}
