import Foundation
import MailTestSupport
import Testing
@testable import MoatSpam

/// `check_abundant_unicode_ratio` counts numeric entities on bytes; the count must equal the
/// regular expression's (`&#x?[0-9a-fA-F]{2,5};`, what the eval used before).
@Suite struct NumericEntityCountTests {
    @Test func equalsTheRegexOnRandomText() throws {
        let regex = try NSRegularExpression(pattern: "&#x?[0-9a-fA-F]{2,5};")
        let pieces = ["&", "#", "x", "X", ";", "0", "9", "a", "F", "g", "&#", "&#x", "1234", "abcdef", " ", "é", "\u{FFFD}", "&#&#x41;"]
        var random = TestRandom(seed: 0x1234_5678_9ABC_DEF1)
        for text in random.texts(from: pieces, count: 5_000, maxPieces: 36) {
            let expected = regex.numberOfMatches(in: text, range: NSRange(text.startIndex..., in: text))
            #expect(EvalLibrary.numericEntityCount(Array(text.utf8)) == expected, "\(text.debugDescription)")
        }
        #expect(EvalLibrary.numericEntityCount(Array("&#x41;&#66;&#x1F600;&#1234567;&#xZZ;".utf8)) == 3)
    }
}
