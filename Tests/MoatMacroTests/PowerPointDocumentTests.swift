import Foundation
import Testing
@testable import MoatMacro

/// PowerPoint 97-2003: the VBA project inside the `PowerPoint Document` stream (ExOleObjStg),
/// hostile record streams, and the in-place disarm.
@Suite struct PowerPointDocumentTests {
    static let sample = CorpusTests.corpus.appendingPathComponent("oletools_test-data/olevba/sample_with_vba.ppt")
    static let encrypted = CorpusTests.corpus.appendingPathComponent("oletools_test-data/encrypted/encrypted.ppt")

    /// Whether the shared corpus is here; tests that read it are reported as skipped without it.
    static let corpusAvailable = FileManager.default.fileExists(atPath: sample.path)

    static func corpusFile(_ url: URL) throws -> [UInt8] {
        Array(try #require(FileManager.default.contents(atPath: url.path), "\(url.path) not found"))
    }

    static func vba(_ inspection: Inspection) -> [(modules: [String], autoExec: [String], location: String)] {
        inspection.observations.compactMap { o in
            if case .vba(let modules, let autoExec, _) = o.kind { (modules, autoExec, o.location) } else { nil }
        }
    }

    static func malformed(_ inspection: Inspection) -> [Observation] {
        inspection.observations.filter { if case .malformed = $0.kind { true } else { false } }
    }

    /// An 8-byte record header: recVer | recInstance << 4, recType, recLen.
    static func header(version: UInt16 = 0, instance: UInt16 = 0, type: UInt16, length: Int) -> [UInt8] {
        Fixtures.le16(version | instance << 4) + Fixtures.le16(type) + Fixtures.le32(UInt32(length))
    }

    static func container(_ type: UInt16, _ children: [UInt8], instance: UInt16 = 0) -> [UInt8] {
        header(version: 0xF, instance: instance, type: type, length: children.count) + children
    }

    /// A compressed ExOleObjStg atom holding `storage`.
    static func storageAtom(_ storage: [UInt8]) throws -> [UInt8] {
        let payload = Fixtures.le32(UInt32(storage.count)) + (try #require(Zlib.compress(storage)))
        return header(instance: 1, type: PowerPointDocument.exOleObjStg, length: payload.count) + payload
    }

    /// DocumentContainer > VBAInfoContainer > VBAInfoAtom(persistIdRef 1, fHasMacros, version 2).
    static func documentContainer(hasMacros: Bool) -> [UInt8] {
        let atom = header(version: 2, type: PowerPointDocument.vbaInfoAtom, length: 12)
            + Fixtures.le32(1) + Fixtures.le32(hasMacros ? 1 : 0) + Fixtures.le32(2)
        let documentAtom = header(version: 1, type: 0x03E9, length: 40) + [UInt8](repeating: 0, count: 40)
        return container(0x03E8, documentAtom + container(0x03FF, atom, instance: 1) + header(type: 0x03EA, length: 0))
    }

    /// A compound file with `stream` as its `PowerPoint Document` and an unencrypted `Current User`.
    static func presentation(_ stream: [UInt8]) -> [UInt8] {
        let currentUser = header(type: 0x0FF6, length: 20) + Fixtures.le32(20) + Fixtures.le32(0xE391_C05F)
            + [UInt8](repeating: 0, count: 12)
        return CompoundFileWriter.write(.storage("Root Entry", [
            .stream("Current User", currentUser), .stream(PowerPointDocument.streamName, stream),
        ]))
    }

    /// The corpus presentation with its `PowerPoint Document` stream changed by `edit`.
    static func editingStream(of bytes: [UInt8], _ edit: (inout [UInt8]) throws -> Void) throws -> [UInt8] {
        let file = try CompoundFile(bytes: bytes)
        var root = try file.nodes { _, _ in true }
        let i = try #require(root.children.firstIndex { $0.name == PowerPointDocument.streamName })
        try edit(&root.children[i].data)
        return CompoundFileWriter.write(root)
    }

    static func storageOffset(in stream: [UInt8]) throws -> Int {
        try #require(PowerPointDocument(stream).storages.first).offset
    }

    // MARK: - The corpus presentation

    @Test(.enabled(if: corpusAvailable, "shared corpus absent")) func corpusPresentationShowsItsModulesLikeOlevba() throws {
        let bytes = try Self.corpusFile(Self.sample)
        let inspection = MacroInspector().inspect(bytes)
        #expect(inspection.container == .compoundFile)
        #expect(!inspection.isMalformed, "\(inspection.observations)")
        let projects = Self.vba(inspection)
        try #require(projects.count == 1, "\(inspection.observations)")
        #expect(projects[0].location == "PowerPoint Document/ExOleObjStg[0]")
        #expect(projects[0].modules == ["Module1"])
        #expect(projects[0].autoExec.map { $0.lowercased() } == ["action_click"])
    }

    @Test(.enabled(if: corpusAvailable && ExternalTools.olevba != nil, "needs the shared corpus and olevba (MOAT_OLEVBA)"))
    func corpusPresentationModulesMatchOlevba() throws {
        let bytes = try Self.corpusFile(Self.sample)
        let projects = Self.vba(MacroInspector().inspect(bytes))
        try #require(projects.count == 1)
        let olevba = try #require(ExternalTools.olevba)
        let (_, output) = try ExternalTools.run(olevba, ["--json", Self.sample.path])
        let items = try #require(try JSONSerialization.jsonObject(with: output) as? [[String: Any]])
        let theirs = items.flatMap { ($0["macros"] as? [[String: Any]]) ?? [] }.compactMap { $0["vba_filename"] as? String }
            .map { $0.split(separator: ".").dropLast().joined(separator: ".") }
        #expect(theirs.sorted() == projects[0].modules.sorted(), "olevba lists \(theirs)")
    }

    @Test(.enabled(if: corpusAvailable, "shared corpus absent")) func engineReportsModulesAndEntryPoint() throws {
        let bytes = try Self.corpusFile(Self.sample)
        let findings = MacroEngine.findings(for: MacroInspector().inspect(bytes), partPath: "2", scores: MacroSettings.Scores())
        #expect(findings.contains { $0.code == "macro.vba" && $0.detail == "VBA project in PowerPoint Document/ExOleObjStg[0] (modules: Module1)" })
        #expect(findings.contains { $0.code == "macro.autoexec" && $0.detail.lowercased().hasPrefix("action_click") })
    }

    @Test(.enabled(if: corpusAvailable, "shared corpus absent")) func encryptedPresentationReadsAsEncrypted() throws {
        let bytes = try Self.corpusFile(Self.encrypted)
        let inspection = MacroInspector().inspect(bytes)
        #expect(inspection.isEncrypted && !inspection.isMalformed && !inspection.hasVBA, "\(inspection.observations)")
    }

    @Test(.enabled(if: corpusAvailable, "shared corpus absent")) func truncatedCopiesNeverTrap() throws {
        let bytes = try Self.corpusFile(Self.sample)
        var malformed = 0, copies = 0
        for cut in stride(from: 512, to: bytes.count, by: 1531) {
            let inspection = MacroInspector().inspect(Array(bytes[0..<cut]))
            copies += 1
            if inspection.isMalformed { malformed += 1 }
            // A cut never makes the presentation look clean.
            #expect(inspection.isMalformed || inspection.hasVBA, "cut at \(cut): \(inspection.observations)")
        }
        print("truncated .ppt copies: \(malformed) of \(copies) malformed, none clean")
    }

    @Test(.enabled(if: corpusAvailable, "shared corpus absent")) func streamCutInsideTheStorageIsMalformedButStillFlagged() throws {
        let bytes = try Self.corpusFile(Self.sample)
        let cut = try Self.editingStream(of: bytes) { stream in
            let offset = try Self.storageOffset(in: stream)
            stream.removeSubrange((offset + 100)...)
        }
        let inspection = MacroInspector().inspect(cut)
        #expect(Self.malformed(inspection).contains { $0.location == "PowerPoint Document" }, "\(inspection.observations)")
        // The VBAInfoAtom's fHasMacros still says there is a project.
        #expect(Self.vba(inspection).map(\.location) == ["PowerPoint Document"])
        #expect(throws: MacroDisarmer.Failure.self) { try MacroDisarmer().disarm(cut, inspection: inspection) }
    }

    @Test(.enabled(if: corpusAvailable, "shared corpus absent")) func corruptedCompressedStorageIsMalformed() throws {
        let bytes = try Self.corpusFile(Self.sample)
        let corrupt = try Self.editingStream(of: bytes) { stream in
            let offset = try Self.storageOffset(in: stream)
            for k in 0..<64 { stream[offset + 40 + k] = UInt8(truncatingIfNeeded: 0xA5 &* (k + 1)) }
        }
        let inspection = MacroInspector().inspect(corrupt)
        #expect(Self.malformed(inspection).contains { $0.location == "PowerPoint Document/ExOleObjStg[0]" }, "\(inspection.observations)")
        #expect(inspection.hasVBA)
    }

    @Test(.enabled(if: corpusAvailable, "shared corpus absent")) func hugeDeclaredSizeIsRefusedBeforeInflating() throws {
        let bytes = try Self.corpusFile(Self.sample)
        let huge = try Self.editingStream(of: bytes) { stream in
            let offset = try Self.storageOffset(in: stream)
            LittleEndian.put(0xFFFF_FFFF, into: &stream, at: offset + 8)
        }
        let inspection = MacroInspector().inspect(huge)
        let reasons = Self.malformed(inspection).compactMap { o -> String? in if case .malformed(let r) = o.kind { r } else { nil } }
        #expect(reasons.contains { $0.contains("4294967295 bytes (limit") }, "\(inspection.observations)")
    }

    // MARK: - Synthetic streams

    @Test func synthesizedPresentationWithProject() throws {
        let stream = Self.documentContainer(hasMacros: true) + (try Self.storageAtom(Fixtures.vbaProjectBin()))
        let inspection = MacroInspector().inspect(Self.presentation(stream))
        #expect(!inspection.isMalformed, "\(inspection.observations)")
        let projects = Self.vba(inspection)
        try #require(projects.count == 1, "\(inspection.observations)")
        #expect(projects[0].modules == ["Module1"] && projects[0].autoExec == ["AutoOpen"])
        #expect(projects[0].location == "PowerPoint Document/ExOleObjStg[0]")
    }

    @Test func cleanPresentationIsClean() throws {
        let stream = Self.documentContainer(hasMacros: false)
        #expect(MacroInspector().inspect(Self.presentation(stream)).observations.isEmpty)
    }

    @Test func recordOverrunningItsStreamIsMalformed() throws {
        // A top-level record that claims more than the stream holds.
        let stream = Self.documentContainer(hasMacros: false) + Self.header(type: 0x0FF5, length: 0x7FFF_FFFF) + [1, 2, 3, 4]
        let inspection = MacroInspector().inspect(Self.presentation(stream))
        let reasons = Self.malformed(inspection).compactMap { o -> String? in if case .malformed(let r) = o.kind { r } else { nil } }
        #expect(reasons.contains { $0.contains("record 0x0FF5") && $0.contains("claims 2147483647 bytes") }, "\(inspection.observations)")
    }

    @Test func childOverrunningItsContainerIsMalformed() throws {
        // The VBAInfoContainer claims 12 bytes but its atom needs 20.
        let atom = Self.header(version: 2, type: PowerPointDocument.vbaInfoAtom, length: 12) + Fixtures.le32(1) + Fixtures.le32(1) + Fixtures.le32(2)
        let inner = Self.header(version: 0xF, type: 0x03FF, length: 12) + atom
        let stream = Self.container(0x03E8, inner)
        let document = PowerPointDocument(stream)
        #expect(document.problem == .recordOverrun(type: PowerPointDocument.vbaInfoAtom, offset: 16, length: 12, available: 4))
        let inspection = MacroInspector().inspect(Self.presentation(stream))
        #expect(inspection.isMalformed)
        // The header search still finds the flag.
        #expect(inspection.hasVBA)
    }

    @Test func strayTailAndDeepNestingAreBounded() throws {
        #expect(PowerPointDocument([0x0F, 0x00, 0xE8]).problem == .truncatedHeader(offset: 0, available: 3))
        // 50,000 nested containers: the walk skips what lies past maxDepth and returns at once.
        let levels = 50_000
        var stream: [UInt8] = []
        for k in 0..<levels { stream += Self.header(version: 0xF, type: 0x03E8, length: (levels - k) * 8) }
        stream += Self.header(type: 0x03EA, length: 0)
        let document = PowerPointDocument(stream)
        #expect(document.problem == nil && document.storages.isEmpty)
        #expect(!MacroInspector().inspect(Self.presentation(stream)).isMalformed)
    }

    @Test func storageHiddenInsideAnotherRecordIsFound() throws {
        // An opaque atom whose data is an ExOleObjStg: the walk does not see it, the search does.
        let hidden = try Self.storageAtom(Fixtures.vbaProjectBin())
        let stream = Self.documentContainer(hasMacros: false) + Self.header(type: 0x0FBA, length: hidden.count) + hidden
        let inspection = MacroInspector().inspect(Self.presentation(stream))
        #expect(Self.vba(inspection).first?.modules == ["Module1"], "\(inspection.observations)")
        #expect(!inspection.isMalformed)
    }

    @Test func chanceHeaderBytesAreIgnored() throws {
        // ExOleObjStg header bytes inside an opaque atom, then a zlib header and undecodable data.
        let fake = Self.header(instance: 1, type: PowerPointDocument.exOleObjStg, length: 16) + Fixtures.le32(100) + [0x78, 0x9C]
            + [UInt8](repeating: 0xFF, count: 10)
        let stream = Self.documentContainer(hasMacros: false) + Self.header(type: 0x0FBA, length: fake.count) + fake
        #expect(MacroInspector().inspect(Self.presentation(stream)).observations.isEmpty)
    }

    // MARK: - Disarm

    @Test(.enabled(if: corpusAvailable, "shared corpus absent")) func corpusPresentationIsDisarmedInPlace() throws {
        let bytes = try Self.corpusFile(Self.sample)
        let inspection = MacroInspector().inspect(bytes)
        let result = try MacroDisarmer().disarm(bytes, inspection: inspection)
        #expect(result.newExtension == nil)
        #expect(result.removed == ["VBA project \"PowerPoint Document/ExOleObjStg[0]\" (modules: Module1)"])
        #expect(MacroInspector().inspect(result.bytes).observations.isEmpty)
        // No record moved: the streams keep their sizes and every byte outside the storage and flag.
        let before = try CompoundFile(bytes: bytes), after = try CompoundFile(bytes: result.bytes)
        let old = try before.stream(try #require(try before.child(of: 0, named: PowerPointDocument.streamName)))
        let new = try after.stream(try #require(try after.child(of: 0, named: PowerPointDocument.streamName)))
        #expect(old.count == new.count)
        let storage = try #require(PowerPointDocument(old).storages.first)
        let flag = try #require(PowerPointDocument(old).vbaInfo.first).offset + 12
        let changed = (0..<old.count).filter { old[$0] != new[$0] }
        #expect(changed.allSatisfy { (storage.offset + 8..<storage.offset + 8 + storage.length).contains($0) || (flag..<flag + 4).contains($0) })
        #expect(!PowerPointDocument(new).hasMacros)
    }

    /// The corpus presentation disarmed, written to a temporary directory for the outside tools.
    static func disarmedCorpusPresentation() throws -> (dir: URL, original: URL, disarmed: URL) {
        let bytes = try corpusFile(sample)
        let result = try MacroDisarmer().disarm(bytes, inspection: MacroInspector().inspect(bytes))
        let dir = try ExternalTools.temporaryDirectory()
        let original = dir.appendingPathComponent("original.ppt"), out = dir.appendingPathComponent("disarmed.ppt")
        try Data(bytes).write(to: original)
        try Data(result.bytes).write(to: out)
        return (dir, original, out)
    }

    @Test(.enabled(if: corpusAvailable && ExternalTools.olevba != nil, "needs the shared corpus and olevba (MOAT_OLEVBA)"))
    func disarmedCorpusPresentationIsOlevbaClean() throws {
        let files = try Self.disarmedCorpusPresentation()
        defer { try? FileManager.default.removeItem(at: files.dir) }
        #expect(try !ExternalTools.olevbaFindsMacros(files.disarmed), "olevba still sees macros in the disarmed presentation")
    }

    @Test(.enabled(if: corpusAvailable && ExternalTools.soffice != nil, "needs the shared corpus and LibreOffice (soffice)"))
    func disarmedCorpusPresentationOpensInLibreOffice() throws {
        let files = try Self.disarmedCorpusPresentation()
        defer { try? FileManager.default.removeItem(at: files.dir) }
        try #require(ExternalTools.libreOfficeOpens(files.original), "LibreOffice cannot open the original either (libreoffice-impress missing?)")
        #expect(ExternalTools.libreOfficeOpens(files.disarmed), "LibreOffice cannot open the disarmed presentation")
    }

    @Test func synthesizedPresentationIsDisarmed() throws {
        let stream = Self.documentContainer(hasMacros: true) + (try Self.storageAtom(Fixtures.vbaProjectBin()))
        let bytes = Self.presentation(stream)
        let result = try MacroDisarmer().disarm(bytes, inspection: MacroInspector().inspect(bytes))
        #expect(MacroInspector().inspect(result.bytes).observations.isEmpty)
    }

    @Test func projectOfEmbeddedObjectIsNotDisarmable() throws {
        // The storage holds a .doc-like file whose project lives under `Macros`, not at its root.
        let embedded = CompoundFileWriter.write(.storage("Root Entry", [.storage("Macros", Fixtures.projectChildren())]))
        let bytes = Self.presentation(Self.documentContainer(hasMacros: false) + (try Self.storageAtom(embedded)))
        let inspection = MacroInspector().inspect(bytes)
        #expect(Self.vba(inspection).map(\.location) == ["PowerPoint Document/ExOleObjStg[0]/Macros"])
        #expect(throws: MacroDisarmer.Failure.notDisarmable("VBA project in an object embedded in the presentation (ExOleObjStg[0])")) {
            try MacroDisarmer().disarm(bytes, inspection: inspection)
        }
    }

    @Test func flagWithoutLocatableProjectIsNotDisarmable() throws {
        let bytes = Self.presentation(Self.documentContainer(hasMacros: true))
        let inspection = MacroInspector().inspect(bytes)
        #expect(Self.vba(inspection).map(\.location) == ["PowerPoint Document"])
        #expect(throws: MacroDisarmer.Failure.notDisarmable("the presentation flags a VBA project (fHasMacros) that cannot be located")) {
            try MacroDisarmer().disarm(bytes, inspection: inspection)
        }
    }
}
