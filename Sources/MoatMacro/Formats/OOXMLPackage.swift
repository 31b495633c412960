import Foundation
import MoatArchive

/// An Office Open XML package (a zip with `[Content_Types].xml`) and the macro-removing rewrite.
///
/// XML is handled at the level of single elements (`<Override .../>`, `<Relationship .../>`),
/// enough for the files Office and LibreOffice write; nothing else in a part is touched.
public struct OOXMLPackage: Sendable {
    public static let contentTypesName = "[Content_Types].xml"

    public var members: [ZipArchive.Member]

    public init(members: [ZipArchive.Member]) {
        self.members = members
    }

    /// Whether the members make an OOXML package.
    public static func isPackage(_ members: [ZipArchive.Member]) -> Bool {
        members.contains { $0.name == contentTypesName }
    }

    var contentTypesXML: String {
        members.first { $0.name == Self.contentTypesName }.map { String(decoding: $0.data, as: UTF8.self) } ?? ""
    }

    /// Part name (without leading slash) → content type, from Overrides; extension → type from Defaults.
    var contentTypes: (overrides: [String: String], defaults: [String: String]) {
        var overrides: [String: String] = [:], defaults: [String: String] = [:]
        for element in XMLElements.find("Override", in: contentTypesXML) {
            if let part = element.attributes["PartName"], let type = element.attributes["ContentType"] {
                overrides[String(part.drop { $0 == "/" }).lowercased()] = type
            }
        }
        for element in XMLElements.find("Default", in: contentTypesXML) {
            if let ext = element.attributes["Extension"], let type = element.attributes["ContentType"] {
                defaults[ext.lowercased()] = type
            }
        }
        return (overrides, defaults)
    }

    /// The content type a member gets from `[Content_Types].xml`.
    public func contentType(of name: String) -> String? {
        let types = contentTypes
        if let t = types.overrides[name.lowercased()] { return t }
        guard let dot = name.lastIndex(of: ".") else { return nil }
        return types.defaults[String(name[name.index(after: dot)...]).lowercased()]
    }

    /// The main document part's content type (the one of a known main type, or of the officeDocument target).
    public var mainContentType: String? {
        contentTypes.overrides.values.first { MainPartType.byType[$0] != nil || $0.hasSuffix(".main+xml") }
            ?? mainPartName.flatMap(contentType(of:))
    }

    /// Whether the package is a binary workbook (`.xlsb`): its parts are BIFF12 records, not XML.
    public var isBinaryWorkbook: Bool {
        mainContentType == "application/vnd.ms-excel.sheet.binary.macroEnabled.main"
    }

    /// The main document part: the target of the package's `officeDocument` relationship (a
    /// binary workbook's is typed by the `bin` Default, not an Override).
    var mainPartName: String? {
        guard let rels = members.first(where: { $0.name == "_rels/.rels" }) else { return nil }
        let element = XMLElements.find("Relationship", in: String(decoding: rels.data, as: UTF8.self)).first {
            ($0.attributes["Type"] ?? "").hasSuffix("/officeDocument") && $0.attributes["TargetMode"] != "External"
        }
        guard let target = element?.attributes["Target"] else { return nil }
        let name = Self.resolve(target, from: [])
        return members.first { $0.name.lowercased() == name.lowercased() }?.name
    }

    /// Excel 4.0 macro sheet parts.
    public var macroSheets: [String] {
        members.map(\.name).filter { name in
            let lower = name.lowercased()
            if lower.hasPrefix("xl/macrosheets/") && !lower.contains("/_rels/") && !lower.contains("binaryindex") { return true }
            return contentType(of: name)?.contains("macrosheet") ?? false
        }
    }

    /// The package without its Excel 4.0 macro sheets: the sheet parts and their relationships go,
    /// the workbook loses their `<sheet>` entries, the names that would start them
    /// (`_xlnm.Auto_Open` and kin, names referring to a removed sheet) and the calculation chain
    /// (Excel rebuilds it), and sheet-scoped names are renumbered. Returns the sheet names removed,
    /// or nil when the workbook part cannot be found.
    public func withoutMacroSheets() -> (package: OOXMLPackage, removed: [String])? {
        let sheets = Set(macroSheets)
        guard !sheets.isEmpty else { return (self, []) }
        guard let workbookName = members.map(\.name).first(where: { name in
            contentType(of: name).map { $0.contains("sheet.macroEnabled.main") || $0.contains("spreadsheetml.sheet.main") || $0.contains("template.macroEnabled.main") } ?? false
        }), workbookName.lowercased().hasSuffix(".xml") else { return nil }
        var drop = sheets
        for name in members.map(\.name) where name.lowercased().hasSuffix("calcchain.xml") { drop.insert(name) }
        for name in drop { drop.insert(Self.relationshipsName(of: name)) }
        drop = drop.intersection(members.map(\.name))
        let dropLower = Set(drop.map { $0.lowercased() })
        // The workbook's relationship ids that point at dropped parts.
        let relsName = Self.relationshipsName(of: workbookName)
        let baseDir = workbookName.split(separator: "/").dropLast().map(String.init)
        var droppedIDs = Set<String>()
        if let rels = members.first(where: { $0.name == relsName }) {
            for element in XMLElements.find("Relationship", in: String(decoding: rels.data, as: UTF8.self)) {
                if let target = element.attributes["Target"], let id = element.attributes["Id"],
                   dropLower.contains(Self.resolve(target, from: baseDir).lowercased()) { droppedIDs.insert(id) }
            }
        }
        var removedNames: [String] = []
        var out: [ZipArchive.Member] = []
        for m in members where !drop.contains(m.name) {
            var m = m
            if m.name == workbookName {
                var xml = String(decoding: m.data, as: UTF8.self)
                let sheetElements = XMLElements.find("sheet", in: xml)
                var removedIndices: [Int] = []
                for (index, element) in sheetElements.enumerated() where droppedIDs.contains(element.attributes["r:id"] ?? "") {
                    removedIndices.append(index)
                    removedNames.append(element.attributes["name"] ?? "sheet \(index + 1)")
                }
                for (index, element) in sheetElements.enumerated().reversed() where removedIndices.contains(index) {
                    xml.replaceSubrange(element.range, with: "")
                }
                for element in XMLElements.find("definedName", in: xml).reversed() {
                    let name = (element.attributes["name"] ?? "").lowercased()
                    let body = String(xml[element.range])
                    let local = element.attributes["localSheetId"].flatMap(Int.init)
                    let runs = ["_xlnm.auto_", "auto_open", "auto_close", "auto_activate", "auto_deactivate"].contains { name.hasPrefix($0) }
                    let refersToRemoved = removedNames.contains { body.contains(">\($0)!") || body.contains("'\($0)'!") || body.contains(":\($0)!") || body.contains(",\($0)!") }
                    if runs || refersToRemoved || local.map(removedIndices.contains) == true {
                        xml.replaceSubrange(element.range, with: "")
                    } else if let local {
                        let shift = removedIndices.filter { $0 < local }.count
                        if shift > 0 {
                            let fixed = body.replacingOccurrences(of: "localSheetId=\"\(local)\"", with: "localSheetId=\"\(local - shift)\"")
                            xml.replaceSubrange(element.range, with: fixed)
                        }
                    }
                }
                // An empty <definedNames> is not valid; the active and first tab may have been removed.
                if let empty = xml.range(of: "<definedNames></definedNames>") { xml.replaceSubrange(empty, with: "") }
                xml = xml.replacingOccurrences(of: #"activeTab="\d+""#, with: "activeTab=\"0\"", options: .regularExpression)
                    .replacingOccurrences(of: #"firstSheet="\d+""#, with: "firstSheet=\"0\"", options: .regularExpression)
                m.data = Array(xml.utf8)
            } else if m.name == Self.contentTypesName {
                m.data = Array(Self.removingOverrides(contentTypesXML, dropped: dropLower).utf8)
            } else if m.name.lowercased().hasSuffix(".rels") {
                let text = String(decoding: m.data, as: UTF8.self)
                let fixed = Self.rewriteRelationships(text, relsName: m.name, dropped: dropLower)
                if fixed != text { m.data = Array(fixed.utf8) }
            }
            out.append(m)
        }
        guard !removedNames.isEmpty else { return nil }
        return (OOXMLPackage(members: out), removedNames)
    }

    /// The binary workbook (`.xlsb`) with its Excel 4.0 macro sheets made ordinary worksheets, in
    /// place (`XLSBMacroNeutraliser`): every formula in them is 0, the names that would start
    /// them are renamed, and each sheet part is retyped and moved to `xl/worksheets/` (its
    /// relationships follow, as absolute targets), so nothing still names it a macro sheet.
    /// Ordinary sheets are not touched. Returns what was done, or nil when a part cannot be read.
    public func withBinaryMacroSheetsNeutralised() -> (package: OOXMLPackage, removed: [String])? {
        let sheets = Set(macroSheets.map { $0.lowercased() })
        guard !sheets.isEmpty else { return (self, []) }
        guard isBinaryWorkbook, let workbookName = mainPartName, let workbookIndex = members.firstIndex(where: { $0.name == workbookName }),
              let relsIndex = members.firstIndex(where: { $0.name == Self.relationshipsName(of: members[workbookIndex].name) }) else { return nil }
        var out = members
        var workbook = out[workbookIndex].data
        guard let renamedNames = XLSBMacroNeutraliser.neutraliseNames(&workbook) else { return nil }
        let sheetNames = XLSBMacroNeutraliser.sheets(workbook)
        out[workbookIndex].data = workbook
        let baseDir = members[workbookIndex].name.split(separator: "/").dropLast().map(String.init)
        var rels = String(decoding: out[relsIndex].data, as: UTF8.self)
        var contentTypes = contentTypesXML
        var removed: [String] = []
        var formulas = 0
        var moved = 0
        for element in XMLElements.find("Relationship", in: rels).reversed() where element.attributes["TargetMode"] != "External" {
            guard let target = element.attributes["Target"], let id = element.attributes["Id"] else { continue }
            let part = Self.resolve(target, from: baseDir)
            guard sheets.contains(part.lowercased()), let index = out.firstIndex(where: { $0.name.lowercased() == part.lowercased() }) else { continue }
            var data = out[index].data
            guard let count = XLSBMacroNeutraliser.neutraliseFormulas(&data) else { return nil }
            formulas += count
            moved += 1
            var newName = "xl/worksheets/moat-macrosheet\(moved).bin"
            while out.contains(where: { $0.name.lowercased() == newName.lowercased() }) { newName = "xl/worksheets/moat-macrosheet\(moved)-\(out.count).bin" }
            let oldName = out[index].name
            out[index].data = data
            out[index].name = newName
            // The sheet's own relationships move with it; their targets become absolute.
            let oldRels = Self.relationshipsName(of: oldName)
            if let sheetRels = out.firstIndex(where: { $0.name == oldRels }) {
                let oldDir = oldName.split(separator: "/").dropLast().map(String.init)
                var xml = String(decoding: out[sheetRels].data, as: UTF8.self)
                for inner in XMLElements.find("Relationship", in: xml).reversed() where inner.attributes["TargetMode"] != "External" {
                    guard let innerTarget = inner.attributes["Target"], !innerTarget.hasPrefix("/") else { continue }
                    xml.replaceSubrange(inner.range, with: Self.element("Relationship", inner.attributes, ["Target": "/" + Self.resolve(innerTarget, from: oldDir)]))
                }
                out[sheetRels].data = Array(xml.utf8)
                out[sheetRels].name = Self.relationshipsName(of: newName)
            }
            let relative = newName.hasPrefix(baseDir.joined(separator: "/") + "/") ? String(newName.dropFirst(baseDir.joined(separator: "/").count + 1)) : "/" + newName
            rels.replaceSubrange(element.range, with: Self.element("Relationship", element.attributes, [
                "Type": "http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet", "Target": relative,
            ]))
            for override in XMLElements.find("Override", in: contentTypes).reversed()
            where String((override.attributes["PartName"] ?? "").drop { $0 == "/" }).lowercased() == oldName.lowercased() {
                contentTypes.replaceSubrange(override.range, with: Self.element("Override", override.attributes, [
                    "PartName": "/" + newName, "ContentType": "application/vnd.ms-excel.worksheet",
                ]))
            }
            removed.append("Excel 4.0 macro sheet \"\(sheetNames[id] ?? oldName)\" (now an ordinary worksheet)")
        }
        guard moved == sheets.count else { return nil }
        // The macro sheets' binary indexes become worksheet indexes.
        contentTypes = contentTypes.replacingOccurrences(of: "\"application/vnd.ms-excel.binIndexMs\"", with: "\"application/vnd.ms-excel.binIndexWs\"")
        out[relsIndex].data = Array(rels.utf8)
        if let typesIndex = out.firstIndex(where: { $0.name == Self.contentTypesName }) { out[typesIndex].data = Array(contentTypes.utf8) }
        removed.append("\(formulas) macro formulas (replaced by 0)")
        removed += renamedNames.map { "defined name \($0) (renamed, no longer runs)" }
        return (OOXMLPackage(members: out), removed)
    }

    /// An empty XML element with `attributes`, `changes` applied (escaped, in a stable order).
    static func element(_ name: String, _ attributes: [String: String], _ changes: [String: String]) -> String {
        let merged = attributes.merging(changes) { $1 }
        return "<\(name) " + merged.keys.sorted().map { "\($0)=\"\(XMLElements.escape(merged[$0] ?? ""))\"" }.joined(separator: " ") + "/>"
    }

    /// Content types of parts removed with the VBA project.
    static let macroPartTypes: Set<String> = [
        "application/vnd.ms-office.vbaProject",
        "application/vnd.ms-word.vbaData+xml",
        "application/vnd.ms-office.vbaProjectSignature",
        "application/vnd.ms-office.vbaProjectSignatureAgile",
        "application/vnd.ms-office.vbaProjectSignatureV3",
        "application/vnd.ms-word.keyMapCustomizations+xml",
        "application/vnd.ms-word.attachedToolbars",
        "application/vnd.ms-excel.attachedToolbars",
    ]

    /// Members that `withoutMacros` drops: the project, its data, signatures and key bindings.
    public func macroParts(projectMembers: Set<String>) -> Set<String> {
        var drop = Set<String>()
        for m in members where m.name != Self.contentTypesName {
            let lower = m.name.lowercased()
            let last = lower.split(separator: "/").last.map(String.init) ?? lower
            let type = contentTypes.overrides[lower]
            if projectMembers.contains(m.name) || last == "vbaproject.bin" || last == "vbadata.xml"
                || last.hasPrefix("vbaprojectsignature") || (type.map(Self.macroPartTypes.contains) ?? false) {
                drop.insert(m.name)
            }
        }
        // The relationship files of dropped parts go too.
        for name in drop { drop.insert(Self.relationshipsName(of: name)) }
        return drop.intersection(members.map(\.name))
    }

    /// The package without its VBA project, with relationships and content types fixed and the main
    /// part switched to its macro-free type. `nil` when the main type has no macro-free form.
    public func withoutMacros(projectMembers: Set<String>) -> (package: OOXMLPackage, main: MainPartType)? {
        guard let mainType = mainContentType, let main = MainPartType.byType[mainType] ?? MainPartType.byFreeType[mainType],
              main.freeType != nil else { return nil }
        let drop = macroParts(projectMembers: projectMembers)
        let dropLower = Set(drop.map { $0.lowercased() })
        var out: [ZipArchive.Member] = []
        for m in members where !drop.contains(m.name) {
            var m = m
            if m.name == Self.contentTypesName {
                m.data = Array(rewriteContentTypes(dropped: dropLower, kept: members.map(\.name).filter { !drop.contains($0) }, main: main).utf8)
            } else if m.name.lowercased().hasSuffix(".rels") {
                let text = String(decoding: m.data, as: UTF8.self)
                let fixed = Self.rewriteRelationships(text, relsName: m.name, dropped: dropLower)
                if fixed != text { m.data = Array(fixed.utf8) }
            }
            out.append(m)
        }
        out.sort { ($0.name == Self.contentTypesName ? 0 : 1) < ($1.name == Self.contentTypesName ? 0 : 1) }
        return (OOXMLPackage(members: out), main)
    }

    /// `[Content_Types].xml` without the `<Override>`s of dropped parts (lower-cased names).
    static func removingOverrides(_ contentTypes: String, dropped: Set<String>) -> String {
        var xml = contentTypes
        for element in XMLElements.find("Override", in: xml).reversed() {
            let part = String((element.attributes["PartName"] ?? "").drop { $0 == "/" }).lowercased()
            if dropped.contains(part) { xml.replaceSubrange(element.range, with: "") }
        }
        return xml
    }

    /// `xl/_rels/workbook.xml.rels` for `xl/workbook.xml`: where a part's relationships are kept.
    static func relationshipsName(of part: String) -> String {
        let slash = part.lastIndex(of: "/")
        let dir = slash.map { String(part[...$0]) } ?? ""
        let file = slash.map { String(part[part.index(after: $0)...]) } ?? part
        return dir + "_rels/" + file + ".rels"
    }

    private func rewriteContentTypes(dropped: Set<String>, kept: [String], main: MainPartType) -> String {
        var xml = Self.removingOverrides(contentTypesXML, dropped: dropped)
        var needsOverride: [String] = []
        for element in XMLElements.find("Default", in: xml).reversed() where element.attributes["ContentType"] == "application/vnd.ms-office.vbaProject" {
            let ext = (element.attributes["Extension"] ?? "").lowercased()
            xml.replaceSubrange(element.range, with: "")
            let overrides = contentTypes.overrides
            needsOverride += kept.filter { $0.lowercased().hasSuffix("." + ext) && overrides[$0.lowercased()] == nil }
        }
        var additions = ""
        for name in needsOverride {
            additions += "<Override PartName=\"/\(XMLElements.escape(name))\" ContentType=\"\(Self.binaryPartType(name))\"/>"
        }
        if !additions.isEmpty, let close = xml.range(of: "</Types>", options: .backwards) {
            xml.insert(contentsOf: additions, at: close.lowerBound)
        }
        if let free = main.freeType { xml = xml.replacingOccurrences(of: "\"\(main.macroType)\"", with: "\"\(free)\"") }
        return xml
    }

    /// A type for a `.bin` part that was typed only by the removed `bin` Default.
    static func binaryPartType(_ name: String) -> String {
        let lower = name.lowercased()
        if lower.contains("printersettings") {
            if lower.hasPrefix("word/") { return "application/vnd.openxmlformats-officedocument.wordprocessingml.printerSettings" }
            if lower.hasPrefix("ppt/") { return "application/vnd.openxmlformats-officedocument.presentationml.printerSettings" }
            return "application/vnd.openxmlformats-officedocument.spreadsheetml.printerSettings"
        }
        if lower.contains("activex") { return "application/vnd.ms-office.activeX" }
        return "application/vnd.openxmlformats-officedocument.oleObject"
    }

    /// Drops `<Relationship>` elements whose internal target is a dropped part or whose type is a VBA one.
    static func rewriteRelationships(_ xml: String, relsName: String, dropped: Set<String>) -> String {
        var xml = xml
        // "word/_rels/document.xml.rels" describes "word/document.xml": targets are relative to "word/".
        let parts = relsName.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let baseDir = parts.count >= 2 ? Array(parts.dropLast(2)) : []
        for element in XMLElements.find("Relationship", in: xml).reversed() {
            let type = element.attributes["Type"] ?? ""
            let lastType = type.split(separator: "/").last.map(String.init) ?? ""
            let vbaType = ["vbaProject", "wordVbaData", "vbaProjectSignature", "vbaProjectSignatureAgile",
                           "vbaProjectSignatureV3", "keyMapCustomizations", "attachedToolbars"].contains(lastType)
            var target = false
            if element.attributes["TargetMode"] != "External", let t = element.attributes["Target"] {
                target = dropped.contains(resolve(t, from: baseDir).lowercased())
            }
            if vbaType || target { xml.replaceSubrange(element.range, with: "") }
        }
        return xml
    }

    static func resolve(_ target: String, from baseDir: [String]) -> String {
        var components = target.hasPrefix("/") ? [] : baseDir
        for c in target.split(separator: "/") {
            if c == ".." { _ = components.popLast() } else if c != "." { components.append(String(c)) }
        }
        return components.joined(separator: "/")
    }
}
