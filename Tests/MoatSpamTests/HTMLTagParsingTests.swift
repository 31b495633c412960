import MailTestSupport
import Testing
@testable import MoatSpam

/// Tags read on their bytes (ASCII without CR LF) agree with the reading on characters.
@Suite struct HTMLTagParsingTests {
    @Test func bytesAgreeWithCharacters() {
        var random = TestRandom(seed: 0x7A6_5EED_0042)
        let pieces = ["/", "a", "IMG", "font", " ", "\t", "\n", "\r", "=", "\"", "'", "href", "SRC", "x", "=\"v w\"",
                      "='q'", "size=+2", "//", "color=#ff0000", "é", "\r\n", ">", "<", "\u{301}"]
        var fast = 0
        for inner in random.texts(from: pieces, count: 20_000, maxPieces: 10) {
            let parsed = HTMLRendering.parseTag(inner)
            let reference = HTMLRendering.parseTagCharacters(inner)
            #expect(parsed.0 == reference.0 && parsed.1 == reference.1 && parsed.2 == reference.2, "\(inner.debugDescription)")
            if inner.utf8.allSatisfy({ $0 < 0x80 }) { fast += 1 }
        }
        #expect(fast > 5_000)
    }

    /// A CR LF pair inside a tag is one character and no separator in the character reading
    /// (the byte reading would split there): such tags keep the character reading.
    @Test func crlfKeepsTheCharacterReading() {
        let parsed = HTMLRendering.parseTag("a\r\nhref=x")
        #expect(parsed.0 == "a\r\nhref=x")
        #expect(parsed.2.isEmpty)
    }
}
