import Foundation
import MoatArchive
import MoatCore
import MoatMessage
import Testing
@testable import MoatMacro

@Suite struct MacroEngineTests {
    static func codes(_ report: EngineReport) -> Set<String> { Set(report.findings.map(\.code)) }

    @Test func detectsVBAInDocWithLyingExtension() async throws {
        let dir = try ExternalTools.temporaryDirectory()
        let doc = try Fixtures.addingProject(to: Fixtures.cleanOLE(.doc, in: dir), kind: .doc)
        let message = MessageBuilder.message(attaching: [("invoice.pdf", "application/pdf", doc)])
        let report = try await MessageBuilder.scan(MessageBuilder.engine(.detect), message)
        #expect(Self.codes(report).isSuperset(of: ["macro.vba", "macro.autoexec", "macro.suspicious_keyword"]))
        #expect(report.findings.contains { $0.code == "macro.autoexec" && $0.detail.hasPrefix("AutoOpen") })
        #expect(report.findings.contains { $0.code == "macro.suspicious_keyword" && $0.detail.hasPrefix("Shell:") })
        #expect(report.findings.contains { $0.code == "macro.vba" && $0.detail.contains("Module1") })
        #expect(report.category == .suspicious)
        #expect(report.replacements.isEmpty)
    }

    @Test func cleanDocumentsAreClean() async throws {
        let dir = try ExternalTools.temporaryDirectory()
        let message = MessageBuilder.message(attaching: [
            ("a.doc", "application/msword", try Fixtures.cleanOLE(.doc, in: dir)),
            ("b.xls", "application/vnd.ms-excel", try Fixtures.cleanOLE(.xls, in: dir)),
            ("c.docx", "application/octet-stream", try Fixtures.package(.docm, withMacros: false)),
            ("d.xlsx", "application/octet-stream", try Fixtures.package(.xlsm, withMacros: false)),
            ("e.rtf", "application/rtf", Fixtures.rtf(embedding: nil)),
        ])
        let report = try await MessageBuilder.scan(MessageBuilder.engine(.disarm), message)
        #expect(report == .clean)
    }

    @Test("Visio drawings and binary workbooks lose their project like Word and Excel documents", arguments: [
        (Fixtures.PackageKind.vsdm, "drawing.vsdm", "drawing.vsdx", "application/vnd.ms-visio.drawing", "visio/_rels/document.xml.rels"),
        (Fixtures.PackageKind.xlsb, "book.xlsb", "book.xlsb", "application/vnd.ms-excel.sheet.binary.macroEnabled.12", "xl/_rels/workbook.bin.rels"),
    ])
    func disarmsVisioAndBinaryWorkbooks(_ kind: Fixtures.PackageKind, _ name: String, _ newName: String, _ newType: String, _ relsName: String) async throws {
        let package = try Fixtures.package(kind, withMacros: true)
        let message = MessageBuilder.message(attaching: [(name, "application/octet-stream", package)])
        let report = try await MessageBuilder.scan(MessageBuilder.engine(.disarm), message)
        #expect(Self.codes(report).isSuperset(of: ["macro.vba", "macro.disarmed"]))
        let replacement = try #require(report.replacements.first)
        let doc = try #require(MessageBuilder.document(in: replacement))
        #expect(doc.name == newName)
        #expect(doc.type == newType.lowercased())
        let members = try ZipArchive.read(doc.bytes)
        #expect(!members.contains { $0.name.lowercased().contains("vbaproject") })
        let rels = String(decoding: try #require(members.first { $0.name == relsName }).data, as: UTF8.self)
        #expect(!rels.contains("vbaProject"))
        #expect(MacroInspector().inspect(doc.bytes).observations.isEmpty)
    }

    @Test func disarmsDocm() async throws {
        let docm = try Fixtures.package(.docm, withMacros: true)
        let message = MessageBuilder.message(attaching: [("report.docm", "application/vnd.ms-word.document.macroEnabled.12", docm)])
        let report = try await MessageBuilder.scan(MessageBuilder.engine(.disarm), message)
        #expect(Self.codes(report).isSuperset(of: ["macro.vba", "macro.autoexec", "macro.disarmed", "macro.note"]))
        try #require(report.replacements.count == 1)
        let replacement = report.replacements[0]
        #expect(replacement.partPath == "2")
        #expect(replacement.rawPart.starts(with: Array("Content-Type: multipart/mixed".utf8)))
        #expect(replacement.rawPart.last != 0x0A)
        let doc = try #require(MessageBuilder.document(in: replacement))
        #expect(doc.name == "report.docx")
        #expect(doc.type == "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        let members = try ZipArchive.read(doc.bytes)
        #expect(members.first?.name == "[Content_Types].xml")
        #expect(!members.contains { $0.name.contains("vba") })
        let types = String(decoding: members[0].data, as: UTF8.self)
        #expect(!types.contains("macroEnabled") && !types.contains("vbaProject") && !types.contains("vbaData"))
        let rels = String(decoding: members.first { $0.name == "word/_rels/document.xml.rels" }!.data, as: UTF8.self)
        #expect(!rels.contains("vbaProject"))
        #expect(MacroInspector().inspect(doc.bytes).observations.isEmpty)
        // Disarmed findings weigh less than detected ones.
        let detected = try await MessageBuilder.scan(MessageBuilder.engine(.detect), message)
        #expect(report.score < detected.score)
        // The whole message still parses and carries the new part.
        let spliced = Message(parsing: message.replacingParts([replacement.partPath: replacement.rawPart]))
        #expect(spliced.leaves.contains { $0.filename == "report.docx" })
        #expect(spliced.leaves.contains { $0.contentType.essence == "text/plain" && ($0.text ?? "").contains("report.docm") })
    }

    @Test(arguments: [Fixtures.OLEKind.doc, .xls])
    func disarmsOLE(kind: Fixtures.OLEKind) async throws {
        let dir = try ExternalTools.temporaryDirectory()
        let clean = try Fixtures.cleanOLE(kind, in: dir)
        let infected = try Fixtures.addingProject(to: clean, kind: kind)
        let message = MessageBuilder.message(attaching: [("sheet.\(kind.rawValue)", "application/octet-stream", infected)])
        let report = try await MessageBuilder.scan(MessageBuilder.engine(.disarm), message)
        try #require(report.replacements.count == 1)
        let doc = try #require(MessageBuilder.document(in: report.replacements[0]))
        #expect(doc.name == "sheet.\(kind.rawValue)")
        let file = try CompoundFile(bytes: doc.bytes)
        let names = Set(try file.tree().map { $0.path.joined(separator: "/") })
        let original = Set(try CompoundFile(bytes: clean).tree().map { $0.path.joined(separator: "/") })
        #expect(names == original)
        #expect(!doc.bytes.contains(subsequence: Array("Shell".utf8)))
    }

    @Test func rejectModeIsMalware() async throws {
        let message = MessageBuilder.message(attaching: [("a.xlsm", "application/octet-stream", try Fixtures.package(.xlsm, withMacros: true))])
        let report = try await MessageBuilder.scan(MessageBuilder.engine(.reject), message)
        #expect(report.category == .malware)
        #expect(report.score >= 20)
        #expect(report.replacements.isEmpty)
    }

    @Test func xlmSheetsAreDetectedAndDisarmedOrRemoved() async throws {
        let xls = CompoundFileWriter.write(.storage("R", [.stream("Workbook", Fixtures.biffWorkbook(macroSheet: true))]))
        let xlsm = try Fixtures.package(.xlsm, withMacros: false, macroSheet: true)
        let message = MessageBuilder.message(attaching: [("a.xls", "application/vnd.ms-excel", xls), ("b.xlsm", "application/octet-stream", xlsm)])
        let report = try await MessageBuilder.scan(MessageBuilder.engine(.disarm), message)
        #expect(report.findings.filter { $0.code == "macro.xlm" }.count == 2)
        #expect(report.findings.contains { $0.code == "macro.xlm" && $0.detail.contains("Macro1") })
        // The .xls is disarmed in place (BIFFMacroNeutraliser); the .xlsm loses its macro sheet part.
        #expect(report.findings.filter { $0.code == "macro.disarmed" }.count == 2)
        #expect(report.findings.filter { $0.code == "macro.removed" }.isEmpty)
        #expect(report.replacements.count == 2)
        let xlsmOut = try #require(report.replacements.compactMap(MessageBuilder.document).first { $0.name == "b.xlsx" })
        let package = OOXMLPackage(members: try ZipArchive.read(xlsmOut.bytes))
        #expect(package.macroSheets.isEmpty)
        #expect(!package.members.contains { $0.name.lowercased().contains("macrosheet") })
    }

    /// The text of a note-only replacement part.
    static func noteText(_ replacement: PartReplacement) -> String {
        let message = Message(parsing: Array("MIME-Version: 1.0\r\n".utf8) + replacement.rawPart)
        return String(decoding: message.leaves.first?.decoded ?? [], as: UTF8.self)
    }

    @Test("an attachment removed whole gets a note that says so, never that the rest was delivered", arguments: [
        ("", "was not delivered"),
        ("note-removed.en.txt", "was not delivered"),
        ("note-removed.ja.txt", "配信していません"),
    ])
    func removedNoteIsTrue(_ template: String, _ expected: String) async throws {
        var settings = MacroSettings()
        settings.mode = .disarm
        if !template.isEmpty {
            let rules = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../rules/macro").standardized.path
            settings.removedNoteTemplate = try #require(MacroNote.readTemplate(at: rules + "/" + template))
            settings.noteTemplate = try #require(MacroNote.readTemplate(at: rules + "/" + template.replacingOccurrences(of: "note-removed", with: "note")))
        }
        // A SYLK macro sheet is not disarmable: the attachment goes whole.
        let sylk = Array("ID;PWXL;N;E\r\nO;E\r\nC;X1;Y1;K0;EEXEC(\"calc.exe\")\r\nC;X1;Y2;K0;EHALT()\r\nE\r\n".utf8)
        let report = try await MessageBuilder.scan(MacroEngine(settings: settings), MessageBuilder.message(attaching: [("a.slk", "application/octet-stream", sylk)]))
        let replacement = try #require(report.replacements.first)
        let note = Self.noteText(replacement)
        #expect(note.contains("a.slk"))
        #expect(note.contains(expected), "\(note)")
        for untrue in ["delivered unchanged", "変更せずに配信"] {
            #expect(!note.contains(untrue), "\(note)")
        }
    }

    @Test func rtfObjectWithMacrosIsFlaggedAndStripped() async throws {
        let dir = try ExternalTools.temporaryDirectory()
        let embedded = try Fixtures.addingProject(to: Fixtures.cleanOLE(.doc, in: dir), kind: .doc)
        let rtf = Fixtures.rtf(embedding: embedded)
        let message = MessageBuilder.message(attaching: [("memo.rtf", "application/rtf", rtf)])
        let report = try await MessageBuilder.scan(MessageBuilder.engine(.disarm), message)
        #expect(Self.codes(report).isSuperset(of: ["macro.rtf_object", "macro.vba", "macro.disarmed"]))
        let doc = try #require(MessageBuilder.document(in: report.replacements[0]))
        let text = String(decoding: doc.bytes, as: UTF8.self)
        #expect(!text.contains("objdata") && text.contains("Quarterly report") && text.hasSuffix("}"))
    }

    @Test func documentsInsideZipAreFound() async throws {
        let zip = try ZipArchive.write([ZipArchive.Member(name: "inner/report.docm", data: try Fixtures.package(.docm, withMacros: true), isEncrypted: false)])
        let report = try await MessageBuilder.scan(MessageBuilder.engine(.disarm), MessageBuilder.message(attaching: [("docs.zip", "application/zip", zip)]))
        #expect(report.findings.contains { $0.code == "macro.vba" && $0.detail.contains("inner/report.docm/word/vbaProject.bin") })
        #expect(Self.codes(report).contains("macro.removed"))
    }

    @Test func nestedArchivesAreBounded() async throws {
        var bytes = try Fixtures.package(.docm, withMacros: true)
        for level in 0..<4 { bytes = try ZipArchive.write([ZipArchive.Member(name: "level\(level).zip", data: bytes)]) }
        // Four zip levels around the document: beyond the inspector's depth, which is reported.
        let observations = MacroInspector().inspect(bytes).observations
        #expect(observations.count == 1)
        #expect(observations.first?.kind == .nestingLimit(depth: 3))
        var limits = ZipArchive.Limits()
        limits.maxMembers = 2
        let many = try ZipArchive.write((0..<5).map { ZipArchive.Member(name: "f\($0).txt", data: [1]) })
        #expect(throws: ZipArchive.Failure.limit("more than 2 members")) { try ZipArchive.read(many, limits: limits) }
    }

    @Test func encryptedAndMalformed() async throws {
        let encrypted = CompoundFileWriter.write(.storage("R", [.stream("EncryptionInfo", [1, 2, 3]), .stream("EncryptedPackage", [UInt8](repeating: 9, count: 5000))]))
        var broken = Fixtures.vbaProjectBin()
        LittleEndian.put(0xFFFF_FFF0, into: &broken, at: 0x30)
        let message = MessageBuilder.message(attaching: [("a.docx", "application/octet-stream", encrypted), ("b.doc", "application/msword", broken)])
        let report = try await MessageBuilder.scan(MessageBuilder.engine(.disarm), message)
        #expect(report.findings.contains { $0.code == "macro.encrypted" && $0.partPath == "2" && $0.score == 1.5 })
        #expect(report.findings.contains { $0.code == "macro.malformed_container" && $0.partPath == "3" })
        #expect(report.replacements.isEmpty)
    }

    @Test func factoryReadsOptions() async throws {
        let dir = try ExternalTools.temporaryDirectory()
        try Data("JA {filename} {removed} {findings}".utf8).write(to: dir.appendingPathComponent("note.txt"))
        let context = EngineBuildContext(blocking: MessageBuilder.pool, logger: .init(label: "t"), rulesDirectory: dir.path, manifestPath: "macro.toml")
        let manifest = EngineManifest(name: "macro", adapter: "macro", options: [
            "mode": .string("reject"), "note_template": .string("note.txt"), "scores": .table(["vba": .double(5)]),
        ])
        let engine = try #require(try await MacroEngineFactory().makeEngine(manifest, context: context) as? MacroEngine)
        #expect(engine.settings.mode == .reject && engine.settings.scores.vba == 5 && engine.settings.noteTemplate.hasPrefix("JA"))
        for bad: [String: ConfigValue] in [["mode": .string("strip")], ["note_template": .string("missing.txt")], ["typo": .bool(true)]] {
            await #expect(throws: ConfigurationError.self) {
                _ = try await MacroEngineFactory().makeEngine(EngineManifest(name: "m", adapter: "macro", options: bad), context: context)
            }
        }
    }

    @Test func shippedManifestAndTemplatesLoad() async throws {
        let repo = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let rules = repo.appendingPathComponent("rules").path
        let context = EngineBuildContext(blocking: MessageBuilder.pool, logger: .init(label: "t"), rulesDirectory: rules, manifestPath: "engines/macro.toml")
        for template in ["macro/note.en.txt", "macro/note.ja.txt"] {
            let manifest = EngineManifest(name: "macro", adapter: "macro", options: ["note_template": .string(template)])
            let engine = try #require(try await MacroEngineFactory().makeEngine(manifest, context: context) as? MacroEngine)
            #expect(engine.settings.noteTemplate.contains("{filename}"))
        }
        let toml = try String(contentsOf: repo.appendingPathComponent("engines/macro.toml"), encoding: .utf8)
        #expect(toml.contains("adapter = \"macro\"") && toml.contains("mode = \"disarm\""))
    }

    @Test func renaming() {
        #expect(MacroEngine.renamed("a.b.docm", to: "docx") == "a.b.docx")
        #expect(MacroEngine.renamed("noext", to: "xlsx") == "noext.xlsx")
        #expect(MacroEngine.renamed("keep.doc", to: nil) == "keep.doc")
    }

    @Test func replacementPartEncoding() {
        let raw = ReplacementPart.attachment([UInt8](repeating: 0xAB, count: 200), filename: "報告.docx", mediaType: "application/x")
        #expect(raw.contains("filename*=utf-8''%E5%A0%B1%E5%91%8A.docx"))
        let body = raw.components(separatedBy: "\r\n\r\n")[1]
        #expect(body.components(separatedBy: "\r\n").allSatisfy { $0.count <= 76 })
        #expect(!body.hasSuffix("\r\n"))
    }
}

extension Array where Element == UInt8 {
    func contains(subsequence needle: [UInt8]) -> Bool { MacroInspector.firstIndex(of: needle, in: self) != nil }
}
