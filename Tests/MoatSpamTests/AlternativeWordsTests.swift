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
}
