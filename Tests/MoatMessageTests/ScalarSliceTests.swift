import MailTestSupport
import MoatMessage
import Testing

/// Runs of scalars made into strings: the text the scalars spell, whatever their widths, and
/// slices that do not start at zero.
@Suite struct ScalarSliceTests {
    @Test func aRunSpellsItsScalars() {
        var random = TestRandom(seed: 5)
        let pieces = ["a", "<td>", " ", "é", "日本", "🙂", "\u{0}", "\u{7F}", "\u{80}", "\u{7FF}", "\u{800}", "\u{FFFF}", "\u{10000}", "\u{10FFFF}", "long ascii run of text"]
        for text in random.texts(from: pieces, count: 500, maxPieces: 12) + [""] {
            let scalars = Array(text.unicodeScalars)
            #expect(String(encoding: scalars[...]) == text)
            if scalars.count > 2 {
                let inner = scalars[1..<(scalars.count - 1)]
                #expect(String(encoding: inner) == String(String.UnicodeScalarView(inner)))
            }
        }
    }
}
