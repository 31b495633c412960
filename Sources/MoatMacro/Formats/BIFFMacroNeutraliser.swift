/// Disarms the Excel 4.0 (XLM) macros of a BIFF8 or BIFF5 `Workbook` stream in place, so no record
/// moves and every offset in the stream (BOUNDSHEET positions, INDEX/DBCELL) stays right:
///
/// - every macro sheet becomes an ordinary worksheet (BOUNDSHEET type 1 → 0), so nothing in it can
///   run as a macro;
/// - every formula in those sheets (FORMULA, ARRAY, SHRFMLA records) has its parsed expression
///   overwritten, at its own length, with the constant 0 (`ptgInt 0` wrapped in `ptgParen`s), so
///   the `EXEC`/`CALL`/`REGISTER` chains are gone, not merely dormant;
/// - defined names that start a macro when the workbook opens or closes (the built-in Auto_Open,
///   Auto_Close, Auto_Activate, Auto_Deactivate, and user names beginning with those words, which
///   Excel runs too) are renamed and defined as 0; every name loses its command/function-macro flags.
///
/// Ordinary worksheets are not touched: their cells, formulas and values are delivered as they were.
struct BIFFMacroNeutraliser {
    /// The stream with its macros neutralised, and what was done, or nil when it has no macro sheet.
    static func neutralise(_ stream: [UInt8]) -> (bytes: [UInt8], removed: [String])? {
        var b = stream
        var isBIFF8 = true
        var macroSheets: [Int: String] = [:]   // BOF offset → sheet name
        var removed: [String] = []
        var renamedNames: [String] = []
        // Pass 1: the globals — macro sheets and defined names.
        var first = true
        var valid = true
        let globalsEnd = BIFFWorkbook.walk(b) { record in
            let start = record.start
            if first {
                first = false
                guard record.id == 0x0809 else { valid = false; return false }
                if let version = LittleEndian.u16(b, start), version < 0x0600 { isBIFF8 = false }
            }
            switch record.id {
            case 0x0085 where record.length >= 6 && b[start + 5] == 0x01:
                if let offset = LittleEndian.u32(b, start) {
                    macroSheets[Int(offset)] = BIFFWorkbook.sheetName(b[(start + 6)..<(start + record.length)])
                    b[start + 5] = 0x00
                }
            case 0x0018 where record.length >= 14:
                if let name = neutraliseName(&b, start: start, length: record.length, isBIFF8: isBIFF8) { renamedNames.append(name) }
            case 0x000A:
                return false
            default:
                break
            }
            return true
        }
        guard valid, !macroSheets.isEmpty else { return nil }
        // Pass 2: the sheet substreams — formulas in the former macro sheets.
        var inMacroSheet = false
        var formulas = 0
        BIFFWorkbook.walk(b, from: globalsEnd) { record in
            let (start, end) = (record.start, record.start + record.length)
            switch record.id {
            case 0x0809: inMacroSheet = macroSheets[record.offset] != nil
            case 0x000A: inMacroSheet = false
            case 0x0006 where inMacroSheet: formulas += neutraliseExpression(&b, cceAt: start + 20, end: end)   // FORMULA
            case 0x0221 where inMacroSheet: formulas += neutraliseExpression(&b, cceAt: start + 12, end: end)   // ARRAY
            case 0x04BC where inMacroSheet: formulas += neutraliseExpression(&b, cceAt: start + 8, end: end)    // SHRFMLA
            default: break
            }
            return true
        }
        for name in macroSheets.sorted(by: { $0.key < $1.key }).map(\.value) {
            removed.append("Excel 4.0 macro sheet \"\(name)\" (now an ordinary worksheet)")
        }
        removed.append("\(formulas) macro formula\(formulas == 1 ? "" : "s") (replaced by 0)")
        removed += renamedNames.map { "defined name \($0) (renamed, no longer runs)" }
        return (b, removed)
    }

    /// Built-in names Excel runs by itself: Auto_Open, Auto_Close, Auto_Activate, Auto_Deactivate.
    static let autoBuiltins: [UInt8: (name: String, replacement: UInt8)] = [
        0x01: ("Auto_Open", UInt8(ascii: "o")), 0x02: ("Auto_Close", UInt8(ascii: "p")),
        0x0A: ("Auto_Activate", UInt8(ascii: "q")), 0x0B: ("Auto_Deactivate", UInt8(ascii: "s")),
    ]
    static let autoPrefixes = ["auto_open", "auto_close", "auto_activate", "auto_deactivate"]

    /// Clears a NAME record's macro flags; renames and empties it when it would run by itself.
    /// Returns the name it had when it was renamed.
    static func neutraliseName(_ b: inout [UInt8], start: Int, length: Int, isBIFF8: Bool) -> String? {
        guard let grbit = LittleEndian.u16(b, start) else { return nil }
        let count = Int(b[start + 3])
        guard let cce16 = LittleEndian.u16(b, start + 4) else { return nil }
        // fFunc, fOB, fProc: the name is a function or command macro.
        let cleared = grbit & ~UInt16(0x000E)
        b[start] = UInt8(cleared & 0xFF)
        b[start + 1] = UInt8(cleared >> 8)
        var textStart = start + 14
        var wide = false
        if isBIFF8 {
            guard textStart < start + length else { return nil }
            wide = b[textStart] & 0x01 != 0
            textStart += 1
        }
        let width = wide ? 2 : 1
        let textEnd = textStart + count * width
        guard textEnd <= start + length else { return nil }
        let expressionEnd = min(start + length, textEnd + Int(cce16))
        if grbit & 0x0020 != 0 {
            // Built-in: one character, the built-in's code.
            guard count == 1, let auto = autoBuiltins[b[textStart]] else { return nil }
            // No longer built-in, hidden, and named by one letter (the name must keep its length),
            // one per built-in so two of them never clash, none of them a cell reference (R, C).
            let cleared = (cleared & ~UInt16(0x0020)) | 0x0001
            b[start] = UInt8(cleared & 0xFF)
            b[start + 1] = UInt8(cleared >> 8)
            b[textStart] = auto.replacement
            if wide { b[textStart + 1] = 0 }
            fillConstant(&b, from: textEnd, to: expressionEnd)
            return auto.name
        }
        var text = ""
        for k in 0..<count {
            let unit = wide ? UInt16(b[textStart + 2 * k]) | UInt16(b[textStart + 2 * k + 1]) << 8 : UInt16(b[textStart + k])
            text.append(Character(UnicodeScalar(unit) ?? "?"))
        }
        guard autoPrefixes.contains(where: { text.lowercased().hasPrefix($0) }) else { return nil }
        // "Auto" → "Moat": same length, and Excel no longer runs it.
        for (k, byte) in Array("Moat".utf8).enumerated() where k < count {
            b[textStart + k * width] = byte
            if wide { b[textStart + k * width + 1] = 0 }
        }
        fillConstant(&b, from: textEnd, to: expressionEnd)
        return text
    }

    /// Overwrites the expression whose 16-bit length is at `cceAt` (bounded by the record end).
    /// Returns 1 when there was one.
    static func neutraliseExpression(_ b: inout [UInt8], cceAt: Int, end: Int) -> Int {
        guard cceAt + 2 <= end, let cce = LittleEndian.u16(b, cceAt), cce > 0 else { return 0 }
        fillConstant(&b, from: cceAt + 2, to: min(end, cceAt + 2 + Int(cce)))
        return 1
    }

    /// A parsed expression worth 0 that fills `from..<to` exactly: `ptgInt 0` followed by
    /// `ptgParen`s (1 byte each); shorter spans get `ptgBool FALSE` or `ptgMissArg`.
    static func fillConstant(_ b: inout [UInt8], from: Int, to: Int) {
        let count = to - from
        guard count > 0, to <= b.count else { return }
        switch count {
        case 1: b[from] = 0x16                                  // ptgMissArg
        case 2: b[from] = 0x1D; b[from + 1] = 0                  // ptgBool FALSE
        default:
            b[from] = 0x1E; b[from + 1] = 0; b[from + 2] = 0     // ptgInt 0
            for k in (from + 3)..<to { b[k] = 0x15 }             // ptgParen
        }
    }
}
