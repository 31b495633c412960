import Foundation
import MailTestSupport
import Testing
@testable import MoatSpam

/// A look-alike rule spelled past Hyperscan's 16,000-character limit is refused by the full
/// database, so PCRE2 checks it on every text; on ASCII text its narrowed form is short enough for
/// the ASCII twin, which then names it only where it can match.
@Suite struct ASCIITwinRescueTests {
    /// `word` with each letter also spelled as 160 three-byte look-alikes (`\xe2\x82\x80`…).
    static func lookalike(_ word: String) -> String {
        word.map { letter in
            let alternatives = (0..<160).map { n in String(format: "\\xe2\\x%02x\\x%02x", 0x82 + n / 64, 0x80 + n % 64) }
            return "(?:\(letter)|" + alternatives.joined(separator: "|") + ")"
        }.joined()
    }

    @Test func aRefusedLookalikeRuleIsPrefilteredOnASCIIText() {
        let pattern = Self.lookalike("password")
        #expect(pattern.utf8.count > 16_000)
        let set = Fixtures.compile("""
            body LOOKALIKE_PASSWORD /\(pattern)/i
            score LOOKALIKE_PASSWORD 1.0
            body PLAIN_HELLO /hello/i
            score PLAIN_HELLO 1.0
            """)
        // Refused by the full database, held by the twin.
        #expect(set.summary.pcreOnly == 1)
        #expect(set.summary.pcreOnlyOnASCII == 0)
        let ascii = Fixtures.message("From: a@example.com\nTo: b@example.org\nSubject: x\n\nhello, your Password is here\n")
        let spelled = Fixtures.message("From: a@example.com\nTo: b@example.org\nSubject: x\nContent-Type: text/plain; charset=utf-8\n\nyour p\u{20A0}ssword is here\n")
        let clean = Fixtures.message("From: a@example.com\nTo: b@example.org\nSubject: x\n\nnothing to see\n")
        for message in [ascii, spelled, clean] {
            #expect(Fixtures.hits(set, message, prefilter: true) == Fixtures.hits(set, message, prefilter: false))
        }
        #expect(Fixtures.hits(set, ascii)["LOOKALIKE_PASSWORD"] == 1)
        #expect(Fixtures.hits(set, spelled)["LOOKALIKE_PASSWORD"] == 1)
        #expect(Fixtures.hits(set, clean)["LOOKALIKE_PASSWORD"] == nil)
    }
}
