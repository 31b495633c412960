import MailTestSupport
import Testing
@testable import MoatSpam

/// Header rules shared by a selector are prefiltered with one Hyperscan scan of its text; the hits
/// must be those PCRE2 alone finds, for present and absent headers, negated rules, `[if-unset]`
/// values and `multiple` counts. Needs no corpus, so it runs in CI (the whole-corpus comparison in
/// `StockRulesCompatibilityTests` runs only where the corpus is).
@Suite struct HeaderPrefilterTests {
    static let rules = """
        header   SUBJ_CHEAP   Subject =~ /che+ap/i
        header   SUBJ_REPLY   Subject =~ /^re:/i
        header   SUBJ_NOT_HI  Subject !~ /hello/
        header   SUBJ_XS      Subject =~ /x/
        tflags   SUBJ_XS      multiple maxhits=3
        header   SUBJ_END     Subject =~ /now!\\n\\z/
        header   XM_UNSET     X-Mailer =~ /^none$/ [if-unset: none]
        header   XM_OUTLOOK   X-Mailer =~ /outlook/i
        header   XM_NOT_TB    X-Mailer !~ /thunderbird/i
        header   XM_EMPTY     X-Mailer =~ /^$/
        header   XM_NOT_UNSET X-Mailer !~ /^none$/ [if-unset: none]
        header   FROM_ADDR    From:addr =~ /\\@example\\.(?:com|net)$/
        header   ODD_NOT      X-Odd !~ /zzz/
        header   ODD_UNSET    X-Odd-Unset =~ /^u+$/ [if-unset: uuu]
        header   ODD_MANY     X-Odd-Many =~ /u/ [if-unset: uuu]
        tflags   ODD_MANY     multiple maxhits=2
        header   ODD_EMPTY    X-Odd-Empty =~ /^$/
        header   ODD_WORD     X-Odd-Word =~ /\\w/
        header   ODD_CASE     x-odd =~ /\\w/
        header   ODD_ADDR     X-Odd-Addr:addr !~ /\\@/
        header   ODD_TOCC     ToCc !~ /nobody/
        header   ODD_MSGID    MESSAGEID =~ /^<?none>?$/ [if-unset: <none>]
        body     FORM_THREE   /(?:name:\\s\\S+\\s){3}/
        """

    static let subjects = ["Cheap meds now!", "Re: hello there", "xx x xxx", "CHEEEAP", "re: nothing", "Hello", "",
                           "ünïcödé x", "now! now!"]
    static let mailers = [nil, "Microsoft Outlook 16.0", "Mozilla Thunderbird", "", "none", "mutt"]

    static func message(subject: String?, mailer: String?, body: String = "Hi.\n") -> String {
        var text = "From: Alice <alice@example.com>\nTo: bob@example.org\n"
        if let subject { text += "Subject: \(subject)\n" }
        if let mailer {
            text += "X-Mailer: \(mailer)\n"
            // The single-rule selectors (no database of their own) present in half the messages.
            if mailer.count % 2 == 0 {
                text += "X-Odd: \(mailer)\nX-Odd-Unset: \(mailer)\nX-Odd-Many: \(mailer)\nX-Odd-Empty: \(mailer)\nX-Odd-Word: \(mailer)\n"
                text += "X-Odd-Addr: Odd <odd@example.org>\n"
            }
        }
        return text + "\n" + body
    }

    @Test func prefilteredHeaderRulesHitWhatPCREAloneHits() {
        let set = Fixtures.compile(Self.rules)
        // Subject and X-Mailer each have enough rules for a database of their own; without them
        // this test would compare PCRE2 with itself.
        #expect(set.summary.prefiltered >= 10)
        for subject in Self.subjects.map(Optional.some) + [nil] {
            for mailer in Self.mailers {
                let message = Fixtures.message(Self.message(subject: subject, mailer: mailer))
                let exact = Fixtures.hits(set, message, prefilter: false)
                #expect(Fixtures.hits(set, message, prefilter: true) == exact, "\(String(describing: subject)) \(String(describing: mailer))")
            }
        }
    }

    @Test func theHitsAreTheExpectedOnes() {
        let set = Fixtures.compile(Self.rules)
        let absent = Fixtures.hits(set, Fixtures.message(Self.message(subject: nil, mailer: nil)), prefilter: true)
        // A missing header's count is worked out at load: negated, `[if-unset]`, `multiple`.
        // Selectors that are not plain fields (an address, ToCc, MESSAGEID) take the text path.
        #expect(absent == ["SUBJ_NOT_HI": 1, "XM_UNSET": 1, "XM_NOT_TB": 1, "XM_EMPTY": 1, "FROM_ADDR": 1,
                           "ODD_NOT": 1, "ODD_UNSET": 1, "ODD_MANY": 2, "ODD_EMPTY": 1, "ODD_ADDR": 1, "ODD_TOCC": 1, "ODD_MSGID": 1])
        let present = Fixtures.hits(set, Fixtures.message(Self.message(subject: "Cheap xx x now!", mailer: "Outlook")), prefilter: true)
        #expect(present == ["SUBJ_CHEAP": 1, "SUBJ_NOT_HI": 1, "SUBJ_XS": 3, "SUBJ_END": 1, "XM_OUTLOOK": 1, "XM_NOT_TB": 1,
                            "XM_NOT_UNSET": 1, "FROM_ADDR": 1, "ODD_NOT": 1, "ODD_UNSET": 1, "ODD_MANY": 2, "ODD_EMPTY": 1,
                            "ODD_ADDR": 1, "ODD_TOCC": 1, "ODD_MSGID": 1])
        // Present: the rule names the field in another case; the address has an `@`.
        let odd = Fixtures.hits(set, Fixtures.message(Self.message(subject: nil, mailer: "zzzz")), prefilter: true)
        #expect(odd.filter { $0.key.hasPrefix("ODD") } == ["ODD_WORD": 1, "ODD_CASE": 1, "ODD_TOCC": 1, "ODD_MSGID": 1])
    }

    /// A body rule whose group is counted exactly (`{3}`, relaxed to `{1,}` for Hyperscan) still
    /// hits only with three fields in a row.
    @Test func anExactlyCountedGroupStaysExact() {
        let set = Fixtures.compile(Self.rules)
        let three = Fixtures.message(Self.message(subject: "form", mailer: nil, body: "name: a name: b name: c done\n"))
        let two = Fixtures.message(Self.message(subject: "form", mailer: nil, body: "name: a name: b done\n"))
        for (message, expected) in [(three, 1), (two, 0)] {
            #expect(Fixtures.hits(set, message, prefilter: false)["FORM_THREE"] ?? 0 == expected)
            #expect(Fixtures.hits(set, message, prefilter: true)["FORM_THREE"] ?? 0 == expected)
        }
    }

    /// Random subjects and mailers built from the rules' own words.
    @Test func randomHeadersAgree() {
        let set = Fixtures.compile(Self.rules)
        var random = TestRandom(seed: 0xC0FF_EE00_1234_5678)
        let pieces = ["cheap", "CHEEEAP", "re:", "Re: ", "hello", "x", " ", "now!", "outlook", "thunderbird", "none", "ü"]
        let texts = random.texts(from: pieces, count: 400, maxPieces: 6)
        for n in stride(from: 0, to: texts.count - 1, by: 2) {
            let message = Fixtures.message(Self.message(subject: texts[n], mailer: texts[n + 1]))
            #expect(Fixtures.hits(set, message, prefilter: true) == Fixtures.hits(set, message, prefilter: false), "\(texts[n]) | \(texts[n + 1])")
        }
    }
}
