import MoatMessage

/// Decodes HTML character references (`&#104;`, `&#x68;`, `&colon;`, `&amp;`) as browsers do
/// for attribute values and text; unknown names are left as written.
enum HTMLEntities {
    /// Named references that matter in links and their text.
    static let named: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": " ", "colon": ":",
        "sol": "/", "bsol": "\\", "period": ".", "fullstop": ".", "commat": "@", "quest": "?",
        "equals": "=", "num": "#", "percnt": "%", "plus": "+", "lpar": "(", "rpar": ")",
        "lsqb": "[", "rsqb": "]", "lbrack": "[", "rbrack": "]", "tilde": "~", "lowbar": "_",
        "hyphen": "-", "dash": "-", "semi": ";", "comma": ",", "excl": "!", "dollar": "$",
        "ast": "*", "midast": "*", "verbar": "|", "vert": "|", "Tab": "\t", "NewLine": "\n",
        "shy": "\u{00AD}", "zwj": "\u{200D}", "zwnj": "\u{200C}", "ZeroWidthSpace": "\u{200B}",
        "copy": "©", "reg": "®", "hellip": "…", "middot": "·", "rsquo": "’", "lsquo": "‘",
        "rdquo": "”", "ldquo": "“", "ndash": "–", "mdash": "—", "laquo": "«", "raquo": "»",
    ]
    /// Names browsers accept without the final `;` (legacy), among those above.
    static let legacy: Set<String> = ["amp", "lt", "gt", "quot", "nbsp", "copy", "reg", "shy", "laquo", "raquo", "middot"]

    static func decode(_ text: String) -> String {
        guard text.utf8.contains(0x26) else { return text }
        let scalars = Array(text.unicodeScalars)
        // The result is built as UTF-8 bytes: appending to a `String.UnicodeScalarView` scalar by
        // scalar was a fifth of the url engine's link scan.
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        var i = 0
        while i < scalars.count {
            guard scalars[i] == "&", i + 1 < scalars.count else {
                out.appendUTF8(scalars[i])
                i += 1
                continue
            }
            if scalars[i + 1] == "#" {
                var j = i + 2
                var hex = false
                if j < scalars.count, scalars[j] == "x" || scalars[j] == "X" { hex = true; j += 1 }
                let digitsStart = j
                var value: UInt32 = 0
                while j < scalars.count, j - digitsStart < 8, let d = digit(scalars[j], hex: hex) {
                    value = value * (hex ? 16 : 10) + d
                    j += 1
                }
                if j > digitsStart {
                    if j < scalars.count, scalars[j] == ";" { j += 1 }
                    out.appendUTF8(Unicode.Scalar(value == 0 ? 0xFFFD : value) ?? "\u{FFFD}")
                    i = j
                    continue
                }
            } else {
                var j = i + 1
                while j < scalars.count, j - i <= 32, scalars[j].properties.isAlphabetic || ("0"..."9").contains(scalars[j]) { j += 1 }
                let name = String(encoding: scalars[(i + 1)..<j])
                if let replacement = named[name] ?? named[name.lowercased()] {
                    let terminated = j < scalars.count && scalars[j] == ";"
                    if terminated || legacy.contains(name) {
                        out.append(contentsOf: replacement.utf8)
                        i = terminated ? j + 1 : j
                        continue
                    }
                }
            }
            out.appendUTF8(scalars[i])
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func digit(_ scalar: Unicode.Scalar, hex: Bool) -> UInt32? {
        switch scalar.value {
        case 0x30...0x39: scalar.value - 0x30
        case 0x41...0x46 where hex: scalar.value - 0x41 + 10
        case 0x61...0x66 where hex: scalar.value - 0x61 + 10
        default: nil
        }
    }
}
