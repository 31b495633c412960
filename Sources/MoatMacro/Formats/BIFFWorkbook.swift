/// The BIFF records of an Excel `Workbook` stream that matter here.
struct BIFFWorkbook {
    var macroSheets: [String] = []
    var isEncrypted = false

    /// Walks globals records: BOUNDSHEET (0x0085) with sheet type 1 is an Excel 4.0 macro sheet;
    /// FILEPASS (0x002F) means the rest is encrypted.
    init(_ b: [UInt8]) {
        Self.walk(b) { record in
            let start = record.start
            switch record.id {
            case 0x002F: isEncrypted = true
            case 0x0085 where record.length >= 6:
                if b[start + 5] == 0x01 { macroSheets.append(Self.sheetName(b[(start + 6)..<(start + record.length)])) }
            case 0x000A: return false
            default: break
            }
            return true
        }
    }

    /// One whole record of a BIFF stream: its id, where its header is, where its data starts and
    /// how long the data is.
    struct Record {
        var id: UInt16
        var offset: Int
        var start: Int
        var length: Int
    }

    /// Visits every whole record from `offset` on, until one runs past the end of `b` or `body`
    /// returns false (after that record). Returns the offset after the last record visited.
    @discardableResult
    static func walk(_ b: [UInt8], from offset: Int = 0, _ body: (Record) -> Bool) -> Int {
        var pos = offset
        while let id = LittleEndian.u16(b, pos), let length16 = LittleEndian.u16(b, pos + 2) {
            let record = Record(id: id, offset: pos, start: pos + 4, length: Int(length16))
            guard record.start + record.length <= b.count else { break }
            pos = record.start + record.length
            if !body(record) { break }
        }
        return pos
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
