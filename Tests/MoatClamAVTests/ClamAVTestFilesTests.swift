import Foundation
import MoatClamAV
import MoatCore
import Testing

/// Debian's `clamav-testfiles` (ClamAV's harmless test executable in packers, archives and mail
/// formats) scanned with Moat's shipped signatures: Moat and `clamscan -d rules/clamav` must agree.
private let testFilesRoot = "/usr/share/clamav-testfiles"

@Suite("clamav-testfiles with rules/clamav", .enabled(if: FileManager.default.fileExists(atPath: testFilesRoot)
    && Fixtures.clamscanInstalled))
struct ClamAVTestFilesTests {
    static let root = testFilesRoot

    @Test("same detections as clamscan on every file")
    func agreement() async throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.root).sorted().map { Self.root + "/" + $0 }
        #expect(files.count >= 40)
        let database = Fixtures.rulesDirectory + "/clamav"
        let clamscan = try Fixtures.clamscan(database: database, files: files)
        // clamscan's default limits and no extra heuristics, so both do the same work.
        let engine = try await Fixtures.engine([
            "databases": .array([.string(database)]), "system_database": .bool(false), "scan_parts": .bool(false),
            "heuristics": .bool(false), "max_file_size": .string("100M"), "max_scan_size": .string("400M"),
            "max_recursion": .integer(17), "max_embedded_pe": .string("40M"), "max_scan_time_ms": .integer(120_000),
        ])
        var detected = 0
        for file in files {
            let expected = try #require(clamscan[file], "clamscan said nothing about \(file)")
            let report = try await Fixtures.scan(engine, Array(try Data(contentsOf: URL(fileURLWithPath: file))))
            let names = report.findings.filter { $0.code == "clamav.signature" }.map(\.detail)
            #expect((expected == nil) == names.isEmpty, "\(file): clamscan \(expected ?? "OK"), Moat \(names)")
            if let expected { #expect(names.contains(expected), "\(file): clamscan \(expected), Moat \(names)") }
            if !names.isEmpty { detected += 1 }
        }
        print("clamav-testfiles: \(files.count) files, Moat detected \(detected) with rules/clamav")
    }
}
