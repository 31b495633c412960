/// Disarms the Excel 4.0 (XLM) macros of a binary workbook's parts (`.xlsb`, BIFF12 records), in
/// place as `BIFFMacroNeutraliser` does for `.xls`, so no record moves or changes length:
///
/// - every formula of a macro sheet part (BrtFmlaString, BrtFmlaNum, BrtFmlaBool, BrtFmlaError,
///   BrtArrFmla, BrtShrFmla) has its parsed expression overwritten, at its own length, with the
///   constant 0, so the `EXEC`/`CALL`/`REGISTER` chains are gone, not merely dormant;
/// - in the workbook part, defined names that start a macro by themselves (`Auto_Open` and kin,
///   and user names beginning with those words) are renamed ("Auto" → "Moat") and defined as 0;
///   every name loses its function and command-macro flags.
///
/// `OOXMLPackage.withBinaryMacroSheetsNeutralised` then retypes the sheet parts as worksheets.
enum XLSBMacroNeutraliser {
    /// One record: its type and where its payload lies in the stream.
    struct Record {
        var type: Int
        var start: Int
        var length: Int
        var end: Int { start + length }
    }

    static let nameRecord = 39
    static let bundleSheetRecord = 156
    static let autoPrefixes = ["auto_open", "auto_close", "auto_activate", "auto_deactivate"]

    /// The records of a BIFF12 stream (a type of one or two bytes, a size of one to four, 7 bits
    /// each), or nil when one runs past the end.
    static func records(_ b: [UInt8]) -> [Record]? {
        var out: [Record] = []
        var i = 0
        while i < b.count {
            var type = Int(b[i])
            i += 1
            if type & 0x80 != 0 {
                guard i < b.count else { return nil }
                type = (type & 0x7F) | Int(b[i] & 0x7F) << 7
                i += 1
            }
            var size = 0
            for k in 0..<4 {
                guard i < b.count else { return nil }
                let byte = b[i]
                i += 1
                size |= Int(byte & 0x7F) << (7 * k)
                if byte & 0x80 == 0 { break }
            }
            guard size <= b.count - i else { return nil }
            out.append(Record(type: type, start: i, length: size))
            i += size
        }
        return out
    }

    /// Every formula of a sheet part made the constant 0; the number of formulas, or nil when
    /// the part is not a record stream.
    static func neutraliseFormulas(_ b: inout [UInt8]) -> Int? {
        guard let records = records(b) else { return nil }
        var count = 0
        for record in records {
            // Where the formula's 4-byte length (cce) sits: after the cell (8 bytes), its value
            // and 2 bytes of flags; after the range (16 bytes) for array and shared formulas.
            var cceAt: Int?
            switch record.type {
            case 8:
                if let characters = LittleEndian.u32(b[...], record.start + 8), Int(characters) <= record.length / 2 {
                    cceAt = record.start + 8 + 4 + 2 * Int(characters) + 2
                }
            case 9: cceAt = record.start + 8 + 8 + 2
            case 10, 11: cceAt = record.start + 8 + 1 + 2
            case 426: cceAt = record.start + 16 + 1
            case 427: cceAt = record.start + 16
            default: break
            }
            if let at = cceAt, neutraliseExpression(&b, cceAt: at, end: record.end) { count += 1 }
        }
        return count
    }

    /// The workbook part with its self-starting names renamed and defined as 0; the names
    /// renamed, or nil when the part is not a record stream.
    static func neutraliseNames(_ b: inout [UInt8]) -> [String]? {
        guard let records = records(b) else { return nil }
        var renamed: [String] = []
        for record in records where record.type == nameRecord {
            // BrtName: flags (4), chKey (1), itab (4), name (4-byte count + UTF-16), formula.
            guard let flags = LittleEndian.u32(b[..<record.end], record.start),
                  let (text, cceAt) = wideString(b, at: record.start + 9, end: record.end) else { continue }
            let textStart = record.start + 13
            // fFunc, fOB, fProc: the name is a function or command macro.
            var cleared = flags & ~UInt32(0x0E)
            let lower = text.lowercased()
            let prefixAt = lower.hasPrefix("_xlnm.") ? 6 : 0
            let runs = autoPrefixes.contains { lower.dropFirst(prefixAt).hasPrefix($0) }
            if runs {
                // "Auto" → "Moat": same length, and Excel no longer runs it; no longer built in.
                cleared = (cleared & ~UInt32(0x20)) | 0x01
                for (k, unit) in "Moat".utf16.enumerated() {
                    b[textStart + 2 * (prefixAt + k)] = UInt8(unit & 0xFF)
                    b[textStart + 2 * (prefixAt + k) + 1] = UInt8(unit >> 8)
                }
                neutraliseExpression(&b, cceAt: cceAt, end: record.end)
                renamed.append(text)
            }
            for k in 0..<4 { b[record.start + k] = UInt8(truncatingIfNeeded: cleared >> (8 * UInt32(k))) }
        }
        return renamed
    }

    /// Overwrites the expression whose 32-bit length is at `cceAt` with the constant 0 (bounded by
    /// the record's end, as BIFF8's 16-bit one is in `BIFFMacroNeutraliser`); true when there was one.
    @discardableResult
    static func neutraliseExpression(_ b: inout [UInt8], cceAt: Int, end: Int) -> Bool {
        guard let cce = LittleEndian.u32(b[..<end], cceAt), cce > 0 else { return false }
        BIFFMacroNeutraliser.fillConstant(&b, from: cceAt + 4, to: min(end, cceAt + 4 + Int(min(cce, UInt32(end - cceAt)))))
        return true
    }

    /// The workbook's sheets (BrtBundleSh): relationship id → sheet name.
    static func sheets(_ b: [UInt8]) -> [String: String] {
        var out: [String: String] = [:]
        for record in records(b) ?? [] where record.type == bundleSheetRecord {
            // hsState (4), iTabID (4), strRelID (nullable wide string), strName (wide string).
            guard let (relID, next) = wideString(b, at: record.start + 8, end: record.end),
                  let (name, _) = wideString(b, at: next, end: record.end) else { continue }
            out[relID] = name
        }
        return out
    }

    /// A 4-byte character count and UTF-16LE text; nil for the null string or a count past `end`.
    static func wideString(_ b: [UInt8], at offset: Int, end: Int) -> (String, next: Int)? {
        guard let characters = LittleEndian.u32(b[..<end], offset), characters != 0xFFFF_FFFF,
              Int(characters) <= (end - offset - 4) / 2 else { return nil }
        let start = offset + 4
        let units = (0..<Int(characters)).map { UInt16(b[start + 2 * $0]) | UInt16(b[start + 2 * $0 + 1]) << 8 }
        return (String(decoding: units, as: UTF16.self), start + 2 * Int(characters))
    }
}
