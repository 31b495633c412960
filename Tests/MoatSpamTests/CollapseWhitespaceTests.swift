import MailTestSupport
import Testing
@testable import MoatSpam

/// The byte-level whitespace collapse must equal SpamAssassin's scalar-level definition
/// (`s/\n+\s*\n+/\x00/g; s/\s+/ /g; tr/\x00/\n/` with Unicode's White_Space) on any text.
@Suite struct CollapseWhitespaceTests {
    /// The definition, scalar by scalar: what the engine computed before it worked on bytes.
    static func reference(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        var pendingSpace = false
        var newlines = 0
        for scalar in text.unicodeScalars {
            if scalar.properties.isWhitespace {
                pendingSpace = true
                if scalar == "\n" { newlines += 1 }
                continue
            }
            if pendingSpace {
                out.append(newlines >= 2 ? "\n" : " ")
                pendingSpace = false
                newlines = 0
            }
            out.append(scalar)
        }
        if pendingSpace { out.append(newlines >= 2 ? "\n" : " ") }
        return String(out)
    }

    @Test func matchesTheScalarDefinitionOnRandomText() {
        // Every whitespace scalar Unicode has, their UTF-8 neighbours that are not whitespace,
        // and ordinary letters in several scripts.
        let pieces: [String] = [
            " ", "\t", "\n", "\r", "\u{0B}", "\u{0C}", "\u{85}", "\u{A0}", "\u{1680}", "\u{2000}", "\u{2005}", "\u{200A}",
            "\u{2028}", "\u{2029}", "\u{202F}", "\u{205F}", "\u{3000}", "\u{200B}", "\u{2030}", "\u{205E}", "\u{3001}",
            "\u{1681}", "\u{84}", "\u{A1}", "a", "Z", "é", "ж", "日本", "😀", "x\u{301}", "\n\n", "  ",
        ]
        var random = TestRandom(seed: 0x9E37_79B9_7F4A_7C15)
        for text in random.texts(from: pieces, count: 3_000, maxPieces: 100) {
            #expect(RuleSubjects.collapseWhitespace(text) == Self.reference(text), "\(text.debugDescription)")
        }
        #expect(RuleSubjects.collapseWhitespace("a \u{3000}\n b\n\n\u{A0}c ") == "a b\nc ")
    }
}
