import Foundation
import Testing
@testable import MoatMacro

/// Agreement with olevba's labels (`MACRO_SCAN.tsv`) on the shared corpus of real documents.
@Suite(.serialized) struct CorpusTests {
    static let corpus = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/corpus/macros")

    struct Row: Sendable { var path: String; var vba: Bool; var xlm: Bool }

    /// Whether the shared corpus is here; tests that read it are reported as skipped without it.
    static let available = FileManager.default.fileExists(atPath: corpus.appendingPathComponent("MACRO_SCAN.tsv").path)

    static func rows() -> [Row] {
        guard let text = try? String(contentsOf: corpus.appendingPathComponent("MACRO_SCAN.tsv"), encoding: .utf8) else { return [] }
        return text.split(separator: "\n").dropFirst().compactMap { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 6, ["yes", "no"].contains(f[4]), ["yes", "no"].contains(f[5]) else { return nil }
            return Row(path: f[0], vba: f[4] == "yes", xlm: f[5] == "yes")
        }
    }

    /// Where Moat is deliberately stricter than olevba 0.60.2, with the evidence.
    static let expectedDisagreements: [String: String] = [
        "oletools_test-data/excel4-macros/excel4_sample_macro.xlsm": "xlm: has xl/macrosheets/sheet1.xml (macrosheet+xml); olevba ignores OOXML macro sheets",
        "oletools_test-data/excel4-macros/excel4_sample_macro.xltm": "xlm: has xl/macrosheets/sheet1.xml (macrosheet+xml); olevba ignores OOXML macro sheets",
        "oletools_test-data/excel4-macros/excel4_sample_macro.xlsb": "xlm: has xl/macrosheets/sheet1.bin (macrosheet); olevba ignores OOXML macro sheets",
    ]

    @Test(.enabled(if: available, "shared corpus absent")) func detectionAgreesWithOlevba() throws {
        let rows = Self.rows()
        try #require(!rows.isEmpty, "\(Self.corpus.path)/MACRO_SCAN.tsv has no rows")
        var agree = 0
        var disagreements: [String] = []
        for row in rows {
            guard let data = FileManager.default.contents(atPath: Self.corpus.appendingPathComponent(row.path).path) else { continue }
            let inspection = MacroInspector().inspect(Array(data))
            if inspection.hasVBA == row.vba && inspection.hasXLM == row.xlm {
                agree += 1
            } else {
                let line = "\(row.path): olevba vba=\(row.vba) xlm=\(row.xlm), moat vba=\(inspection.hasVBA) xlm=\(inspection.hasXLM) \(inspection.observations)"
                if Self.expectedDisagreements[row.path] == nil { disagreements.append(line) }
                print("DISAGREE \(line)")
            }
        }
        print("corpus agreement: \(agree) of \(rows.count) files agree with olevba")
        #expect(disagreements.isEmpty, "\(disagreements.joined(separator: "\n"))")
    }

    /// Every entry point Moat names is one olevba's `autoexec` column lists too (olevba also lists
    /// keywords it finds in strings, Moat only procedure names, so the converse is not expected),
    /// except UserForm control events (`ListBox1_Click`, `TextBox2_Change`), which Moat reports as
    /// entry points a click runs and olevba does not count.
    @Test(.enabled(if: available, "shared corpus absent")) func autoExecComparedWithOlevba() throws {
        let text = try String(contentsOf: Self.corpus.appendingPathComponent("MACRO_SCAN.tsv"), encoding: .utf8)
        var same = 0, total = 0
        var unconfirmed: [String] = []
        for line in text.split(separator: "\n").dropFirst() {
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 7, f[4] == "yes",
                  let data = FileManager.default.contents(atPath: Self.corpus.appendingPathComponent(f[0]).path) else { continue }
            total += 1
            var ours = Set<String>()
            for o in MacroInspector().inspect(Array(data)).observations {
                if case .vba(_, let autoExec, _) = o.kind { ours.formUnion(autoExec.map { $0.lowercased() }) }
            }
            let theirs = Set(f[6].split(separator: ",").map { $0.lowercased() })
            if ours == theirs { same += 1 } else { print("AUTOEXEC \(f[0]): olevba \(theirs.sorted()) moat \(ours.sorted())") }
            let formEvents = ["_click", "_change", "_dblclick", "_initialize", "_activate"]
            let beyond = ours.subtracting(theirs).filter { name in !formEvents.contains { name.hasSuffix($0) } }
            if !beyond.isEmpty { unconfirmed.append("\(f[0]): \(beyond.sorted())") }
        }
        print("autoexec: \(same) of \(total) VBA files list the same entry points as olevba")
        #expect(total > 0, "no VBA file in MACRO_SCAN.tsv")
        #expect(unconfirmed.isEmpty, "entry points olevba does not list:\n\(unconfirmed.joined(separator: "\n"))")
    }

    /// The oletools zips are ZipCrypto-protected: they must read as encrypted, never as clean.
    @Test(.enabled(if: available, "shared corpus absent")) func passwordProtectedZipsAreEncrypted() throws {
        let root = Self.corpus.appendingPathComponent("oletools_test-data")
        let walker = try #require(FileManager.default.enumerator(atPath: root.path))
        var count = 0
        for case let path as String in walker where path.hasSuffix(".zip") {
            let data = try #require(FileManager.default.contents(atPath: root.appendingPathComponent(path).path))
            let inspection = MacroInspector().inspect(Array(data))
            #expect(inspection.isEncrypted, "\(path) should read as encrypted: \(inspection.observations)")
            count += 1
        }
        print("password-protected zips flagged as encrypted: \(count)")
        #expect(count > 0, "no password-protected zip found under \(root.path)")
    }

    @Test(.enabled(if: available && ExternalTools.olevba != nil, "needs the shared corpus and olevba (MOAT_OLEVBA)"))
    func disarmedCorpusFilesAreOlevbaClean() throws {
        let rows = Self.rows().filter { $0.vba || $0.xlm }
        try #require(!rows.isEmpty)
        let dir = try ExternalTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        var disarmed = 0, refused: [String] = [], opened = 0
        for (n, row) in rows.enumerated() {
            guard let data = FileManager.default.contents(atPath: Self.corpus.appendingPathComponent(row.path).path) else { continue }
            let bytes = Array(data)
            let inspection = MacroInspector().inspect(bytes)
            let result: DisarmedDocument
            do {
                result = try MacroDisarmer().disarm(bytes, inspection: inspection)
            } catch {
                refused.append("\(row.path): \(error)")
                continue
            }
            disarmed += 1
            let ext = result.newExtension ?? (row.path.split(separator: ".").last.map(String.init) ?? "bin")
            let out = dir.appendingPathComponent("\(n).\(ext)")
            try Data(result.bytes).write(to: out)
            #expect(try !ExternalTools.olevbaFindsMacros(out), "olevba still sees macros in disarmed \(row.path)")
            if ExternalTools.soffice != nil, ProcessInfo.processInfo.environment["MOAT_CORPUS_LIBREOFFICE"] != nil {
                let ok = ExternalTools.libreOfficeOpens(out)
                if ok { opened += 1 }
                #expect(ok, "LibreOffice cannot open disarmed \(row.path)")
            }
        }
        print("corpus disarm: \(disarmed) of \(rows.count) macro-bearing files disarmed, \(opened) opened by LibreOffice; not disarmable (replaced by the note): \(refused.count)")
        for r in refused { print("  NOT DISARMED \(r)") }
    }
}
