/// Script analysis of host labels: the mixed-script (Latin with Cyrillic or Greek) and confusable
/// checks of UTS #39, reduced to what phishing uses.
///
/// A label such as `pаypal` (Cyrillic `а`) renders like the Latin original. Whole-script
/// Cyrillic labels (`пример`) are normal and not flagged; mixing within one label is.
enum HostScript {
    enum Script: Hashable { case latin, cyrillic, greek, other }

    /// The scripts of the letters in `label` (digits, hyphens and marks are neutral).
    static func scripts(of label: String) -> Set<Script> {
        var found: Set<Script> = []
        for scalar in label.unicodeScalars {
            switch scalar.value {
            case 0x41...0x5A, 0x61...0x7A, 0xC0...0x24F, 0x1E00...0x1EFF, 0xFF21...0xFF3A, 0xFF41...0xFF5A:
                found.insert(.latin)
            case 0x400...0x52F, 0x1C80...0x1C8F, 0x2DE0...0x2DFF, 0xA640...0xA69F:
                found.insert(.cyrillic)
            case 0x370...0x3FF, 0x1F00...0x1FFF:
                found.insert(.greek)
            case 0x30...0x39, 0x2D, 0x5F, 0x300...0x36F:
                continue
            default:
                if scalar.properties.isAlphabetic { found.insert(.other) }
            }
        }
        return found
    }

    /// Whether one label mixes Latin with Cyrillic or Greek letters.
    static func isMixedScript(_ label: String) -> Bool {
        let found = scripts(of: label)
        return found.contains(.latin) && (found.contains(.cyrillic) || found.contains(.greek))
    }

    /// Letters of Cyrillic and Greek that render like Latin letters, mapped to those letters.
    static let confusables: [Unicode.Scalar: Character] = [
        "\u{0430}": "a", "\u{0435}": "e", "\u{043E}": "o", "\u{0440}": "p", "\u{0441}": "c",
        "\u{0445}": "x", "\u{0443}": "y", "\u{0456}": "i", "\u{0458}": "j", "\u{0455}": "s",
        "\u{04BB}": "h", "\u{0501}": "d", "\u{051B}": "q", "\u{051D}": "w", "\u{0261}": "g",
        "\u{03BF}": "o", "\u{03B1}": "a", "\u{03BD}": "v", "\u{03C1}": "p", "\u{03B9}": "i",
        "\u{03BA}": "k", "\u{03C4}": "t", "\u{03C5}": "u", "\u{0391}": "a", "\u{0392}": "b",
        "\u{0395}": "e", "\u{0397}": "h", "\u{0399}": "i", "\u{039A}": "k", "\u{039C}": "m",
        "\u{039D}": "n", "\u{039F}": "o", "\u{03A1}": "p", "\u{03A4}": "t", "\u{03A7}": "x",
        "\u{0410}": "a", "\u{0412}": "b", "\u{0415}": "e", "\u{041A}": "k", "\u{041C}": "m",
        "\u{041D}": "h", "\u{041E}": "o", "\u{0420}": "p", "\u{0421}": "c", "\u{0422}": "t",
        "\u{0425}": "x",
    ]

    /// The Latin "skeleton" of a host: confusable letters replaced by the Latin ones they imitate,
    /// so `pаypal.com` (Cyrillic `а`) compares equal to `paypal.com`.
    static func skeleton(_ host: String) -> String {
        var out = ""
        for scalar in host.unicodeScalars {
            if let latin = confusables[scalar] { out.append(latin) } else { out.unicodeScalars.append(scalar) }
        }
        return out.lowercased()
    }
}
