/// The BIFF records of an Excel `Workbook` stream that matter here.
struct BIFFWorkbook {
    var macroSheets: [String] = []
    var isEncrypted = false

    /// Walks globals records: BOUNDSHEET (0x0085) with sheet type 1 is an Excel 4.0 macro sheet;
    /// FILEPASS (0x002F) means the rest is encrypted.
    init(_ b: [UInt8]) {
        var pos = 0
        var seenEOF = false
        while !seenEOF, let id = LittleEndian.u16(b, pos), let length16 = LittleEndian.u16(b, pos + 2) {
            let length = Int(length16)
            let start = pos + 4
            guard start + length <= b.count else { break }
            switch id {
            case 0x002F: isEncrypted = true
            case 0x0085 where length >= 6:
                if b[start + 5] == 0x01 { macroSheets.append(Self.sheetName(b[(start + 6)..<(start + length)])) }
            case 0x000A: seenEOF = true
            default: break
            }
            pos = start + length
        }
    }

    /// BIFF8 ShortXLUnicodeString (length, flags, chars) or BIFF5 (length, bytes).
    static func sheetName(_ d: ArraySlice<UInt8>) -> String {
        guard let count = d.first.map(Int.init) else { return "" }
        let rest = d.dropFirst()
        if let flags = rest.first, flags <= 1, rest.count >= 1 + count * (flags == 1 ? 2 : 1) {
            let chars = rest.dropFirst()
            if flags == 1 {
                var units: [UInt16] = []
                for k in 0..<count { units.append(LittleEndian.u16(chars, chars.startIndex + 2 * k) ?? 0) }
                return String(decoding: units, as: UTF16.self)
            }
            return VBADirectory.text(chars.prefix(count))
        }
        return VBADirectory.text(rest.prefix(count))
    }
}
