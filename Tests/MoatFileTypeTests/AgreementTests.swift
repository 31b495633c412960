import Foundation
import MoatCore
import MoatMessage
@testable import MoatFileType
import Testing

/// Moat's true type must be what `file --brief --mime-type` says on the same bytes.
@Suite("True type agrees with file(1)", .enabled(if: TestSupport.hasTool("file"), "file(1) not installed"))
struct AgreementTests {
    /// Runs `file --brief --mime-type` on every path at once (`-f` list), in order.
    static func fileTypes(_ paths: [String]) throws -> [String] {
        let list = FileManager.default.temporaryDirectory.appendingPathComponent("moat-ft-list-\(UUID().uuidString)")
        try paths.joined(separator: "\n").appending("\n").write(to: list, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: list) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["file", "--brief", "--mime-type", "-f", list.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map { String($0).lowercased() }
    }

    /// Moat's answer for each file, through the same detector the engine uses.
    static func moatTypes(_ paths: [String]) async throws -> [String] {
        let detector = try await TestSupport.pool.run { try MagicDetector(database: nil) }
        return try await TestSupport.pool.run {
            try detector.withCookie { cookie in
                try paths.map { path in
                    let bytes = [UInt8](FileManager.default.contents(atPath: path) ?? Data())
                    return try cookie.mimeType(of: bytes[...])
                }
            }
        }
    }

    @Test("every fixture", .enabled(if: TestSupport.fixtureDirectory != nil, "fixture script failed"))
    func fixtures() async throws {
        let directory = try #require(TestSupport.fixtureDirectory)
        let paths = try FileManager.default.contentsOfDirectory(atPath: directory).sorted().map { directory + "/" + $0 }
        let theirs = try Self.fileTypes(paths)
        let ours = try await Self.moatTypes(paths)
        let disagreements = zip(paths, zip(ours, theirs)).filter { $1.0 != $1.1 }
        print("filetype agreement on fixtures: \(paths.count - disagreements.count)/\(paths.count)")
        for (path, (moat, file)) in disagreements { print("  disagreement: \(path): moat \(moat), file \(file)") }
        #expect(disagreements.allSatisfy { Self.knownDivergence(moat: $1.0, file: $1.1) }, "\(disagreements)")
    }

    /// libmagic tells a PIE executable from a shared library by reading the ELF dynamic section through
    /// the file descriptor; `magic_buffer` has none, so PIE executables read as shared libraries.
    /// Both are in the policy's `elf-executable` class.
    static func knownDivergence(moat: String, file: String) -> Bool {
        moat == "application/x-sharedlib" && file == "application/x-pie-executable"
    }

    static var corpusPresent: Bool {
        FileManager.default.fileExists(atPath: TestSupport.corpus.appendingPathComponent("mime").path)
    }

    @Test("every named attachment in the mime and phishing corpora", .enabled(if: corpusPresent, "../shared/corpus absent"))
    func corpus() async throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("moat-ft-corpus-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        var paths: [String] = []
        var origins: [String] = []
        for folder in ["mime", "phishing"] {
            let root = TestSupport.corpus.appendingPathComponent(folder)
            guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else { continue }
            for case let url as URL in walker {
                guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true,
                      !["SOURCE.txt", "LICENSE", "README.md"].contains(url.lastPathComponent),
                      let data = FileManager.default.contents(atPath: url.path), data.count < 32 << 20 else { continue }
                let message = Message(parsing: [UInt8](data))
                for part in message.leaves where part.filename != nil && !part.decoded.isEmpty {
                    let path = scratch.appendingPathComponent("\(paths.count)").path
                    _ = FileManager.default.createFile(atPath: path, contents: Data(part.decoded))
                    paths.append(path)
                    origins.append("\(url.path.dropFirst(TestSupport.corpus.path.count + 1)) part \(part.path)")
                }
            }
        }
        let theirs = try Self.fileTypes(paths)
        let ours = try await Self.moatTypes(paths)
        var disagreements: [String] = []
        var known = 0
        for index in paths.indices where ours[index] != theirs[index] {
            if Self.knownDivergence(moat: ours[index], file: theirs[index]) {
                known += 1
                continue
            }
            disagreements.append("\(origins[index]): moat \(ours[index]), file \(theirs[index])")
        }
        print("filetype agreement on corpus attachments: \(paths.count - disagreements.count - known)/\(paths.count)"
              + " (\(known) known ELF divergences)")
        for line in disagreements.prefix(20) { print("  disagreement: \(line)") }
        #expect(paths.count > 0)
        #expect(disagreements.isEmpty)
    }
}
