import Foundation
import MoatArchive
import MoatMacro

/// Builds test documents from scratch: a VBA project written with `CompoundFileWriter` and
/// `VBACompression`, wrapped in `.doc`/`.xls` compound files or `.docm`/`.xlsm` packages.
///
/// Clean base documents come from LibreOffice when `soffice` is installed (so LibreOffice can
/// open the disarmed result), otherwise from a minimal synthetic stand-in.
enum Fixtures {
    static let macroSource = "Attribute VB_Name = \"Module1\"\r\nSub AutoOpen()\r\n    Shell \"calc\"\r\nEnd Sub\r\n"

    /// The records of a minimal `dir` stream (MS-OVBA 2.3.4.2) for one standard module.
    static func dirStream(moduleName: String) -> [UInt8] {
        var out: [UInt8] = []
        func record(_ id: UInt16, _ data: [UInt8]) {
            out += le16(id) + le32(UInt32(data.count)) + data
        }
        let name = Array(moduleName.utf8)
        let utf16 = moduleName.utf16.flatMap { le16($0) }
        record(0x0001, le32(1))
        record(0x0002, le32(0x409))
        record(0x0014, le32(0x409))
        record(0x0003, le16(1252))
        record(0x0004, Array("VBAProject".utf8))
        record(0x0005, []); record(0x0040, [])
        record(0x0006, []); record(0x003D, [])
        record(0x0007, le32(0))
        record(0x0008, le32(0))
        out += le16(0x0009) + le32(4) + le32(1) + le16(0)
        record(0x000C, []); record(0x003C, [])
        record(0x000F, le16(1))
        record(0x0013, le16(0xFFFF))
        record(0x0019, name)
        record(0x0047, utf16)
        record(0x001A, name); record(0x0032, utf16)
        record(0x001C, []); record(0x0048, [])
        record(0x0031, le32(0))
        record(0x001E, le32(0))
        record(0x002C, le16(0xFFFF))
        record(0x0021, [])
        record(0x002B, [])
        record(0x0010, [])
        return out
    }

    /// Children of a VBA project root: PROJECT, PROJECTwm and the VBA storage.
    static func projectChildren(source: String = macroSource) -> [CompoundFileNode] {
        let project = "ID=\"{00000000-0000-0000-0000-000000000000}\"\r\nModule=Module1\r\nName=\"VBAProject\"\r\nHelpContextID=\"0\"\r\nVersionCompatible32=\"393222000\"\r\n\r\n[Host Extender Info]\r\n&H00000001={3832D640-CF90-11CF-8E43-00A0C911005A};VBE;&H00000000\r\n"
        let wm = Array("Module1".utf8) + [0] + "Module1".utf16.flatMap { le16($0) } + [0, 0, 0, 0]
        return [
            .stream("PROJECT", Array(project.utf8)),
            .stream("PROJECTwm", wm),
            .storage("VBA", [
                .stream("_VBA_PROJECT", [0xCC, 0x61, 0xFF, 0xFF, 0x00, 0x00, 0x00]),
                .stream("dir", VBACompression.compress(dirStream(moduleName: "Module1"))),
                .stream("Module1", VBACompression.compress(Array(source.utf8))),
            ]),
        ]
    }

    /// A `vbaProject.bin`: a compound file whose root is the project root.
    static func vbaProjectBin(source: String = macroSource) -> [UInt8] {
        CompoundFileWriter.write(.storage("Root Entry", projectChildren(source: source)))
    }

    enum OLEKind: String { case doc, xls }

    /// A clean `.doc`/`.xls` from LibreOffice, or a synthetic compound file.
    static func cleanOLE(_ kind: OLEKind, in dir: URL) throws -> [UInt8] {
        if ExternalTools.soffice != nil {
            let input = dir.appendingPathComponent(kind == .doc ? "base.txt" : "base.csv")
            try Data((kind == .doc ? "Quarterly report\nNothing to see here.\n" : "item,amount\nwidgets,42\n").utf8).write(to: input)
            if let bytes = try? ExternalTools.convert(input, to: kind.rawValue, in: dir) { return bytes }
        }
        switch kind {
        case .doc:
            var fib = [UInt8](repeating: 0, count: 1024)
            fib[0] = 0xEC; fib[1] = 0xA5
            return CompoundFileWriter.write(.storage("Root Entry", [.stream("WordDocument", fib), .stream("1Table", [UInt8](repeating: 0, count: 600))]))
        case .xls:
            return CompoundFileWriter.write(.storage("Root Entry", [.stream("Workbook", biffWorkbook(macroSheet: false))]))
        }
    }

    /// `base` with a VBA project added where Word (`Macros`) or Excel (`_VBA_PROJECT_CUR`) keeps it.
    static func addingProject(to base: [UInt8], kind: OLEKind, source: String = macroSource) throws -> [UInt8] {
        let file = try CompoundFile(bytes: base)
        var root = try file.nodes { _, _ in true }
        root.children.append(.storage(kind == .doc ? "Macros" : "_VBA_PROJECT_CUR", projectChildren(source: source)))
        return CompoundFileWriter.write(root)
    }

    /// A BIFF8 globals substream with one sheet (type 1 = Excel 4.0 macro sheet when asked).
    static func biffWorkbook(macroSheet: Bool) -> [UInt8] {
        func record(_ id: UInt16, _ data: [UInt8]) -> [UInt8] { le16(id) + le16(UInt16(data.count)) + data }
        let name = Array("Macro1".utf8)
        return record(0x0809, le16(0x0600) + le16(0x0005) + [UInt8](repeating: 0, count: 12))
            + record(0x0085, le32(0) + [0, macroSheet ? 1 : 0, UInt8(name.count), 0] + name)
            + record(0x000A, [])
    }

    enum PackageKind: String { case docm, xlsm, vsdm, xlsb }

    /// A minimal `.docx`/`.xlsx` package, with a VBA project (and macro-enabled main type) when asked.
    static func package(_ kind: PackageKind, withMacros: Bool, macroSheet: Bool = false) throws -> [UInt8] {
        let dir = kind == .docm ? "word" : kind == .vsdm ? "visio" : "xl"
        let main = kind == .docm ? "word/document.xml" : kind == .vsdm ? "visio/document.xml" : kind == .xlsb ? "xl/workbook.bin" : "xl/workbook.xml"
        let mainType: String
        switch (kind, withMacros) {
        case (.vsdm, true): mainType = "application/vnd.ms-visio.drawing.macroEnabled.main+xml"
        case (.vsdm, false): mainType = "application/vnd.ms-visio.drawing.main+xml"
        case (.xlsb, _): mainType = "application/vnd.ms-excel.sheet.binary.macroEnabled.main"
        case (.docm, true): mainType = "application/vnd.ms-word.document.macroEnabled.main+xml"
        case (.docm, false): mainType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
        case (.xlsm, true): mainType = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
        case (.xlsm, false): mainType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
        }
        var types = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
            + "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
            + "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
        if withMacros { types += "<Default Extension=\"bin\" ContentType=\"application/vnd.ms-office.vbaProject\"/>" }
        types += "<Override PartName=\"/\(main)\" ContentType=\"\(mainType)\"/>"
        var mainRels = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
        var members: [ZipArchive.Member] = []
        let ns = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        if kind == .vsdm {
            members.append(member("visio/document.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<VisioDocument xmlns=\"http://schemas.microsoft.com/office/visio/2012/main\"/>"))
        } else if kind == .xlsb {
            members.append(ZipArchive.Member(name: "xl/workbook.bin", data: [0x83, 0x01, 0x00, 0x84, 0x01, 0x00], isEncrypted: false))
        } else if kind == .docm {
            members.append(member("word/document.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body><w:p><w:r><w:t>Quarterly report</w:t></w:r></w:p></w:body></w:document>"))
        } else {
            types += "<Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
            var sheets = "<sheet name=\"Sheet1\" sheetId=\"1\" r:id=\"rId1\"/>"
            mainRels += "<Relationship Id=\"rId1\" Type=\"\(ns)/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
            members.append(member("xl/worksheets/sheet1.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><sheetData><row r=\"1\"><c r=\"A1\"><v>42</v></c></row></sheetData></worksheet>"))
            if macroSheet {
                types += "<Override PartName=\"/xl/macrosheets/sheet2.xml\" ContentType=\"application/vnd.ms-excel.macrosheet+xml\"/>"
                sheets += "<sheet name=\"Macro1\" sheetId=\"2\" r:id=\"rId2\"/>"
                mainRels += "<Relationship Id=\"rId2\" Type=\"http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet\" Target=\"macrosheets/sheet2.xml\"/>"
                members.append(member("xl/macrosheets/sheet2.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<xm:macrosheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:xm=\"http://schemas.microsoft.com/office/excel/2006/main\"><sheetData><row r=\"1\"><c r=\"A1\"><f>EXEC(\"calc\")</f></c></row></sheetData></xm:macrosheet>"))
            }
            members.append(member("xl/workbook.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"\(ns)\"><sheets>\(sheets)</sheets></workbook>"))
        }
        if withMacros {
            mainRels += "<Relationship Id=\"rIdVba\" Type=\"http://schemas.microsoft.com/office/2006/relationships/vbaProject\" Target=\"vbaProject.bin\"/>"
            members.append(ZipArchive.Member(name: "\(dir)/vbaProject.bin", data: vbaProjectBin(), isEncrypted: false))
            if kind == .docm {
                types += "<Override PartName=\"/word/vbaData.xml\" ContentType=\"application/vnd.ms-word.vbaData+xml\"/>"
                members.append(member("word/vbaData.xml", "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<wne:vbaSuppData xmlns:wne=\"http://schemas.microsoft.com/office/word/2006/wordml\"/>"))
                members.append(member("word/_rels/vbaProject.bin.rels", "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.microsoft.com/office/2006/relationships/wordVbaData\" Target=\"vbaData.xml\"/></Relationships>"))
            }
        }
        types += "</Types>"
        mainRels += "</Relationships>"
        let mainRelation = kind == .vsdm ? "http://schemas.microsoft.com/visio/2010/relationships/document" : "\(ns)/officeDocument"
        let rootRels = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"\(mainRelation)\" Target=\"\(main)\"/></Relationships>"
        let all = [member("[Content_Types].xml", types), member("_rels/.rels", rootRels),
                   member("\(dir)/_rels/\(main.split(separator: "/").last!).rels", mainRels)] + members
        return try ZipArchive.write(all)
    }

    /// An RTF document with one embedded object whose native data is `payload`.
    static func rtf(embedding payload: [UInt8]?) -> [UInt8] {
        var text = "{\\rtf1\\ansi{\\fonttbl\\f0\\fswiss Helvetica;}\\f0\\pard Quarterly report\\par\n"
        if let payload {
            let className = Array("Word.Document.8".utf8) + [0]
            let ole1 = le32(0x0501) + le32(2) + le32(UInt32(className.count)) + className + le32(0) + le32(0)
                + le32(UInt32(payload.count)) + payload
            let hex = ole1.map { String(format: "%02x", $0) }.joined()
            var wrapped = ""
            for (i, ch) in hex.enumerated() { wrapped.append(ch); if i % 128 == 127 { wrapped += "\n" } }
            text += "{\\object\\objemb{\\*\\objclass Word.Document.8}\\objw100\\objh100{\\*\\objdata \(wrapped)}}\n"
        }
        text += "\\par Thanks.\\par\n}"
        return Array(text.utf8)
    }

    static func member(_ name: String, _ text: String) -> ZipArchive.Member {
        ZipArchive.Member(name: name, data: Array(text.utf8), isEncrypted: false)
    }

    static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
}
