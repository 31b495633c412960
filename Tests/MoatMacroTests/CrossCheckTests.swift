import Foundation
import MoatArchive
import Testing
@testable import MoatMacro

/// Independent verification: olevba must see the macros we plant and none after disarming;
/// LibreOffice must open every disarmed document. A check whose tool is absent is reported as skipped.
@Suite(.serialized) struct CrossCheckTests {
    struct Case: Sendable, CustomStringConvertible {
        var ext: String
        var label = "fixture"
        var make: @Sendable (URL) throws -> [UInt8]
        var description: String { "\(label) in .\(ext)" }
    }

    static let cases: [Case] = [
        Case(ext: "doc") { try Fixtures.addingProject(to: Fixtures.cleanOLE(.doc, in: $0), kind: .doc) },
        Case(ext: "xls") { try Fixtures.addingProject(to: Fixtures.cleanOLE(.xls, in: $0), kind: .xls) },
        Case(ext: "docm") { _ in try Fixtures.package(.docm, withMacros: true) },
        Case(ext: "xlsm") { _ in try Fixtures.package(.xlsm, withMacros: true) },
        Case(ext: "rtf") { Fixtures.rtf(embedding: try Fixtures.addingProject(to: Fixtures.cleanOLE(.doc, in: $0), kind: .doc)) },
    ]

    /// Real Excel-written projects from the corpus (read in place), planted into each container.
    static let realProjects: [Case] = {
        let dir = CorpusTests.corpus.appendingPathComponent("xlsxwriter_macro")
        var out: [Case] = []
        for name in ["examples/vbaProject.bin", "vbaProject05.bin"] {
            let path = dir.appendingPathComponent(name).path
            guard let data = FileManager.default.contents(atPath: path) else { continue }
            let project = Array(data)
            out.append(Case(ext: "xls", label: name) { tmp in
                var root = try CompoundFile(bytes: Fixtures.cleanOLE(.xls, in: tmp)).nodes { _, _ in true }
                var projectRoot = try CompoundFile(bytes: project).nodes { _, _ in true }
                projectRoot.name = "_VBA_PROJECT_CUR"
                root.children.append(projectRoot)
                return CompoundFileWriter.write(root)
            })
            out.append(Case(ext: "xlsm", label: name) { _ in
                let members = try ZipArchive.read(Fixtures.package(.xlsm, withMacros: true))
                return try ZipArchive.write(members.map { $0.name == "xl/vbaProject.bin" ? ZipArchive.Member(name: $0.name, data: project) : $0 })
            })
            out.append(Case(ext: "docx", label: "project in embedded .doc") { tmp in
                // A macro-free document carrying an embedded .doc object that has a project.
                let embedded = try Fixtures.addingProject(to: Fixtures.cleanOLE(.doc, in: tmp), kind: .doc)
                var members = try ZipArchive.read(Fixtures.package(.docm, withMacros: false))
                members.append(ZipArchive.Member(name: "word/embeddings/oleObject1.bin", data: embedded))
                members[0].data = Array(String(decoding: members[0].data, as: UTF8.self).replacingOccurrences(
                    of: "</Types>", with: "<Default Extension=\"bin\" ContentType=\"application/vnd.openxmlformats-officedocument.oleObject\"/></Types>").utf8)
                return try ZipArchive.write(members)
            })
        }
        return out
    }()

    /// A planted fixture and its disarmed copy, written for the outside tools.
    struct Prepared {
        var dir: URL
        var input: URL
        var output: URL
    }

    /// Plants, inspects and disarms `c` (asserting both), then writes the two files.
    static func prepare(_ c: Case) throws -> Prepared {
        let dir = try ExternalTools.temporaryDirectory()
        let bytes = try c.make(dir)
        let inspection = MacroInspector().inspect(bytes)
        #expect(inspection.hasActiveContent)
        let disarmed = try MacroDisarmer().disarm(bytes, inspection: inspection)
        let input = dir.appendingPathComponent("in.\(c.ext)")
        let output = dir.appendingPathComponent("out.\(disarmed.newExtension ?? c.ext)")
        try Data(bytes).write(to: input)
        try Data(disarmed.bytes).write(to: output)
        if let keep = ProcessInfo.processInfo.environment["MOAT_MACRO_FIXTURE_DIR"] {
            // Keep the fixtures for a look with other tools.
            let keepDir = URL(fileURLWithPath: keep)
            try? FileManager.default.createDirectory(at: keepDir, withIntermediateDirectories: true)
            try Data(bytes).write(to: keepDir.appendingPathComponent("macro.\(c.ext)"))
            try Data(disarmed.bytes).write(to: keepDir.appendingPathComponent("disarmed-\(c.ext).\(disarmed.newExtension ?? c.ext)"))
        }
        return Prepared(dir: dir, input: input, output: output)
    }

    @Test(arguments: cases + realProjects)
    func plantedMacrosAreSeenAndRemoved(_ c: Case) throws {
        let prepared = try Self.prepare(c)
        try? FileManager.default.removeItem(at: prepared.dir)
    }

    @Test(.enabled(if: ExternalTools.olevba != nil, "olevba not found: set MOAT_OLEVBA or put olevba on PATH (pip install oletools)"),
          arguments: cases + realProjects)
    func olevbaSeesPlantedMacrosAndNoneAfterDisarming(_ c: Case) throws {
        let prepared = try Self.prepare(c)
        defer { try? FileManager.default.removeItem(at: prepared.dir) }
        if c.ext != "rtf" { #expect(try ExternalTools.olevbaFindsMacros(prepared.input), "olevba should see the planted project in .\(c.ext)") }
        #expect(try !ExternalTools.olevbaFindsMacros(prepared.output), "olevba still sees macros in disarmed .\(c.ext)")
    }

    @Test(.enabled(if: ExternalTools.soffice != nil, "soffice not on PATH (apt-get install libreoffice-writer libreoffice-calc)"),
          arguments: cases + realProjects)
    func libreOfficeOpensDisarmedDocuments(_ c: Case) throws {
        let prepared = try Self.prepare(c)
        defer { try? FileManager.default.removeItem(at: prepared.dir) }
        #expect(ExternalTools.libreOfficeOpens(prepared.output), "LibreOffice could not open disarmed .\(c.ext)")
    }
}
