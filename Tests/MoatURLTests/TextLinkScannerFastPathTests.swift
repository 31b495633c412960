import MailTestSupport
import Testing
@testable import MoatURL

/// The byte-level answers of `TextLinkScanner` agree with the scalar definitions they shortcut.
@Suite struct TextLinkScannerFastPathTests {
    @Test func bareDomainOnBytesAgreesWithScalars() {
        var random = TestRandom(seed: 0x5CA1_AB1E_0DD5_EED5)
        let pieces = ["example", "com", "zip", "xn--p1ai", ".", ".", "-", "_", "/", "?", "#", "@", ":", "80", "a", "Q",
                      "co", "uk", "!", ",", "\"", "'", ">", "<", "*", "|", "`", "9", String(repeating: "x", count: 64)]
        let labels = ["example", "co", "uk", "com", "zip", "xn--p1ai", "a-b", "9", "Q", "_x", "", String(repeating: "y", count: 64)]
        let tails = ["", "", "/", "/x?y", ":80", ".", ",", "\"", "@", "#f", "!", ">", ")", ").", "]", "}", ")/x"]
        // Free-form tokens, and host-shaped ones (labels joined by dots, then a tail) so that
        // both answers are drawn often.
        var tokens = random.texts(from: pieces, count: 10_000, maxPieces: 8)
        for _ in 0..<10_000 {
            let count = 1 + random.next(below: 4)
            let host = (0..<count).map { _ in labels[random.next(below: labels.count)] }.joined(separator: ".")
            tokens.append(host + tails[random.next(below: tails.count)])
        }
        var agreed = 0
        for token in tokens {
            let lower = token.lowercased()
            let fast = TextLinkScanner.looksLikeBareDomain(lower)
            #expect(fast == TextLinkScanner.looksLikeBareDomainScalars(lower), "\(lower)")
            if fast { agreed += 1 }
        }
        // The draw must reach both answers, or the comparison proves little.
        #expect(agreed > 1_000)
        #expect(agreed < 18_000)
    }

    @Test func punctuationSwitchesAgreeWithTheSets() {
        for value in UInt32(0)..<0x80 {
            let scalar = Unicode.Scalar(value)!
            #expect(TextLinkScanner.isLeadingPunctuation(scalar) == TextLinkScanner.leadingPunctuation.contains(scalar))
            #expect(TextLinkScanner.isTrailingPunctuation(scalar) == TextLinkScanner.trailingPunctuation.contains(scalar))
        }
    }

    /// `mayHoldLink` turns away tokens with a bracket but no dot, colon, IDNA dot or spelled-out
    /// `dot`: the bare-domain reading it spares them never accepts one.
    @Test func bracketWithoutDotHoldsNoBareDomain() {
        var random = TestRandom(seed: 0xB4AC_E7ED_0D07_0001)
        let pieces = ["(", "[", "{", ")", "]", "}", "example", "com", "d", "o", "t", "DO", "/", "-", "@", "x", "uk", "\u{3002}"]
        var rejected = 0
        for token in random.texts(from: pieces, count: 20_000, maxPieces: 8) {
            let lower = token.lowercased()
            guard !lower.contains("."), !lower.contains(":"), !lower.contains("dot"), !lower.contains("\u{3002}") else { continue }
            #expect(!TextLinkScanner.looksLikeBareDomain(lower), "\(lower)")
            rejected += 1
        }
        #expect(rejected > 5_000)
        let found = TextLinkScanner.candidates(in: "see (this) and [1] then example[dot]com or visit mail.example.org, {x}", limit: 10).map(\.raw)
        #expect(found == ["example[dot]com", "mail.example.org"])
    }

    /// The byte readings of ASCII text agree with the character ones they replace.
    @Test func asciiByteReadingsAgree() {
        var random = TestRandom(seed: 0xA5C1_1B17_E500_0002)
        let pieces = [" ", "  ", "\t", "\n", "\r\n", "\u{0B}", "\u{0C}", "\u{1C}", "\u{85}", "\u{A0}", "word", "x", "é", "日本",
                      "http://a.example/", "&amp;", ""]
        var ascii = 0
        for text in random.texts(from: pieces, count: 20_000, maxPieces: 10) {
            if text.utf8.allSatisfy({ $0 < 0x80 }) { ascii += 1 }
            #expect(HTMLLinkScanner.collapseWhitespace(text) == text.split(whereSeparator: { $0.isWhitespace }).joined(separator: " "),
                    "\(Array(text.unicodeScalars))")
            #expect(TextLinkScanner.scalarArray(text) == Array(text.unicodeScalars))
        }
        // Both readings must be exercised.
        #expect(ascii > 1_000 && ascii < 19_000)
    }
}
