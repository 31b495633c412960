import Foundation
import MoatClamAV
import MoatCore
import Testing

/// ClamAV's own test files against ClamAV's own test signatures, Moat versus `clamscan`.
@Suite("ClamAV test corpus", .enabled(if: FileManager.default.fileExists(atPath: Fixtures.corpus + "/clamav_test_files")
    && Fixtures.clamscanInstalled))
struct ClamAVCorpusTests {
    static var files: [String] {
        let root = Fixtures.corpus + "/clamav_test_files"
        let all = FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? []
        return all.filter { ($0 as NSString).lastPathComponent.hasPrefix("clam") }.map { root + "/" + $0 }
            .filter { var isDirectory: ObjCBool = false
                      return FileManager.default.fileExists(atPath: $0, isDirectory: &isDirectory) && !isDirectory.boolValue }
            .sorted()
    }

    @Test("Moat detects exactly what clamscan detects on every clam* test file")
    func agreement() async throws {
        let signatures = Fixtures.corpus + "/clamav_test_sigs"
        let files = Self.files
        #expect(!files.isEmpty)
        let clamscan = try Fixtures.clamscan(database: signatures, files: files)
        // clamscan's default limits, so both scan the same depth and sizes (Moat's own defaults are tighter).
        let clamscanLimits: [String: ConfigValue] = [
            "databases": .array([.string(signatures)]), "max_file_size": .string("100M"), "max_scan_size": .string("400M"),
            "max_recursion": .integer(17), "max_embedded_pe": .string("40M"), "max_scan_time_ms": .integer(120_000),
        ]
        let raw = try await Fixtures.engine(clamscanLimits.merging(["scan_parts": .bool(false)]) { $1 })
        let parts = try await Fixtures.engine(clamscanLimits)
        var agreed = 0, clamscanHits = 0, moatHits = 0, moatPartsHits = 0
        for file in files {
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
            let expected = try #require(clamscan[file], "clamscan said nothing about \(file)")
            let report = try await Fixtures.scan(raw, bytes)
            let names = report.findings.filter { $0.code == "clamav.signature" }.map(\.detail)
            if expected != nil { clamscanHits += 1 }
            if !names.isEmpty { moatHits += 1 }
            if (expected == nil) == names.isEmpty, expected.map(names.contains) ?? true { agreed += 1 }
            #expect((expected == nil) == names.isEmpty, "\(file): clamscan \(expected ?? "OK"), Moat \(names)")
            if try await Fixtures.scan(parts, bytes).category == .malware { moatPartsHits += 1 }
        }
        print("clamav corpus: \(files.count) files, clamscan detected \(clamscanHits), Moat raw detected \(moatHits), "
              + "agreed on \(agreed); Moat with scan_parts detected \(moatPartsHits)")
        #expect(agreed == files.count)
        #expect(moatPartsHits >= moatHits)
    }
}
