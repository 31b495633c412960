import MoatArchive
/// Removes macros from documents whose format allows it without breaking the document.
///
/// OLE: the file is rebuilt with `CompoundFileWriter`, leaving out every VBA project root, so no
/// byte of the project (not even orphaned sectors) survives. PowerPoint 97-2003 keeps its project
/// inside the `PowerPoint Document` stream, whose records are located by offset: the project's
/// ExOleObjStg atom is overwritten in place with an empty compound file and fHasMacros cleared, so
/// no record moves. OOXML: the zip is rebuilt without the project, its data, signatures and
/// relationships, with the main part's macro-free type. RTF: the `{\object ...}` groups are
/// dropped. Excel 4.0 macro sheets in `.xls` workbooks are neutralised in place
/// (`BIFFMacroNeutraliser`). Everything else (XLM macro sheets in OOXML, projects of objects
/// embedded in a presentation, add-ins, archives) is not disarmable and throws `notDisarmable`.
public struct MacroDisarmer: Sendable {
    /// Why a document was not disarmed (the engine then replaces it with the note alone).
    public enum Failure: Error, Hashable, CustomStringConvertible {
        case notDisarmable(String)
        case rebuildFailed(String)

        public var description: String {
            switch self {
            case .notDisarmable(let why): "cannot be disarmed: \(why)"
            case .rebuildFailed(let why): "rebuild failed: \(why)"
            }
        }
    }

    public var inspector = MacroInspector()

    public init() {}

    /// Disarms `bytes`, whose inspection found active content; the result is re-inspected and
    /// refused unless it comes out clean.
    public func disarm(_ bytes: [UInt8], inspection: Inspection) throws(Failure) -> DisarmedDocument {
        if inspection.isEncrypted { throw .notDisarmable("encrypted content") }
        if inspection.isMalformed { throw .notDisarmable("malformed container") }
        let result: DisarmedDocument
        switch inspection.container {
        case .compoundFile: result = try disarmCompoundFile(bytes, inspection: inspection)
        case .officeOpenXML: result = try disarmPackage(bytes, inspection: inspection)
        case .rtf: result = try disarmRTF(bytes, inspection: inspection)
        case .zip: throw .notDisarmable("documents inside an archive")
        case .sylk: throw .notDisarmable("SYLK macro sheet")
        case .other: throw .notDisarmable("unknown format")
        }
        let check = inspector.inspect(result.bytes)
        guard !check.hasActiveContent, !check.isMalformed else {
            throw .rebuildFailed("active content remains after disarming")
        }
        return result
    }

    func disarmCompoundFile(_ bytes: [UInt8], inspection: Inspection) throws(Failure) -> DisarmedDocument {
        do {
            let file = try CompoundFile(bytes: bytes)
            let projects = try VBAProject.find(in: file)
            if projects.contains(where: { $0.rootPath.isEmpty }) { throw Failure.notDisarmable("the file is itself a VBA project") }
            var presentation: (stream: [UInt8], removed: [String])?
            if let id = try file.child(of: 0, named: PowerPointDocument.streamName), file.entries[id].isStream {
                presentation = try disarmPresentation(try file.stream(id))
            }
            // Excel 4.0 macro sheets: neutralised in the workbook stream, in place.
            var workbook: (name: String, stream: [UInt8], removed: [String])?
            if inspection.hasXLM {
                for name in ["Workbook", "Book"] {
                    guard let id = try file.child(of: 0, named: name), file.entries[id].isStream,
                          let neutralised = BIFFMacroNeutraliser.neutralise(try file.stream(id)) else { continue }
                    workbook = (name, neutralised.bytes, neutralised.removed)
                    break
                }
                guard workbook != nil else { throw Failure.notDisarmable("Excel 4.0 macro sheets outside the workbook stream") }
            }
            guard !projects.isEmpty || presentation != nil || workbook != nil else {
                throw Failure.notDisarmable("VBA project outside a removable storage (nested object)")
            }
            let roots = Set(projects.map { $0.rootPath.map { $0.uppercased() } })
            var root = try file.nodes { path, _ in !roots.contains(path.map { $0.uppercased() }) }
            if let presentation, let i = root.children.firstIndex(where: { !$0.isStorage && $0.name.uppercased() == PowerPointDocument.streamName.uppercased() }) {
                root.children[i].data = presentation.stream
            }
            if let workbook, let i = root.children.firstIndex(where: { !$0.isStorage && $0.name.uppercased() == workbook.name.uppercased() }) {
                root.children[i].data = workbook.stream
            }
            let removed = projects.map { p in
                "VBA project \"\(p.rootPath.joined(separator: "/"))\" (modules: \(p.modules.map(\.name).joined(separator: ", ")))"
            } + (presentation?.removed ?? []) + (workbook?.removed ?? [])
            return DisarmedDocument(bytes: CompoundFileWriter.write(root), newExtension: nil, newMediaType: nil, removed: removed)
        } catch let failure as Failure {
            throw failure
        } catch {
            throw .rebuildFailed("\(error)")
        }
    }

    /// The `PowerPoint Document` stream without its VBA project, or nil when it has none.
    ///
    /// Records are found by offset (persist directory, `Current User`), so none may move: each
    /// ExOleObjStg holding a project root is overwritten, at its own length, with an empty compound
    /// file (zlib-compressed, zero-padded) and every VBAInfoAtom's fHasMacros is cleared. A project
    /// inside an embedded object would change that object's size, so it is refused, as is a flag
    /// whose project cannot be located.
    func disarmPresentation(_ stream: [UInt8]) throws(Failure) -> (stream: [UInt8], removed: [String])? {
        let document = PowerPointDocument(stream)
        if let problem = document.problem { throw .notDisarmable("malformed PowerPoint Document stream: \(problem)") }
        var targets: [PowerPointDocument.Storage] = []
        var removed: [String] = []
        for (n, storage) in document.storages.enumerated() {
            guard let data = try? document.contents(of: storage, limit: inspector.zipLimits.maxMemberBytes),
                  let file = try? CompoundFile(bytes: data) else { continue }
            let projects: [VBAProject]
            do {
                projects = try VBAProject.find(in: file)
            } catch {
                throw .notDisarmable("unreadable storage ExOleObjStg[\(n)]: \(error)")
            }
            guard !projects.isEmpty else { continue }
            guard projects.allSatisfy({ $0.rootPath.isEmpty }) else {
                throw .notDisarmable("VBA project in an object embedded in the presentation (ExOleObjStg[\(n)])")
            }
            targets.append(storage)
            removed += projects.map { p in
                "VBA project \"\(PowerPointDocument.streamName)/ExOleObjStg[\(n)]\" (modules: \(p.modules.map(\.name).joined(separator: ", ")))"
            }
        }
        if targets.isEmpty {
            guard document.hasMacros else { return nil }
            throw .notDisarmable("the presentation flags a VBA project (fHasMacros) that cannot be located")
        }
        let empty = CompoundFileWriter.write(.storage("Root Entry", []))
        guard let out = document.replacingStorages(targets, with: empty) else {
            throw .notDisarmable("a VBA storage of the presentation is too small to be overwritten in place")
        }
        return (out, removed)
    }

    func disarmPackage(_ bytes: [UInt8], inspection: Inspection) throws(Failure) -> DisarmedDocument {
        do {
            var package = OOXMLPackage(members: try ZipArchive.read(bytes, limits: inspector.zipLimits))
            // Excel 4.0 macro sheets (`.xlsm`): the sheets, their entries and the names that start them go.
            // In a binary workbook (`.xlsb`) they stay, made ordinary worksheets in place.
            var xlmRemoved: [String] = []
            if inspection.hasXLM {
                if package.isBinaryWorkbook {
                    guard let neutralised = package.withBinaryMacroSheetsNeutralised() else {
                        throw Failure.notDisarmable("Excel 4.0 macro sheets in a binary workbook whose parts cannot be read")
                    }
                    package = neutralised.package
                    xlmRemoved = neutralised.removed
                } else {
                    guard let without = package.withoutMacroSheets() else { throw Failure.notDisarmable("Excel 4.0 macro sheets without a workbook part") }
                    package = without.package
                    xlmRemoved = without.removed.map { "Excel 4.0 macro sheet \"\($0)\" and the names that start it" }
                }
            }
            // The document's own project goes; an embedded object (word/embeddings/...) keeps its
            // place in the package, rebuilt without its project, so no relationship dangles.
            var projectMembers = Set<String>()
            var rebuilt: [String] = []
            for (i, m) in package.members.enumerated() where CompoundFile.hasSignature(m.data) {
                guard let file = try? CompoundFile(bytes: m.data), let projects = try? VBAProject.find(in: file), !projects.isEmpty else { continue }
                let isProjectPart = package.contentType(of: m.name) == "application/vnd.ms-office.vbaProject"
                    || m.name.lowercased().hasSuffix("vbaproject.bin") || projects.contains { $0.rootPath.isEmpty }
                if isProjectPart {
                    projectMembers.insert(m.name)
                } else {
                    let inner = inspector.inspect(m.data)
                    package.members[i].data = try disarmCompoundFile(m.data, inspection: inner).bytes
                    rebuilt.append("VBA project in embedded object \(m.name)")
                }
            }
            guard let (clean, main) = package.withoutMacros(projectMembers: projectMembers) else {
                throw Failure.notDisarmable("no macro-free form of main part \(package.mainContentType ?? "(none)")")
            }
            let dropped = Set(package.members.map(\.name)).subtracting(clean.members.map(\.name)).sorted()
            return DisarmedDocument(bytes: try ZipArchive.write(clean.members), newExtension: main.freeExtension,
                                    newMediaType: main.freeMediaType,
                                    removed: xlmRemoved + dropped.map { "part \($0)" } + rebuilt)
        } catch let failure as Failure {
            throw failure
        } catch {
            throw .rebuildFailed("\(error)")
        }
    }

    func disarmRTF(_ bytes: [UInt8], inspection: Inspection) throws(Failure) -> DisarmedDocument {
        let objects = RTFObjects(bytes)
        let removed = objects.objects.map { "embedded object (\($0.className ?? "unknown class"))" }
        return DisarmedDocument(bytes: objects.removingObjects(from: bytes), newExtension: nil, newMediaType: nil, removed: removed)
    }
}
