/// What a file name really says once the tricks are undone, and which tricks were used.
///
/// The effective name is what Windows would save and show the extension of: bidi controls and
/// invisible characters removed (`invoice\u{202E}fdp.exe` is an `.exe`), directory parts dropped,
/// trailing dots and blanks cut (`a.exe.` is an `.exe`). Names arrive already decoded by MoatMessage
/// (RFC 2047/2231, any charset).
struct FilenameAnalysis: Sendable, Equatable {
    /// The name as given.
    let original: String
    /// The name as the recipient's system would store it.
    let effectiveName: String
    /// Lowercased extensions, outermost last (`invoice.pdf.exe` → `["pdf", "exe"]`), blanks trimmed.
    let extensions: [String]
    /// Bidi controls found (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C).
    let bidiControls: [Unicode.Scalar]
    /// Zero-width and other invisible characters found (U+200B–U+200D, U+2060, U+FEFF, U+00AD, U+180E).
    let invisibleCount: Int
    /// C0 or C1 control characters (NUL, CR, LF, …) or DEL.
    let hasControlCharacters: Bool
    /// `/`, `\` or a drive prefix `C:` in the name.
    let hasPathParts: Bool
    /// Trailing dots or blanks that Windows drops.
    let hadTrailingDotsOrBlanks: Bool
    /// The longest run of blank characters (spaces, no-break, ideographic, braille and Hangul fillers).
    let longestBlankRun: Int

    /// The outermost extension, if any.
    var finalExtension: String? { extensions.last }

    init(_ name: String) {
        original = name
        var bidi: [Unicode.Scalar] = []
        var invisible = 0
        var control = false
        var kept = String.UnicodeScalarView()
        var run = 0
        var longest = 0
        for scalar in name.unicodeScalars {
            if Self.isBidiControl(scalar) {
                bidi.append(scalar)
                continue
            }
            if Self.isInvisible(scalar) {
                invisible += 1
                continue
            }
            if Self.isControl(scalar) {
                control = true
                continue
            }
            if Self.isBlank(scalar) {
                run += 1
                longest = max(longest, run)
            } else {
                run = 0
            }
            kept.append(scalar)
        }
        var cleaned = String(kept)
        var pathParts = false
        if let separator = cleaned.lastIndex(where: { $0 == "/" || $0 == "\\" }) {
            pathParts = true
            cleaned = String(cleaned[cleaned.index(after: separator)...])
        }
        let scalars = Array(cleaned.unicodeScalars)
        if scalars.count >= 2, scalars[1] == ":", ("A"..."Z").contains(scalars[0]) || ("a"..."z").contains(scalars[0]) {
            pathParts = true
            cleaned = String(String.UnicodeScalarView(scalars.dropFirst(2)))
        }
        var trimmed = cleaned.unicodeScalars
        var trailing = false
        while let last = trimmed.last, last == "." || Self.isBlank(last) {
            trimmed.removeLast()
            trailing = true
        }
        effectiveName = String(trimmed)
        let pieces = effectiveName.split(separator: ".", omittingEmptySubsequences: false)
        extensions = pieces.dropFirst().map { piece in
            String(String.UnicodeScalarView(piece.unicodeScalars.filter { !Self.isBlank($0) })).lowercased()
        }.filter { !$0.isEmpty }
        bidiControls = bidi
        invisibleCount = invisible
        hasControlCharacters = control
        hasPathParts = pathParts
        hadTrailingDotsOrBlanks = trailing
        longestBlankRun = longest
    }

    static func isBidiControl(_ s: Unicode.Scalar) -> Bool {
        (0x202A...0x202E).contains(s.value) || (0x2066...0x2069).contains(s.value)
            || s.value == 0x200E || s.value == 0x200F || s.value == 0x061C
    }

    static func isInvisible(_ s: Unicode.Scalar) -> Bool {
        (0x200B...0x200D).contains(s.value) || s.value == 0x2060 || s.value == 0xFEFF || s.value == 0x00AD
            || s.value == 0x180E
    }

    static func isControl(_ s: Unicode.Scalar) -> Bool {
        s.value < 0x20 || (0x7F...0x9F).contains(s.value)
    }

    static func isBlank(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x20, 0xA0, 0x1680, 0x2000...0x200A, 0x202F, 0x205F, 0x3000, 0x2800, 0x3164, 0x115F, 0x1160, 0xFFA0:
            return true
        default:
            return false
        }
    }

    /// `name` with every character that hides or reorders text shown as `<U+202E>`, for finding details.
    static func printable(_ name: String) -> String {
        var out = ""
        for scalar in name.unicodeScalars {
            if isBidiControl(scalar) || isInvisible(scalar) || isControl(scalar) || (isBlank(scalar) && scalar != " ") {
                out += "<U+" + String(String(scalar.value, radix: 16, uppercase: true).leftPadded(to: 4)) + ">"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
