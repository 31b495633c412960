import Foundation
import MailTestSupport
import MoatMessage
import Testing

/// The byte searches that replace Foundation's `contains` and case-insensitive `range(of:)` in
/// parsers: the same answers on text where they apply (canonical equivalence aside).
@Suite struct StringSearchTests {
    static let pieces = ["%", "%2F", "@", ".", "://", "=?", "?", "<", ">", "a", "B", "ab", "AB", "é", "ü", "日本", "🙂",
                         " ", "\t", "x", "http", "HTTP", "example", "Example.COM", "--", "=?utf-8?q?", "\u{00A0}"]

    @Test func containsBytesAgreesWithFoundation() {
        var random = TestRandom(seed: 7)
        let texts = random.texts(from: Self.pieces, count: 400, maxPieces: 8) + [""]
        let needles = ["%", "@", ".", "://", "=?", "?", "ab", "AB", "é", "日本", "🙂", "http", "example", "", "\u{00A0}"]
        for text in texts {
            for needle in needles {
                #expect(text.containsBytes(needle) == (needle.isEmpty || text.range(of: needle) != nil), "\(text) \(needle)")
                #expect(text[...].containsBytes(needle) == text.containsBytes(needle))
            }
        }
    }

    @Test func caseInsensitiveAgreesWithFoundationOnASCII() {
        var random = TestRandom(seed: 8)
        let texts = random.texts(from: Self.pieces, count: 400, maxPieces: 8) + [""]
        let needles = ["ab", "AB", "Ab", "http", "EXAMPLE", "example.com", "x", "é", "日本", ""]
        var asked = 0
        for text in texts {
            for needle in needles {
                guard let fast = text.containsASCIICaseInsensitive(needle) else {
                    #expect(!text.allSatisfy(\.isASCII) || !needle.allSatisfy(\.isASCII))
                    continue
                }
                asked += 1
                #expect(fast == (needle.isEmpty || text.range(of: needle, options: .caseInsensitive) != nil), "\(text) \(needle)")
            }
        }
        #expect(asked > 500)
    }
}
