import Foundation
import MailTestSupport
import Testing
@testable import MoatSpam

/// Byte readings that stand in for a regex in the evals answer as the regex does.
@Suite struct EvalFastPathTests {
    @Test("colour channels: the bytes read what SpamAssassin's `#rrggbb` regex reads")
    func colourChannels() {
        let regex = PerlPattern(#"^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$"#)
        let pieces = ["#", "##", "a", "f", "0", "9", "g", "A", "F", "ab", "c0ffee", "\n", " ", "é", "12345", "\r"]
        var random = TestRandom(seed: 0x0C01_0F00_BEEF_0001)
        for text in random.texts(from: pieces, count: 5_000, maxPieces: 6) + ["#c0ffee\n", "c0ffee", "#C0FFEE", "#c0ffee\n\n", ""] {
            let expected = regex.match(text).map { m in
                (Int(m.text(1), radix: 16) ?? -1, Int(m.text(2), radix: 16) ?? -1, Int(m.text(3), radix: 16) ?? -1)
            }
            let found = HTMLColor.channels(text)
            #expect(found.map { [$0.0, $0.1, $0.2] } == expected.map { [$0.0, $0.1, $0.2] }, "\(text.debugDescription)")
        }
        #expect(HTMLColor.channels("#0a0b0c").map { [$0.0, $0.1, $0.2] } == [10, 11, 12])
    }

    @Test("unresolved templates: the bytes find SpamAssassin's `%[A-Z][A-Z_-]`, and X- fields are told apart")
    func unresolvedTemplate() {
        let regex = PerlPattern(#"%[A-Z][A-Z_-]"#)
        let pieces = ["%", "%%", "A", "Z", "_", "-", "a", "%A", "%AB", "%A_", "%A-", "%a", " ", "é", "1", "["]
        var random = TestRandom(seed: 0x7E3A_1A7E_0000_0002)
        for text in random.texts(from: pieces, count: 5_000, maxPieces: 8) {
            #expect(EvalLibrary.hasUnresolvedTemplate(text) == regex.matches(text), "\(text.debugDescription)")
        }
        for (name, extensionField) in [("X-Mailer", true), ("x-spam", true), ("X", false), ("Xmailer", false), ("From", false), ("", false)] {
            #expect(EvalLibrary.isExtensionField(name) == extensionField, "\(name)")
            #expect(EvalLibrary.isExtensionField(name) == name.lowercased().hasPrefix("x-"), "\(name)")
        }
    }

    @Test("replace finds its first match in place, and rewrites as Perl's s///(g) does")
    func replaceInPlace() {
        let strip = PerlPattern("[\\s\\x00#\\[\\]()<>|]")
        var clean = "mail.example.com"
        #expect(!strip.replace(in: &clean, global: true, with: "!"))
        #expect(clean == "mail.example.com")
        var dirty = "[mail] (x)"
        #expect(strip.replace(in: &dirty, global: true, with: "!"))
        #expect(dirty == "!mail!!!x!")
        var once = "a,  b, c"
        #expect(PerlPattern(#",\s*"#).replace(in: &once, with: " "))
        #expect(once == "a b, c")
        // An empty match advances by one character, as Perl's does.
        var empty = "abc"
        #expect(PerlPattern("x*").replace(in: &empty, global: true, with: "-"))
        #expect(empty == "-a-b-c-")
    }

    @Test("the per-thread match scratch gives every thread its own answers")
    func scratchPerThread() async {
        let pattern = PerlPattern(#"^(\S+) \((\S+) \[(\d+\.\d+\.\d+\.\d+)\]\) by (\S+) "#)
        let results = await withTaskGroup(of: Bool.self) { group in
            for n in 0..<16 {
                group.addTask {
                    (0..<500).allSatisfy { i in
                        let header = "host\(n) (rdns\(i) [10.0.\(n).\(i % 250)]) by mx\(i).example "
                        guard let m = pattern.match(header) else { return false }
                        return m.text(1) == "host\(n)" && m.text(2) == "rdns\(i)" && m.text(3) == "10.0.\(n).\(i % 250)"
                            && m.text(4) == "mx\(i).example"
                    }
                }
            }
            var all: [Bool] = []
            for await ok in group { all.append(ok) }
            return all
        }
        #expect(results.count == 16 && results.allSatisfy { $0 })
    }

    @Test("a plain literal pattern is searched without PCRE2, with PCRE2's answers")
    func literalPatterns() throws {
        let literals = [" by ", "Exim", #" \(Postfix\) with"#, #"aol\.com"#, #"\[XMail "#, " SMTPSVC", #"a\ b"#]
        let notLiterals = [#"\bwith\b"#, "a.b", "^from ", "x$", "a|b", "ab?", #"\d"#, #"\x41"#, "é", "(a)", "[ab]", "a{2}", #"a\"#, "a#b", ""]
        for pattern in literals { #expect(PerlPattern(pattern).literal != nil, "\(pattern)") }
        for pattern in notLiterals { #expect(RequiredLiteral.read(pattern)?.plainLiteral == nil, "\(pattern)") }
        #expect(PerlPattern("Exim", caseless: true).literal == nil)
        #expect(PerlPattern(#" \(Postfix\) with"#).literal == Array(" (Postfix) with".utf8))
        let pieces = ["by", " by ", "b", "y", " ", "Exim", "exim", " (Postfix) with", "(Postfix)", "aol.com", "aolxcom", "[XMail ", "SMTPSVC", " SMTPSVC", "a b", "é", "\n"]
        var random = TestRandom(seed: 0x11E7_A100_0000_0003)
        for pattern in literals {
            let viaPCRE2 = try PCRE2Pattern(pattern, options: [])
            let scratch = PCRE2MatchScratch()
            for text in random.texts(from: pieces, count: 1_000, maxPieces: 6) {
                let expected = viaPCRE2.firstMatch(in: Array(text.utf8), scratch: scratch) != nil
                #expect(PerlPattern(pattern).matches(text) == expected, "\(pattern) in \(text.debugDescription)")
            }
        }
    }

    @Test("dates in RFC 5322 layout read on the bytes as SpamAssassin's regexes read them")
    func strictDates() {
        let samples = [
            "Thu, 22 Aug 2002 18:19:08 -0700 (PDT)", "22 Aug 2002 13:27:47 +0100", "Mon, 2 Sep 2002 1:05 +0000",
            "Fri,23 Aug 2002 01:20:23 +0000", "Sat, 31 Feb 2003 25:61:61 +2400 GMT", "  Tue,  1  Oct  2002  10:00:00  -0000  ",
        ]
        for sample in samples {
            #expect(RFC822Date.strictFields(sample) != nil, "\(sample)")
            #expect(RFC822Date.strictFields(sample) == RFC822Date.fields(sample), "\(sample)")
        }
        let pieces = ["Thu,", "Thu", ", ", " ", "  ", "\t", "22", "2", "022", "Aug", "aUG", "August", "Foo", "2002", "02", "20021",
                      "13:27:47", "1:05", "13:27:4", "13:27", ":", "+0100", "-0700", "+01000", "(PDT)", "GMT", "PDT", "(x 12 Sep 2003 +0200)", "\n", "é"]
        var random = TestRandom(seed: 0xDA7E_0000_0000_0006)
        var strict = 0
        for text in random.texts(from: pieces, count: 20_000, maxPieces: 12) {
            guard let fast = RFC822Date.strictFields(text) else { continue }
            strict += 1
            #expect(fast == RFC822Date.fields(text), "\(text.debugDescription)")
        }
        // Dates built part by part, each part well formed or not, so most are in the layout.
        let parts = [
            ["", "Thu, ", "Thu,", "thu, ", "Thu ", "Th, "], ["", " ", "  "], ["1", "22", "022", "0", "x"], [" ", "  ", "\t", ""],
            ["Aug", "aug", "AUG", "August", "Agu"], [" "], ["2002", "02", "20021", "1969"], [" ", ""],
            ["13:27:47", "1:05", "13:27:4", "13:27", "25:61:61"], [" "], ["+0100", "-0700", "+01000", "GMT", "+010"],
            ["", " (PDT)", "(PDT)", " GMT", " +0500", "  ", " 12 Sep 2003"],
        ]
        for _ in 0..<40_000 {
            let text = parts.map { $0[random.next(below: $0.count)] }.joined()
            guard let fast = RFC822Date.strictFields(text) else { continue }
            strict += 1
            #expect(fast == RFC822Date.fields(text), "\(text.debugDescription)")
        }
        #expect(strict > 300)
    }

    @Test("civil-day arithmetic gives Foundation's UTC calendar's day for every date a parse can produce")
    func civilDays() {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var days = 0
        // `seconds` clamps years to 1970...2037; one year past it is compared too.
        for year in 1970...2038 {
            for month in 1...12 {
                let length = calendar.range(of: .day, in: .month, for: calendar.date(from: DateComponents(year: year, month: month))!)!.count
                for day in 1...length {
                    let expected = calendar.date(from: DateComponents(year: year, month: month, day: day))!.timeIntervalSince1970 / 86_400
                    #expect(Double(RFC822Date.daysSince1970(year: year, month: month, day: day)) == expected, "\(year)-\(month)-\(day)")
                    days += 1
                }
            }
        }
        #expect(days == 25_202)
        #expect(RFC822Date.parse("Thu, 22 Aug 2002 13:27:47 +0100") == 1_030_019_267)
        #expect(RFC822Date.parse("Sat, 31 Feb 2003 25:61:61 -0000") == 1_046_563_199)
    }

    @Test("the hotmail.com guard finds every place the character search finds, and the same on ASCII")
    func hotmailGuard() {
        let pieces = ["hotmail", ".com", "HotMail", ".COM", "hotmail.com", "x", " ", "é", "\u{301}", "mail.co", "h", "otmail.com"]
        var random = TestRandom(seed: 0x4077_3A11_0000_0007)
        for text in random.texts(from: pieces, count: 5_000, maxPieces: 6) {
            let exact = text.contains("hotmail.com"), folded = text.lowercased().contains("hotmail.com")
            if exact { #expect(HeaderEvals.hasHotmail(text, caseless: false), "\(text.debugDescription)") }
            if folded { #expect(HeaderEvals.hasHotmail(text, caseless: true), "\(text.debugDescription)") }
            if text.utf8.allSatisfy({ $0 < 0x80 }) {
                #expect(HeaderEvals.hasHotmail(text, caseless: false) == exact, "\(text.debugDescription)")
                #expect(HeaderEvals.hasHotmail(text, caseless: true) == folded, "\(text.debugDescription)")
            }
        }
    }

    @Test("links in text: past the last @ the address branch is left out, with the same finds")
    func linksInText() {
        func reference(_ text: String) -> [String] {
            let bytes = Array(text.utf8)
            var found: [String] = []
            var start = 0
            while start < bytes.count, let m = RuleSubjects.urlPattern.match(bytes: bytes, from: start) {
                found.append(String(decoding: bytes[m.range], as: UTF8.self))
                start = m.range.isEmpty ? m.range.upperBound + 1 : m.range.upperBound
            }
            return found
        }
        let pieces = ["http://", "https://a.example/x", "www.", "www2.b.example", "mailto:", "me", "@", "ex.com", "a@b.co", " ", ".", "-",
                      "word", "Ftp://f", "<", ">", "\"", "é", "\n", "x.y"]
        var random = TestRandom(seed: 0x0271_0000_0000_0008)
        var withFinds = 0
        for text in random.texts(from: pieces, count: 4_000, maxPieces: 14) {
            let expected = reference(text)
            if !expected.isEmpty { withFinds += 1 }
            #expect(RuleSubjects.findURLs(in: text) == expected, "\(text.debugDescription)")
        }
        #expect(withFinds > 1_000)
    }
}
