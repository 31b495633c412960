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

    /// A message whose paragraphs are partly ASCII: the ASCII ones are scanned with the twin and
    /// only the others with the full database. Every rule hits as often as PCRE2 alone finds it,
    /// wherever its match lies: a look-alike only the full database holds in a non-ASCII
    /// paragraph, the refused look-alike in either, a counted rule across both.
    @Test func mixedParagraphsHitAsPCRE2AloneFindsThem() {
        let set = Fixtures.compile("""
            body LOOKALIKE_PASSWORD /\(Self.lookalike("password"))/i
            score LOOKALIKE_PASSWORD 1.0
            body SHORT_LOOKALIKE /v(?:i|\\xc3\\xad|\\xc3\\xac)agra/i
            score SHORT_LOOKALIKE 1.0
            body COUNTED_PASS /\\bpass\\w*/i
            tflags COUNTED_PASS multiple maxhits=9
            score COUNTED_PASS 0.1
            body THREE_FIELDS /(?:(?:name|city|address)[:,]?\\s){3}/i
            score THREE_FIELDS 1.0
            body STARTS_CAFE /^caf/
            score STARTS_CAFE 1.0
            """)
        // Refused by the full database and held by the twin: both databases are in play.
        #expect(set.summary.pcreOnly == 1)
        #expect(set.summary.pcreOnlyOnASCII == 0)
        let words = ["password", "p\u{20A0}ssword", "viagra", "v\u{ED}agra", "caf\u{E9}", "cafe", "name", "city,", "address:",
                     "pass", "passage", "hello", "na\u{EF}ve", "the", "\u{201C}quoted\u{201D}"]
        var random = TestRandom(seed: 0x5EED_A5C1)
        var mixed = 0
        var hits = 0
        for _ in 0..<150 {
            let paragraphs = (0..<(1 + random.next(below: 5))).map { _ in
                (0..<(1 + random.next(below: 7))).map { _ in words[random.next(below: words.count)] }.joined(separator: " ")
            }
            let ascii = paragraphs.map { $0.unicodeScalars.allSatisfy(\.isASCII) }
            if ascii.contains(true), ascii.contains(false) { mixed += 1 }
            let message = Fixtures.message("From: a@example.com\nTo: b@example.org\nSubject: x\n"
                + "Content-Type: text/plain; charset=utf-8\n\n" + paragraphs.joined(separator: "\n\n") + "\n")
            let found = Fixtures.hits(set, message, prefilter: true)
            #expect(found == Fixtures.hits(set, message, prefilter: false), "\(paragraphs)")
            hits += found.values.reduce(0, +)
        }
        #expect(mixed > 40)
        #expect(hits > 300)
    }
}
