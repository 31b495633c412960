import Foundation
import Testing
@testable import MoatMacro

/// Excel 4.0 macro sheets in `.xls` workbooks: neutralised in place, the ordinary sheets untouched.
@Suite struct XLMDisarmTests {
    static func record(_ id: UInt16, _ data: [UInt8]) -> [UInt8] { Fixtures.le16(id) + Fixtures.le16(UInt16(data.count)) + data }
    static func bof() -> [UInt8] { record(0x0809, Fixtures.le16(0x0600) + Fixtures.le16(0x0010) + [UInt8](repeating: 0, count: 12)) }
    static func boundSheet(_ offset: Int, macro: Bool, _ name: String) -> [UInt8] {
        record(0x0085, Fixtures.le32(UInt32(offset)) + [0, macro ? 1 : 0, UInt8(name.utf8.count), 0] + Array(name.utf8))
    }
    /// NAME (BIFF8): built-in code or a user name, defined by `rgce`.
    static func name(builtin: UInt8? = nil, text: String = "", rgce: [UInt8], flags: UInt16 = 0) -> [UInt8] {
        let chars: [UInt8] = builtin.map { [$0] } ?? Array(text.utf8)
        let grbit = flags | (builtin != nil ? 0x0020 : 0)
        return record(0x0018, Fixtures.le16(grbit) + [0, UInt8(chars.count)] + Fixtures.le16(UInt16(rgce.count)) + [0, 0, 1, 0, 0, 0, 0, 0]
                      + [0] + chars + rgce)
    }
    /// FORMULA in row `row`, column 0, with a parsed expression.
    static func formula(row: UInt16, _ rgce: [UInt8]) -> [UInt8] {
        record(0x0006, Fixtures.le16(row) + Fixtures.le16(0) + Fixtures.le16(15) + [UInt8](repeating: 0, count: 8) + Fixtures.le16(0)
               + Fixtures.le32(0) + Fixtures.le16(UInt16(rgce.count)) + rgce)
    }
    static func number(row: UInt16, _ value: Double) -> [UInt8] {
        record(0x0203, Fixtures.le16(row) + Fixtures.le16(0) + Fixtures.le16(15) + withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) })
    }

    /// `EXEC("calc.exe")` as a macro sheet would hold it: ptgStr then ptgFuncVar(EXEC = 0x6E).
    static let exec: [UInt8] = [0x17, 8, 0] + Array("calc.exe".utf8) + [0x42, 1, 0x6E, 0x00]
    static let ref3d: [UInt8] = [0x3A, 0, 0, 0, 0, 0, 0]   // ptgRef3d to the first cell of the sheet

    /// A workbook: "Data" (a number and =1+1), then "Macro1" (EXEC, HALT), Auto_Open pointing at it.
    static func workbook() -> (stream: [UInt8], data: Range<Int>) {
        let dataSheet = bof() + number(row: 0, 42) + formula(row: 1, [0x1E, 1, 0, 0x1E, 1, 0, 0x03]) + record(0x000A, [])
        let macroSheet = bof() + formula(row: 0, exec) + formula(row: 1, [0x42, 0, 0x36, 0x00]) + record(0x000A, [])
        func globals(_ dataOffset: Int, _ macroOffset: Int) -> [UInt8] {
            bof() + boundSheet(dataOffset, macro: false, "Data") + boundSheet(macroOffset, macro: true, "Macro1")
                + name(builtin: 0x01, rgce: ref3d) + name(text: "auto_open_77", rgce: ref3d, flags: 0x000E) + name(text: "Total", rgce: ref3d)
                + record(0x000A, [])
        }
        let size = globals(0, 0).count
        let stream = globals(size, size + dataSheet.count) + dataSheet + macroSheet
        return (stream, size..<(size + dataSheet.count))
    }

    @Test("macro sheet made a worksheet, its formulas 0, Auto_Open and auto_open* names renamed; the Data sheet byte for byte the same")
    func synthetic() throws {
        let (stream, dataRange) = Self.workbook()
        let xls = CompoundFileWriter.write(.storage("Root Entry", [.stream("Workbook", stream)]))
        let inspection = MacroInspector().inspect(xls)
        #expect(inspection.hasXLM)
        let result = try MacroDisarmer().disarm(xls, inspection: inspection)
        #expect(!MacroInspector().inspect(result.bytes).hasActiveContent)
        #expect(result.removed.contains("Excel 4.0 macro sheet \"Macro1\" (now an ordinary worksheet)"))
        #expect(result.removed.contains("2 macro formulas (replaced by 0)"))
        #expect(result.removed.contains("defined name Auto_Open (renamed, no longer runs)"))
        #expect(result.removed.contains("defined name auto_open_77 (renamed, no longer runs)"))
        let file = try CompoundFile(bytes: result.bytes)
        let out = try file.stream(try #require(try file.child(of: 0, named: "Workbook")))
        #expect(out.count == stream.count, "nothing moved")
        #expect(Array(out[dataRange]) == Array(stream[dataRange]), "the ordinary sheet is untouched")
        let text = String(decoding: out, as: UTF8.self)
        #expect(!text.contains("calc.exe"))
        #expect(text.contains("Moat_open_77") && text.contains("Total") && !text.contains("auto_open"))
        // Nothing to do for a workbook without macro sheets.
        #expect(BIFFMacroNeutraliser.neutralise(Self.bof() + Self.boundSheet(0, macro: false, "Data") + Self.record(0x000A, [])) == nil)
    }

    @Test("hostile workbook streams: truncated anywhere, never a trap")
    func truncations() {
        let (stream, _) = Self.workbook()
        for length in 0...stream.count { _ = BIFFMacroNeutraliser.neutralise(Array(stream.prefix(length))) }
        var lying = stream
        lying[lying.count - 12] = 0xFF  // a formula length running past its record
        _ = BIFFMacroNeutraliser.neutralise(lying)
    }

    static let samples = ["excel4_sample_macro.xls", "excel4_sample_macro_excel5_format.xls", "excel4_sample_macro.xlt",
                          "excel4_sample_macro.xlsm", "excel4_sample_macro.xltm", "excel4_sample_macro.xlsb"].map {
        CorpusTests.corpus.appendingPathComponent("oletools_test-data/excel4-macros/\($0)")
    }
    static let corpusAvailable = samples.allSatisfy { FileManager.default.fileExists(atPath: $0.path) }

    @Test("real Excel 4.0 workbooks (.xls, Excel 5, .xlt, .xlsm, .xltm, .xlsb): disarmed, olevba finds no macro, LibreOffice opens them",
          .enabled(if: corpusAvailable && ExternalTools.olevba != nil, "needs the shared corpus and olevba (MOAT_OLEVBA)"))
    func corpus() throws {
        let dir = try ExternalTools.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        for sample in Self.samples {
            let bytes = Array(try Data(contentsOf: sample))
            let inspection = MacroInspector().inspect(bytes)
            #expect(inspection.hasXLM, "\(sample.lastPathComponent)")
            let result = try MacroDisarmer().disarm(bytes, inspection: inspection)
            let out = dir.appendingPathComponent("disarmed-" + sample.lastPathComponent)
            try Data(result.bytes).write(to: out)
            // olevba 0.60 reads XLM from BIFF workbooks only (not from OOXML or binary macrosheet parts).
            if ["xls", "xlt"].contains(sample.pathExtension) {
                #expect(try ExternalTools.olevbaFindsMacros(sample), "olevba sees the original's macros (\(sample.lastPathComponent))")
            }
            #expect(!MacroInspector().inspect(result.bytes).hasActiveContent, "\(sample.lastPathComponent)")
            #expect(try !ExternalTools.olevbaFindsMacros(out), "olevba still sees macros in \(out.lastPathComponent)")
            // XLMMacroDeobfuscator reads XLM from every format (installed by make beside olevba).
            if ExternalTools.xlmDeobfuscator != nil {
                #expect(try ExternalTools.xlmDeobfuscatorFindsMacros(sample), "XLMMacroDeobfuscator sees the original's macros (\(sample.lastPathComponent))")
                #expect(try !ExternalTools.xlmDeobfuscatorFindsMacros(out), "XLMMacroDeobfuscator still sees macros in \(out.lastPathComponent)")
            }
            if ExternalTools.soffice != nil {
                #expect(ExternalTools.libreOfficeOpens(out), "LibreOffice cannot open \(out.lastPathComponent)")
            }
        }
    }
}
