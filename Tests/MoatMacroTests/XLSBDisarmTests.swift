import Foundation
import MoatArchive
import Testing
@testable import MoatMacro

/// Excel 4.0 macro sheets in binary workbooks (`.xlsb`): made ordinary worksheets in place.
@Suite struct XLSBDisarmTests {
    /// A BIFF12 record: type and size as 7-bit varints, then the payload.
    static func record(_ type: Int, _ data: [UInt8] = []) -> [UInt8] {
        var out: [UInt8] = type < 0x80 ? [UInt8(type)] : [UInt8(type & 0x7F) | 0x80, UInt8(type >> 7)]
        var size = data.count
        repeat {
            out.append(UInt8(size & 0x7F) | (size >= 0x80 ? 0x80 : 0))
            size >>= 7
        } while size > 0
        return out + data
    }
    static func wide(_ text: String) -> [UInt8] { Fixtures.le32(UInt32(text.utf16.count)) + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } }
    static let exec: [UInt8] = [0x17] + Fixtures.le16(8) + "calc.exe".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } + [0x42, 1, 0x6E, 0x00]
    static let ref3d: [UInt8] = [0x3A, 0, 0, 0, 0, 0, 0, 0, 0]

    /// Cell (column, style): 8 bytes.
    static let cell: [UInt8] = [UInt8](repeating: 0, count: 8)
    static func sheet(_ cells: [UInt8]) -> [UInt8] {
        record(129) + record(145) + record(0, [UInt8](repeating: 0, count: 17)) + cells + record(146) + record(130)
    }
    /// "Data" holds 42 and =1+1; "Macro1" holds EXEC("calc.exe") and a shared formula.
    static let dataSheet = sheet(record(5, cell + withUnsafeBytes(of: (42.0).bitPattern.littleEndian) { Array($0) })
                                 + record(9, cell + [UInt8](repeating: 0, count: 8) + [0, 0] + Fixtures.le32(7) + [0x1E, 1, 0, 0x1E, 1, 0, 0x03] + Fixtures.le32(0)))
    static let macroSheet = sheet(record(10, cell + [0] + [0, 0] + Fixtures.le32(UInt32(exec.count)) + exec + Fixtures.le32(0))
                                  + record(8, cell + wide("x") + [0, 0] + Fixtures.le32(UInt32(exec.count)) + exec + Fixtures.le32(0))
                                  + record(427, [UInt8](repeating: 0, count: 16) + Fixtures.le32(UInt32(exec.count)) + exec + Fixtures.le32(0)))
    static func name(_ text: String, flags: UInt32 = 0) -> [UInt8] {
        record(39, Fixtures.le32(flags) + [0] + Fixtures.le32(0xFFFF_FFFF) + wide(text) + Fixtures.le32(UInt32(ref3d.count)) + ref3d + Fixtures.le32(0))
    }
    static let workbook = record(131) + record(143)
        + record(156, Fixtures.le32(0) + Fixtures.le32(1) + wide("rId1") + wide("Data"))
        + record(156, Fixtures.le32(0) + Fixtures.le32(2) + wide("rId2") + wide("Macro1"))
        + record(144) + name("Auto_Open", flags: 0x20) + name("auto_close_7", flags: 0x0E) + name("Total") + record(132)

    static func package() throws -> [UInt8] {
        let types = """
        <?xml version="1.0" encoding="UTF-8" standalone="yes"?>
        <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.main"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Override PartName="/xl/macrosheets/sheet1.bin" ContentType="application/vnd.ms-excel.macrosheet"/><Override PartName="/xl/macrosheets/binaryIndex1.bin" ContentType="application/vnd.ms-excel.binIndexMs"/><Override PartName="/xl/worksheets/sheet1.bin" ContentType="application/vnd.ms-excel.worksheet"/></Types>
        """
        let rootRels = #"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.bin"/></Relationships>"#
        let workbookRels = #"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.bin"/><Relationship Id="rId2" Type="http://schemas.microsoft.com/office/2006/relationships/xlMacrosheet" Target="macrosheets/sheet1.bin"/></Relationships>"#
        let sheetRels = #"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.microsoft.com/office/2006/relationships/xlBinaryIndex" Target="binaryIndex1.bin"/></Relationships>"#
        return try ZipArchive.write([
            .init(name: "[Content_Types].xml", data: Array(types.utf8)), .init(name: "_rels/.rels", data: Array(rootRels.utf8)),
            .init(name: "xl/workbook.bin", data: workbook), .init(name: "xl/_rels/workbook.bin.rels", data: Array(workbookRels.utf8)),
            .init(name: "xl/worksheets/sheet1.bin", data: dataSheet), .init(name: "xl/macrosheets/sheet1.bin", data: macroSheet),
            .init(name: "xl/macrosheets/_rels/sheet1.bin.rels", data: Array(sheetRels.utf8)), .init(name: "xl/macrosheets/binaryIndex1.bin", data: [0x95, 0x04, 0]),
        ])
    }

    @Test("the macro sheet becomes a worksheet with every formula 0, Auto_Open renamed; the Data sheet byte for byte the same")
    func synthetic() throws {
        let xlsb = try Self.package()
        let inspection = MacroInspector().inspect(xlsb)
        #expect(inspection.hasXLM)
        let result = try MacroDisarmer().disarm(xlsb, inspection: inspection)
        #expect(!MacroInspector().inspect(result.bytes).hasActiveContent)
        #expect(result.newExtension == "xlsb")
        #expect(result.removed.contains("Excel 4.0 macro sheet \"Macro1\" (now an ordinary worksheet)"))
        #expect(result.removed.contains("3 macro formulas (replaced by 0)"))
        #expect(result.removed.contains("defined name Auto_Open (renamed, no longer runs)"))
        #expect(result.removed.contains("defined name auto_close_7 (renamed, no longer runs)"))
        let members = Dictionary(uniqueKeysWithValues: try ZipArchive.read(result.bytes).map { ($0.name, $0.data) })
        #expect(members["xl/worksheets/sheet1.bin"] == Self.dataSheet, "the ordinary sheet is untouched")
        let moved = try #require(members["xl/worksheets/moat-macrosheet1.bin"])
        #expect(moved.count == Self.macroSheet.count, "nothing in the sheet moved")
        #expect(!String(decoding: moved.filter { $0 != 0 }, as: UTF8.self).contains("calc.exe"))
        #expect(members.keys.allSatisfy { !$0.contains("macrosheets/sheet1.bin") })
        let types = String(decoding: try #require(members["[Content_Types].xml"]), as: UTF8.self)
        #expect(types.contains(#"ContentType="application/vnd.ms-excel.worksheet" PartName="/xl/worksheets/moat-macrosheet1.bin""#))
        #expect(!types.contains("macrosheet\"") && !types.contains("binIndexMs"))
        let rels = String(decoding: try #require(members["xl/_rels/workbook.bin.rels"]), as: UTF8.self)
        #expect(rels.contains(#"Target="worksheets/moat-macrosheet1.bin" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet""#))
        let sheetRels = String(decoding: try #require(members["xl/worksheets/_rels/moat-macrosheet1.bin.rels"]), as: UTF8.self)
        #expect(sheetRels.contains(#"Target="/xl/macrosheets/binaryIndex1.bin""#))
        let workbook = try #require(members["xl/workbook.bin"])
        #expect(workbook.count == Self.workbook.count)
        var names: [String] = []
        for record in XLSBMacroNeutraliser.records(workbook) ?? [] where record.type == 39 {
            names.append(XLSBMacroNeutraliser.wideString(workbook, at: record.start + 9, end: record.end)?.0 ?? "?")
            #expect(LittleEndian.u32(workbook, record.start).map { $0 & 0x2E } == 0, "no name is built in or a macro any more")
        }
        #expect(names == ["Moat_Open", "Moat_close_7", "Total"])
    }

    @Test("hostile record streams: truncated anywhere or lying about lengths, never a trap")
    func truncations() {
        for stream in [Self.workbook, Self.macroSheet] {
            for length in 0...stream.count {
                var copy = Array(stream.prefix(length))
                _ = XLSBMacroNeutraliser.neutraliseFormulas(&copy)
                _ = XLSBMacroNeutraliser.neutraliseNames(&copy)
                _ = XLSBMacroNeutraliser.sheets(copy)
            }
            var lying = stream
            for index in stride(from: 0, to: lying.count, by: 7) { lying[index] = 0xFF }
            _ = XLSBMacroNeutraliser.neutraliseFormulas(&lying)
            _ = XLSBMacroNeutraliser.neutraliseNames(&lying)
        }
    }
}
