import MailTestSupport
import Testing
@testable import MoatURL

/// The byte-level answers of `TextLinkScanner` agree with the scalar definitions they shortcut.
@Suite struct TextLinkScannerFastPathTests {
    @Test func bareDomainOnBytesAgreesWithScalars() {
        var random = TestRandom(seed: 0x5CA1_AB1E_0DD5_EED5)
        let pieces = ["example", "com", "zip", "xn--p1ai", ".", ".", "-", "_", "/", "?", "#", "@", ":", "80", "a", "Q",
                      "co", "uk", "!", ",", "\"", "'", ">", "<", "*", "|", "`", "9", String(repeating: "x", count: 64)]
        var agreed = 0
        for token in random.texts(from: pieces, count: 20_000, maxPieces: 8) {
            let lower = token.lowercased()
            let fast = TextLinkScanner.looksLikeBareDomain(lower)
            #expect(fast == TextLinkScanner.looksLikeBareDomainScalars(lower), "\(lower)")
            if fast { agreed += 1 }
        }
        // The draw must reach both answers, or the comparison proves little.
        #expect(agreed > 500)
    }

    @Test func punctuationSwitchesAgreeWithTheSets() {
        for value in UInt32(0)..<0x80 {
            let scalar = Unicode.Scalar(value)!
            #expect(TextLinkScanner.isLeadingPunctuation(scalar) == TextLinkScanner.leadingPunctuation.contains(scalar))
            #expect(TextLinkScanner.isTrailingPunctuation(scalar) == TextLinkScanner.trailingPunctuation.contains(scalar))
        }
    }
}
