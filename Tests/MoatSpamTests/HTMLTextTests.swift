import MailTestSupport
import MoatMessage
import Testing
@testable import MoatSpam

/// The renderer's byte-level text helpers must equal the `String` definitions they replaced.
@Suite struct HTMLTextTests {
    static let pieces: [String] = [
        " ", "\t", "\n", "\r\n", "\r", "\u{0B}", "\u{0C}", "\u{1C}", "\u{85}", "\u{A0}", "\u{2003}", "\u{3000}", "a", "Z", "<",
        "\u{A0}\u{A0}", "\u{AD}", "\u{2FF}", "\u{300}", "\u{A0}\u{301}", "ñ", "ß", "\u{80}", "\u{1F}", "\r\u{A0}\n",
        "&amp;", "&", "&#233;", "&nbsp;", "é", "e\u{301}", "ж", "日本", "😀", "👍🏽", "\u{1F1EF}\u{1F1F5}", "\u{0}",
    ]

    static func randomTexts(_ count: Int) -> [String] {
        var random = TestRandom(seed: 0xD1B5_4A32_D192_ED03)
        return random.texts(from: pieces, count: count, maxPieces: 100)
    }

    @Test func visibleCharactersCountsNonWhitespaceCharacters() {
        for text in Self.randomTexts(2_000) + ["", "plain ascii text\r\n", "\r\n\r\n"] {
            #expect(HTMLRendering.visibleCharacters(text) == text.reduce(0) { $1.isWhitespace ? $0 : $0 + 1 }, "\(text.debugDescription)")
        }
    }

    @Test func scalarSlicesBecomeTheSameString() {
        for text in Self.randomTexts(500) {
            let scalars = Array(text.unicodeScalars)
            let cut = scalars.count / 3
            #expect(String(encoding: scalars[...]) == text)
            #expect(String(encoding: scalars[cut...]) == String(String.UnicodeScalarView(scalars[cut...])))
        }
    }

    @Test func entitiesDecodeAroundPlainRuns() {
        #expect(HTMLRendering.decodeEntities("a &amp; b &lt;c&gt; &#233;t&eacute &#x41;&#0; ж&") == "a & b <c> ét&eacute A&#0; ж&")
    }
}

/// The renderer's test for visible text, on bytes for ASCII, against the scalar property it replaces.
@Suite struct HTMLVisibleScalarTests {
    @Test func agreesWithTheWhitespaceProperty() {
        var random = TestRandom(seed: 9)
        let pieces = [" ", "\t", "\n", "\r", "\u{0B}", "\u{0C}", "\u{1C}", "\u{A0}", "\u{85}", "\u{2003}", "\u{3000}", "\u{200B}", "x", "é", "日"]
        for text in random.texts(from: pieces, count: 2000, maxPieces: 6) + [""] {
            let expected = text.unicodeScalars.contains { !$0.properties.isWhitespace && $0 != "\u{A0}" }
            #expect(HTMLRendering.hasVisibleScalar(text) == expected, "\(Array(text.unicodeScalars))")
        }
    }
}
