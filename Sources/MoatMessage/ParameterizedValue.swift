/// A structured header value of the form `token; name=value; …` (Content-Type, Content-Disposition).
///
/// Parsing is lenient: comments `( … )` are skipped, quoted-strings honour backslash escapes,
/// unquoted values run to the next `;`. RFC 2231 continuations are joined in numeric order with
/// the charset of segment 0; values that still contain RFC 2047 words are decoded as clients do.
/// Every distinct reading of a parameter is kept (the RFC 2231 one first) so callers can scan all.
struct ParameterizedValue {
    /// The leading token, lowercased and trimmed (e.g. `text/plain`, `attachment`).
    var token: String
    /// Preferred reading per lowercased base name.
    var parameters: [String: String] = [:]
    /// Every distinct reading per lowercased base name, preferred first.
    var readings: [String: [String]] = [:]
    /// Finding codes with details noticed while parsing.
    var issues: [(code: String, detail: String)] = []

    private struct RawParameter {
        var name: String  // lowercased, as written (may contain `*`)
        var value: [UInt8]
    }

    /// Parses `bytes`, a header's unfolded raw value.
    init(parsing bytes: [UInt8]) {
        var i = 0
        let n = bytes.count
        var tokenBytes: [UInt8] = []
        Self.skipCFWS(bytes, &i)
        while i < n, bytes[i] != 0x3B {  // ";"
            if bytes[i] == 0x28 { Self.skipComment(bytes, &i); continue }
            if bytes[i] == 0x22 { tokenBytes += Self.quoted(bytes, &i); continue }
            if ByteText.isWhitespace(bytes[i]), !tokenBytes.isEmpty, tokenBytes.last != 0x2F {
                // `type/subtype name=value` with the `;` missing: clients start the parameters here.
                var j = i
                while j < n, ByteText.isWhitespace(bytes[j]) { j += 1 }
                if j < n, bytes[j] != 0x2F, bytes[j] != 0x3B, bytes[j] != 0x28 { break }
                // Every byte of the run would end the same way: skip it whole (rescanning the rest
                // of the run per byte made `text/plain` + 40,000 spaces quadratic: 12 s under ASan).
                i = j
                continue
            }
            if !ByteText.isWhitespace(bytes[i]) { tokenBytes.append(bytes[i]) }
            i += 1
        }
        token = String(decoding: ByteText.lowercased(tokenBytes), as: UTF8.self)

        var raw: [RawParameter] = []
        while i < n {
            i += 1  // past ";"
            Self.skipCFWS(bytes, &i)
            let nameStart = i
            while i < n, bytes[i] != 0x3D, bytes[i] != 0x3B { i += 1 }
            let nameBytes = ByteText.trimmed(Array(bytes[nameStart..<i]))
            guard i < n, bytes[i] == 0x3D else { continue }  // valueless parameter: ignored
            i += 1
            Self.skipCFWS(bytes, &i)
            var value: [UInt8] = []
            if i < n, bytes[i] == 0x22 {
                value = Self.quoted(bytes, &i)
                while i < n, bytes[i] != 0x3B { i += 1 }  // junk after the closing quote
            } else {
                let vStart = i
                while i < n, bytes[i] != 0x3B { i += 1 }
                value = ByteText.trimmed(Array(bytes[vStart..<i]))
            }
            guard !nameBytes.isEmpty else { continue }
            raw.append(RawParameter(name: String(decoding: ByteText.lowercased(nameBytes), as: UTF8.self), value: value))
        }
        combine(raw)
    }

    /// Groups raw parameters by base name and decodes RFC 2231 forms.
    private mutating func combine(_ raw: [RawParameter]) {
        var order: [String] = []
        var plain: [String: [[UInt8]]] = [:]
        var extended: [String: [UInt8]] = [:]  // name*=
        var sections: [String: [(index: Int, encoded: Bool, value: [UInt8])]] = [:]
        for p in raw {
            guard let star = p.name.firstIndex(of: "*") else {
                if plain[p.name] == nil && extended[p.name] == nil && sections[p.name] == nil { order.append(p.name) }
                plain[p.name, default: []].append(p.value)
                continue
            }
            let base = String(p.name[..<star])
            let rest = p.name[p.name.index(after: star)...]
            if plain[base] == nil && extended[base] == nil && sections[base] == nil { order.append(base) }
            if rest.isEmpty {
                if extended[base] != nil { issues.append((ParseFinding.Code.duplicateParameter, "\(base)* repeated")) }
                extended[base] = p.value
                continue
            }
            let encoded = rest.hasSuffix("*")
            let digits = encoded ? rest.dropLast() : rest
            guard let index = Int(digits), index >= 0, index < 100_000 else {
                issues.append((ParseFinding.Code.rfc2231Malformed, "bad section name \(p.name)"))
                continue
            }
            sections[base, default: []].append((index, encoded, p.value))
        }
        for name in order {
            var values: [String] = []
            if let ext = extended[name] {
                values.append(decodeExtended([(0, true, ext)], name: name))
            }
            if let secs = sections[name] {
                values.append(decodeExtended(secs, name: name))
            }
            for v in plain[name] ?? [] {
                let text = ByteText.utf8OrLatin1(v).text
                values.append(text.containsBytes("=?") ? EncodedWords.decode(v) : text)
            }
            var distinct: [String] = []
            for v in values where !distinct.contains(v) { distinct.append(v) }
            if (plain[name]?.count ?? 0) > 1, Set(plain[name] ?? []).count > 1 {
                issues.append((ParseFinding.Code.duplicateParameter, "\(name) has \(plain[name]?.count ?? 0) different values"))
            }
            guard let first = distinct.first else { continue }
            parameters[name] = first
            readings[name] = distinct
        }
    }

    /// Joins RFC 2231 sections (contiguous from 0) and converts with the charset of section 0.
    private mutating func decodeExtended(_ sections: [(index: Int, encoded: Bool, value: [UInt8])], name: String) -> String {
        let sorted = sections.sorted { $0.index < $1.index }
        var used = sorted
        var expected = 0
        var contiguous: [(index: Int, encoded: Bool, value: [UInt8])] = []
        for s in sorted {
            if s.index == expected { contiguous.append(s); expected += 1 } else { break }
        }
        if contiguous.count != sorted.count {
            issues.append((ParseFinding.Code.rfc2231Gap, "\(name): sections \(sorted.map(\.index)) are not 0…n without gaps"))
            if !contiguous.isEmpty { used = contiguous }
        }
        var charset: String?
        var bytes: [UInt8] = []
        for (k, s) in used.enumerated() {
            var v = s.value
            if k == 0, s.encoded {
                // charset'language'value
                if let q1 = v.firstIndex(of: 0x27), let q2 = v[(q1 + 1)...].firstIndex(of: 0x27) {
                    let cs = String(decoding: v[..<q1], as: UTF8.self)
                    charset = cs.isEmpty ? nil : cs
                    v = Array(v[(q2 + 1)...])
                } else {
                    issues.append((ParseFinding.Code.rfc2231Malformed, "\(name): no charset'lang' prefix"))
                }
            }
            bytes += s.encoded ? Self.percentDecoded(v) : v
        }
        let r = Charsets.decode(bytes, charset: charset ?? "utf-8")
        if !r.known, let charset { issues.append((ParseFinding.Code.unknownCharset, "\(name): charset \(charset)")) }
        return r.text
    }

    private static func percentDecoded(_ v: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(v.count)
        var i = 0
        while i < v.count {
            if v[i] == 0x25, i + 2 < v.count, let h = ByteText.hexValue(v[i + 1]), let l = ByteText.hexValue(v[i + 2]) {
                out.append(h << 4 | l)
                i += 3
            } else {
                out.append(v[i])
                i += 1
            }
        }
        return out
    }

    private static func skipCFWS(_ b: [UInt8], _ i: inout Int) {
        while i < b.count {
            if ByteText.isWhitespace(b[i]) { i += 1 } else if b[i] == 0x28 { skipComment(b, &i) } else { return }
        }
    }

    /// Skips a (possibly nested) comment starting at `(`.
    ///
    /// Leaves `i` at most `b.count`: a backslash as the last byte escapes nothing (stepping past the
    /// end would make the caller slice beyond the array and trap).
    private static func skipComment(_ b: [UInt8], _ i: inout Int) {
        var depth = 0
        while i < b.count {
            switch b[i] {
            case 0x5C where i + 1 < b.count: i += 1  // backslash escape
            case 0x28: depth += 1
            case 0x29:
                depth -= 1
                if depth == 0 { i += 1; return }
            default: break
            }
            i += 1
        }
    }

    /// Reads a quoted-string starting at `"`, unescaping backslashes; runs to the end if unterminated.
    private static func quoted(_ b: [UInt8], _ i: inout Int) -> [UInt8] {
        var out: [UInt8] = []
        i += 1
        while i < b.count {
            let c = b[i]
            if c == 0x5C, i + 1 < b.count {
                out.append(b[i + 1])
                i += 2
                continue
            }
            i += 1
            if c == 0x22 { return out }
            out.append(c)
        }
        return out
    }
}
