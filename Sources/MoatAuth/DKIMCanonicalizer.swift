/// RFC 6376 canonicalisation over raw bytes. Line ends are taken as CRLF whatever the stored
/// message uses (a bare LF is what a CRLF became on disk), as the signer saw them on the wire.
enum DKIMCanonicalizer {
    static let cr: UInt8 = 13, lf: UInt8 = 10, space: UInt8 = 32, tab: UInt8 = 9

    /// The lines of `bytes`, without their line ends; a last line without one is kept.
    static func lines(_ bytes: ArraySlice<UInt8>) -> [ArraySlice<UInt8>] {
        var result: [ArraySlice<UInt8>] = []
        var start = bytes.startIndex
        var index = bytes.startIndex
        while index < bytes.endIndex {
            if bytes[index] == lf {
                var end = index
                if end > start, bytes[end - 1] == cr { end -= 1 }
                result.append(bytes[start..<end])
                start = index + 1
            }
            index += 1
        }
        if start < bytes.endIndex { result.append(bytes[start..<bytes.endIndex]) }
        return result
    }

    /// The canonical body (before any `l=` cut).
    static func body(_ bytes: ArraySlice<UInt8>, _ mode: DKIMCanonicalization) -> [UInt8] {
        var lines = lines(bytes)
        if mode == .relaxed {
            lines = lines.map { line in
                var out: [UInt8] = []
                out.reserveCapacity(line.count)
                var pendingSpace = false
                for byte in line {
                    if byte == space || byte == tab {
                        pendingSpace = true
                    } else {
                        if pendingSpace { out.append(space) }
                        pendingSpace = false
                        out.append(byte)
                    }
                }
                return out[...]
            }
        }
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        if lines.isEmpty { return mode == .simple ? [cr, lf] : [] }
        var out: [UInt8] = []
        for line in lines {
            out.append(contentsOf: line)
            out.append(cr)
            out.append(lf)
        }
        return out
    }

    /// One header field (`raw` is the whole field: name, colon, value, folding, its line end).
    static func header(_ raw: ArraySlice<UInt8>, _ mode: DKIMCanonicalization, lineEnd: Bool = true) -> [UInt8] {
        let lines = lines(raw)
        switch mode {
        case .simple:
            var out: [UInt8] = []
            for (index, line) in lines.enumerated() {
                if index > 0 { out.append(contentsOf: [cr, lf]) }
                out.append(contentsOf: line)
            }
            if lineEnd { out.append(contentsOf: [cr, lf]) }
            return out
        case .relaxed:
            let joined = Array(lines.joined())
            guard let colon = joined.firstIndex(of: UInt8(ascii: ":")) else { return lineEnd ? joined + [cr, lf] : joined }
            var name = Array(joined[..<colon])
            while let last = name.last, last == space || last == tab { name.removeLast() }
            var out = name.map { (65...90).contains($0) ? $0 + 32 : $0 }
            out.append(UInt8(ascii: ":"))
            var value: [UInt8] = []
            var pendingSpace = false
            for byte in joined[(colon + 1)...] {
                if byte == space || byte == tab {
                    pendingSpace = true
                } else {
                    if pendingSpace, !value.isEmpty { value.append(space) }
                    pendingSpace = false
                    value.append(byte)
                }
            }
            out.append(contentsOf: value)
            if lineEnd { out.append(contentsOf: [cr, lf]) }
            return out
        }
    }

    /// `raw` (a whole DKIM-Signature field) with the value of its `b=` tag removed, for hashing.
    static func withoutSignatureValue(_ raw: ArraySlice<UInt8>) -> [UInt8] {
        var out = Array(raw)
        guard let colon = out.firstIndex(of: UInt8(ascii: ":")) else { return out }
        var index = colon + 1
        while index < out.count {
            // One tag: from here to the next ';' (or the end).
            let end = out[index...].firstIndex(of: UInt8(ascii: ";")) ?? out.count
            if let equals = out[index..<end].firstIndex(of: UInt8(ascii: "=")) {
                let name = out[index..<equals].filter { $0 != space && $0 != tab && $0 != cr && $0 != lf }
                if name == [UInt8(ascii: "b")] {
                    // Keep the trailing line end of the field, if the value runs to it.
                    var valueEnd = end
                    if end == out.count {
                        while valueEnd > equals + 1, out[valueEnd - 1] == lf || out[valueEnd - 1] == cr { valueEnd -= 1 }
                    }
                    out.removeSubrange((equals + 1)..<valueEnd)
                    return out
                }
            }
            index = end + 1
        }
        return out
    }
}
