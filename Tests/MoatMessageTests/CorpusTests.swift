import Foundation
import Testing
@testable import MoatMessage

/// Parses every file of the shared corpora; absent corpora skip the test.
@Suite("Corpus")
struct CorpusTests {
    /// `MOAT_CORPUS`, else `<repo>/../shared/corpus` (this file is `<repo>/Tests/MoatMessageTests/CorpusTests.swift`).
    static let corpusRoot: URL = {
        if let env = ProcessInfo.processInfo.environment["MOAT_CORPUS"], !env.isEmpty {
            return URL(fileURLWithPath: env)
        }
        let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return repo.deletingLastPathComponent().appendingPathComponent("shared/corpus")
    }()

    static let folders = ["spamassassin", "mime", "phishing"]

    static var corpusPresent: Bool {
        folders.contains { FileManager.default.fileExists(atPath: corpusRoot.appendingPathComponent($0).path) }
    }

    // Skips cleanly when the shared corpus is not on this machine.
    @Test("every corpus file parses without crashing", .enabled(if: CorpusTests.corpusPresent, "shared corpus not found"))
    func parseCorpus() throws {
        var files = 0, parts = 0, skipped = 0
        var byCode: [String: Int] = [:]
        for folder in Self.folders {
            let dir = Self.corpusRoot.appendingPathComponent(folder)
            guard let walker = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: [.isRegularFileKey, .fileSizeKey]) else { continue }
            for case let url as URL in walker {
                let values = try url.resourceValues(forKeys: [.isRegularFileKey, .fileSizeKey])
                guard values.isRegularFile == true else { continue }
                if (values.fileSize ?? 0) > 64 << 20 { skipped += 1; continue }
                let data = try Data(contentsOf: url)
                let message = Message(parsing: Array(data))
                #expect(message.root.rawRange.upperBound == data.count, "\(url.path)")
                files += 1
                parts += message.parts.count
                for f in message.findings { byCode[f.code, default: 0] += 1 }
            }
        }
        #expect(files > 0)
        let summary = byCode.sorted { $0.value > $1.value }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        print("corpus: \(files) files, \(parts) parts, \(skipped) skipped; findings: \(summary)")
    }
}
