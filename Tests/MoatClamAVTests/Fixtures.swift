import Foundation
import Logging
import MailTestSupport
import MoatClamAV
import MoatCore
import MoatMessage

/// Test fixtures made in code: EICAR, messages, zips (through `/usr/bin/zip`), temp folders, peers.
enum Fixtures {
    /// The 68-byte EICAR test file.
    static let eicar = Array(#"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"#.utf8)

    /// The repository root: Tests/MoatClamAVTests/Fixtures.swift is three levels below it.
    static let repoRoot: String = {
        var url = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static let rulesDirectory = repoRoot + "/rules"
    static let corpus = repoRoot + "/../shared/corpus/av"

    /// One blocking pool for the whole test process.
    static let pool = BlockingWorkPool(threads: 2)

    static let logger = Logger(label: "moat.clamav.tests")

    /// A fresh private directory.
    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.path + "/moat-clamav-test-" + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Builds an engine through the factory, as `moatd` would.
    static func engine(_ options: [String: ConfigValue] = [:], adapter: any EngineFactory = ClamAVEngineFactory()) async throws -> any ScanEngine {
        var options = options
        if adapter.adapter == "clamav", options["system_database"] == nil { options["system_database"] = .bool(false) }
        let manifest = EngineManifest(name: "clamav-test", adapter: adapter.adapter, options: options)
        let context = EngineBuildContext(blocking: pool, logger: logger, rulesDirectory: rulesDirectory,
                                         manifestPath: "engines/clamav-test.toml")
        return try await adapter.makeEngine(manifest, context: context)
    }

    static func scan(_ engine: any ScanEngine, _ raw: [UInt8]) async throws -> EngineReport {
        try await engine.scan(ScanInput(message: Message(parsing: raw)), context: ScanContext(blocking: pool, logger: logger))
    }

    // MARK: Messages

    /// A multipart/mixed message with a text part and the given attachments (base64); a fresh
    /// Message-ID each time.
    static func message(text: String = "Hello,\r\nplease see attached.\r\n", attachments: [(name: String, bytes: [UInt8])]) -> [UInt8] {
        TestMessage.withAttachments(attachments.map { .attachment($0.name, bytes: $0.bytes) }, text: text, headers: [
            "From: sender@example.org", "To: rcpt@example.net", "Subject: fixture", "Message-ID: <\(UUID().uuidString)@example.org>",
        ])
    }

    /// `bytes` as a uuencode block named `name`.
    static func uuencode(_ bytes: [UInt8], name: String) -> String {
        func char(_ value: UInt8) -> Character { value == 0 ? "`" : Character(UnicodeScalar(value + 32)) }
        var lines = ["begin 644 \(name)"]
        var index = 0
        while index < bytes.count {
            let chunk = Array(bytes[index..<min(index + 45, bytes.count)])
            var line = String(char(UInt8(chunk.count)))
            var group = 0
            while group < chunk.count {
                let b0 = chunk[group]
                let b1 = group + 1 < chunk.count ? chunk[group + 1] : 0
                let b2 = group + 2 < chunk.count ? chunk[group + 2] : 0
                line.append(char(b0 >> 2))
                line.append(char(((b0 & 0x3) << 4) | (b1 >> 4)))
                line.append(char(((b1 & 0xF) << 2) | (b2 >> 6)))
                line.append(char(b2 & 0x3F))
                group += 3
            }
            lines.append(line)
            index += 45
        }
        lines += ["`", "end"]
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    // MARK: Archives and processes

    /// A zip of `entries` made by `/usr/bin/zip` (`password` makes a ZipCrypto archive).
    static func zip(_ entries: [(name: String, bytes: [UInt8])], password: String? = nil) throws -> [UInt8] {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for entry in entries {
            try Data(entry.bytes).write(to: URL(fileURLWithPath: directory + "/" + entry.name))
        }
        var arguments = ["-q", "-X"]
        if let password { arguments += ["-P", password] }
        arguments += ["out.zip"] + entries.map(\.name)
        let result = try run("/usr/bin/zip", arguments, in: directory)
        guard result.status == 0 else { throw FixtureError.tool("zip exited \(result.status)") }
        return Array(try Data(contentsOf: URL(fileURLWithPath: directory + "/out.zip")))
    }

    enum FixtureError: Error { case tool(String) }

    /// Runs a program to completion and returns its exit status and standard output.
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], in directory: String? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// `clamscan -d DATABASE FILES...`: detected signature name per file (nil = OK).
    static func clamscan(database: String, files: [String]) throws -> [String: String?] {
        let result = try run("/usr/bin/clamscan", ["--no-summary", "-d", database] + files)
        var verdicts: [String: String?] = [:]
        for line in result.output.split(separator: "\n") {
            guard let colon = line.range(of: ": ", options: .backwards) else { continue }
            let file = String(line[..<colon.lowerBound])
            let verdict = line[colon.upperBound...]
            if verdict.hasSuffix(" FOUND") {
                verdicts[file] = String(verdict.dropLast(" FOUND".count))
            } else if verdict == "OK" {
                verdicts[file] = .some(nil)
            }
        }
        return verdicts
    }

    static var clamscanInstalled: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/clamscan") }
    static var zipInstalled: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/zip") }
}
