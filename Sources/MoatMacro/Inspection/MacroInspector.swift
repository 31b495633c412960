import MoatArchive
/// Finds VBA and XLM macros and embedded objects in Office documents, RTF and zip archives.
///
/// Pure and synchronous: the engine runs it on the blocking pool. Nesting is bounded (zip members
/// and embedded compound files are followed `maxDepth` levels deep).
public struct MacroInspector: Sendable {
    public var zipLimits = ZipArchive.Limits()
    public var maxDepth = 2

    public init() {}

    /// Inspects one attachment; never throws: parse failures become `.malformed` observations.
    public func inspect(_ bytes: [UInt8]) -> Inspection {
        inspect(bytes, location: "", depth: 0)
    }

    /// Content sniffing: CFB signature, zip (OOXML when it has `[Content_Types].xml`), RTF.
    public static func container(of bytes: [UInt8]) -> ContainerKind {
        if CompoundFile.hasSignature(bytes) { return .compoundFile }
        if ZipArchive.looksLikeZip(bytes) { return .zip }
        if RTFObjects.looksLikeRTF(bytes) { return .rtf }
        if bytes.starts(with: Array("ID;".utf8)) { return .sylk }
        return .other
    }

    func inspect(_ bytes: [UInt8], location: String, depth: Int) -> Inspection {
        switch Self.container(of: bytes) {
        case .compoundFile:
            return Inspection(container: .compoundFile, observations: inspectCompoundFile(bytes, location: location, depth: depth))
        case .zip, .officeOpenXML:
            let members: [ZipArchive.Member]
            do {
                members = try ZipArchive.read(bytes, limits: zipLimits, skippingPictures: true)
            } catch {
                return Inspection(container: .zip, observations: [Observation(kind: .malformed(reason: "\(error)"), location: location)])
            }
            if OOXMLPackage.isPackage(members) {
                return Inspection(container: .officeOpenXML, observations: inspectPackage(OOXMLPackage(members: members), location: location, depth: depth))
            }
            var observations: [Observation] = []
            for m in members {
                let where_ = join(location, m.name)
                if m.isEncrypted {
                    observations.append(Observation(kind: .encrypted(reason: "password-protected zip member"), location: where_))
                } else if Self.container(of: m.data) != .other {
                    if depth < maxDepth {
                        observations += inspect(m.data, location: where_, depth: depth + 1).observations
                    } else {
                        observations.append(Observation(kind: .nestingLimit(depth: depth + 1), location: where_))
                    }
                }
            }
            return Inspection(container: .zip, observations: observations)
        case .rtf:
            return Inspection(container: .rtf, observations: inspectRTF(bytes, location: location, depth: depth))
        case .sylk:
            let macro = Self.sylkIsMacroSheet(bytes)
            return Inspection(container: .sylk, observations: macro ? [Observation(kind: .xlm(sheets: ["SYLK macro sheet"]), location: location)] : [])
        case .other:
            return Inspection(container: .other, observations: [])
        }
    }

    private func join(_ a: String, _ b: String) -> String { a.isEmpty ? b : b.isEmpty ? a : a + "/" + b }

    func inspectCompoundFile(_ bytes: [UInt8], location: String, depth: Int) -> [Observation] {
        do {
            return inspect(try CompoundFile(bytes: bytes), location: location, depth: depth)
        } catch {
            return [Observation(kind: .malformed(reason: "\(error)"), location: location)]
        }
    }

    /// The same for a compound file already parsed (an inflated PowerPoint storage).
    func inspect(_ file: CompoundFile, location: String, depth: Int) -> [Observation] {
        do {
            let tree = try file.tree()
            var out: [Observation] = []
            let rootNames = Set(tree.filter { $0.path.count == 1 }.map { $0.path[0] })
            if rootNames.contains("EncryptedPackage") || rootNames.contains("EncryptionInfo") {
                return [Observation(kind: .encrypted(reason: "encrypted Office document (EncryptedPackage)"), location: location)]
            }
            if rootNames.contains(PowerPointDocument.streamName),
               let user = tree.first(where: { $0.path == ["Current User"] }), file.entries[user.id].isStream,
               PowerPointDocument.isEncrypted(currentUser: try file.stream(user.id)) {
                return [Observation(kind: .encrypted(reason: "password-protected PowerPoint presentation (Current User headerToken)"), location: location)]
            }
            out += try projectObservations(in: file, location: location)
            for (path, id) in tree where path.count == 1 && file.entries[id].isStream {
                switch path[0] {
                case "Workbook", "Book":
                    let biff = BIFFWorkbook(try file.stream(id))
                    if biff.isEncrypted {
                        out.append(Observation(kind: .encrypted(reason: "password-protected workbook (FILEPASS)"), location: location))
                    } else if !biff.macroSheets.isEmpty {
                        out.append(Observation(kind: .xlm(sheets: biff.macroSheets), location: location))
                    }
                case "WordDocument":
                    let fib = try file.stream(id)
                    if fib.count > 0x0C, let flags = LittleEndian.u16(fib, 0x0A), flags & 0x0100 != 0 {
                        out.append(Observation(kind: .encrypted(reason: "password-protected Word document (FIB fEncrypted)"), location: location))
                    }
                case PowerPointDocument.streamName:
                    let projectFound = out.contains { if case .vba = $0.kind { true } else { false } }
                    out += inspectPresentation(try file.stream(id), location: location, depth: depth, projectFound: projectFound)
                default: break
                }
            }
            // Compound files stored as streams (embedded objects) may carry their own project.
            if depth < maxDepth {
                for (path, id) in tree where file.entries[id].isStream && file.entries[id].size >= 512 {
                    let data = try file.stream(id)
                    if CompoundFile.hasSignature(data) {
                        out += inspectCompoundFile(data, location: join(location, path.joined(separator: "/")), depth: depth + 1)
                    }
                }
            }
            return out
        } catch {
            return [Observation(kind: .malformed(reason: "\(error)"), location: location)]
        }
    }

    /// A SYLK option record (`O;...`) with an `E` field marks the sheet as an Excel 4.0 macro sheet.
    static func sylkIsMacroSheet(_ bytes: [UInt8]) -> Bool {
        for line in bytes.split(whereSeparator: { $0 == 0x0A || $0 == 0x0D }) where line.first == UInt8(ascii: "O") {
            if line.split(separator: UInt8(ascii: ";")).contains(where: { $0.first == UInt8(ascii: "E") }) { return true }
        }
        return false
    }

    /// One observation per VBA project in `file` (olevba's structural test), with its modules,
    /// entry points and suspicious calls.
    func projectObservations(in file: CompoundFile, location: String) throws(CompoundFileError) -> [Observation] {
        try VBAProject.find(in: file).map { project in
            let scan = MacroSourceScan(source: project.modules.map(\.source).joined(separator: "\n"))
            return Observation(kind: .vba(modules: project.modules.map(\.name), autoExec: scan.autoExec,
                                          suspicious: scan.suspicious.map(\.keyword)),
                               location: join(location, project.rootPath.joined(separator: "/")))
        }
    }

    /// A PowerPoint 97-2003 presentation keeps its project (and its embedded objects) as compound
    /// files inside ExOleObjStg atoms of the `PowerPoint Document` stream; each is inflated, within
    /// the zip limits, and inspected as `PowerPoint Document/ExOleObjStg[n]`. The project is the
    /// document's own, so it is looked for even at the nesting limit; only objects embedded in it
    /// wait for `maxDepth`. A VBAInfoAtom with fHasMacros still counts when no project decodes.
    func inspectPresentation(_ stream: [UInt8], location: String, depth: Int, projectFound: Bool) -> [Observation] {
        let at = join(location, PowerPointDocument.streamName)
        let document = PowerPointDocument(stream)
        var out: [Observation] = []
        var budget = zipLimits.maxTotalBytes
        for (n, storage) in document.storages.enumerated() {
            let where_ = "\(at)/ExOleObjStg[\(n)]"
            let data: [UInt8]
            do {
                data = try document.contents(of: storage, limit: min(zipLimits.maxMemberBytes, budget))
            } catch {
                if storage.isRecord { out.append(Observation(kind: .malformed(reason: "\(error)"), location: where_)) }
                continue
            }
            budget -= data.count
            let file: CompoundFile
            do {
                file = try CompoundFile(bytes: data)
            } catch {
                if storage.isRecord {
                    out.append(Observation(kind: .malformed(reason: "ExOleObjStg at offset \(storage.offset): \(error)"), location: where_))
                }
                continue
            }
            if depth < maxDepth {
                out += inspect(file, location: where_, depth: depth + 1)
            } else {
                do {
                    out += try projectObservations(in: file, location: where_)
                } catch {
                    out.append(Observation(kind: .malformed(reason: "\(error)"), location: where_))
                }
            }
        }
        if document.hasMacros, !projectFound, !out.contains(where: { if case .vba = $0.kind { true } else { false } }) {
            out.append(Observation(kind: .vba(modules: [], autoExec: [], suspicious: []), location: at))
        }
        if let problem = document.problem {
            out.append(Observation(kind: .malformed(reason: "\(problem)"), location: at))
        }
        return out
    }

    func inspectPackage(_ package: OOXMLPackage, location: String, depth: Int) -> [Observation] {
        var out: [Observation] = []
        for m in package.members {
            if m.isEncrypted {
                out.append(Observation(kind: .encrypted(reason: "password-protected zip member"), location: join(location, m.name)))
            } else if CompoundFile.hasSignature(m.data) {
                out += inspectCompoundFile(m.data, location: join(location, m.name), depth: depth + 1)
            }
        }
        let sheets = package.macroSheets
        if !sheets.isEmpty { out.append(Observation(kind: .xlm(sheets: sheets), location: location)) }
        return out
    }

    func inspectRTF(_ bytes: [UInt8], location: String, depth: Int) -> [Observation] {
        var out: [Observation] = []
        for (n, object) in RTFObjects(bytes).objects.enumerated() {
            let where_ = join(location, "object \(n + 1)")
            out.append(Observation(kind: .rtfObject(className: object.className ?? "unknown"), location: where_))
            if depth < maxDepth, let start = Self.firstIndex(of: CompoundFile.signature, in: object.data) {
                out += inspectCompoundFile(Array(object.data[start...]), location: where_, depth: depth + 1)
            }
        }
        return out
    }

    static func firstIndex(of needle: [UInt8], in hay: [UInt8]) -> Int? {
        guard hay.count >= needle.count, let first = needle.first else { return nil }
        var i = 0
        while i <= hay.count - needle.count {
            if hay[i] == first, Array(hay[i..<(i + needle.count)]) == needle { return i }
            i += 1
        }
        return nil
    }
}
