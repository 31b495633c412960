import MailTestSupport
import Testing
@testable import MoatSpam

/// Words of `multipart/alternative` halves split on bytes agree with the character split.
@Suite struct AlternativeWordsTests {
    @Test func bytesAgreeWithCharacters() {
        var random = TestRandom(seed: 0xA17E_4A7E)
        let pieces = ["word", "_", "-", "42", "...", " ", "\t", "\n", "\r\n", "\r", "\u{0B}", "\u{0C}", "é", "日本", "x", "!?", "\u{A0}"]
        var words = 0
        for text in random.texts(from: pieces, count: 5_000, maxPieces: 16) {
            let split = AlternativeDifference.words(text)
            #expect(split == AlternativeDifference.characterWords(text), "\(text.debugDescription)")
            words += split.count
        }
        #expect(words > 5_000)
    }

    /// Text before the combining marks splits on scalars exactly as on grapheme clusters; other
    /// text is left to the grapheme split.
    @Test func latinScalarsAgreeWithGraphemes() {
        var random = TestRandom(seed: 0xA17E_4A7F)
        let pieces = ["word", "_", "-", "42", " ", "\t", "\n", "\r\n", "\r", "\u{0B}", "\u{1C}", "é", "ß", "µ", "ª", "²", "¼",
                      "\u{A0}", "\u{85}", "\u{AD}", "«»", "×", "ǅ", "ʰ", "\u{2FF}"]
        var words = 0
        for text in random.texts(from: pieces, count: 5_000, maxPieces: 16) {
            let split = AlternativeDifference.latinWords(text)
            #expect(split == AlternativeDifference.graphemeWords(text), "\(text.debugDescription)")
            words += split?.count ?? 0
        }
        #expect(words > 5_000)
        for other in ["e\u{301}t\u{E9} x", "日本 語", "a\u{300}"] { #expect(AlternativeDifference.latinWords(other) == nil) }
        #expect(AlternativeDifference.characterWords("e\u{301}t\u{E9} x") == ["e\u{301}t\u{E9}", "x"])
    }
}
