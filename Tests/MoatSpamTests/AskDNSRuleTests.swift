import DNSTestSupport
import Foundation
import Logging
import MoatCore
import MoatMessage
import Testing
@testable import MoatSpam

/// SpamAssassin's `askdns` rules through MoatDNS against dnsmasq on loopback: questions built from
/// the From domain and the envelope sender's domain, answers matched against the subtest.
@Suite("spam: askdns rules", .serialized)
struct AskDNSRuleTests {
    static let rules = """
        askdns  __FROM_NEWDOM  _AUTHORDOMAIN_.fresh.list.test. A /^127\\.2\\.0\\.2$/
        meta    FROM_NEWDOM    __FROM_NEWDOM
        score   FROM_NEWDOM    0 1.1 0 1.1
        askdns  FROM_OLDDOM    _AUTHORDOMAIN_.fresh.list.test. A /^127\\.2\\.0\\.28$/
        score   FROM_OLDDOM    0 0.4 0 0.4
        askdns  SPF_PLUS_ALL   _SENDERDOMAIN_ TXT /^v=spf1 \\+all$/
        score   SPF_PLUS_ALL   0 0.9 0 0.9
        askdns  DKIM_WL        _DKIMDOMAIN_.dkimwl.test A
        score   DKIM_WL        0 1.0 0 1.0

        """

    static let message = Array("""
        From: Someone <someone@NewDom.test>\r
        To: b@moat.test\r
        Subject: hello\r
        Date: Thu, 3 Dec 2026 10:00:00 +0000\r
        \r
        Hello.\r

        """.utf8)

    func engine(dns: String?) throws -> SpamEngine {
        try DNSRuleTesting.engine(rules: Self.rules, dns: dns)
    }

    func scores(_ engine: SpamEngine) async throws -> [String: Double] {
        try await DNSRuleTesting.scores(engine, message: Self.message,
                                        envelope: Envelope(mailFrom: "bounce@open.test", recipients: ["b@moat.test"]))
    }

    @Test func questionsFromTheAuthorAndSenderDomains() async throws {
        let dns = try LoopbackDNSServer(zones: ["test"], records: [
            .a("newdom.test.fresh.list.test", "127.2.0.2"),
            .txt("open.test", "v=spf1 +all"),
        ])
        defer { dns.stop() }
        let engine = try engine(dns: dns.forwarder)
        let hits = try await scores(engine)
        #expect(hits["spam.FROM_NEWDOM"] == 1.1)
        #expect(hits["spam.FROM_OLDDOM"] == nil)  // answered 127.2.0.2, not 127.2.0.28
        #expect(hits["spam.SPF_PLUS_ALL"] == 0.9)
        #expect(hits["spam.DKIM_WL"] == nil)
        // One question for the two rules on the same name.
        #expect(dns.queries(for: "newdom.test.fresh.list.test") == 1)
        #expect(engine.summary.skipped.contains { $0.name == "DKIM_WL" && $0.detail.contains("_DKIMDOMAIN_") })
    }

    @Test func withoutDNSTheyAreSkippedAsOffline() async throws {
        let engine = try engine(dns: nil)
        let hits = try await scores(engine)
        #expect(hits.keys.filter { $0.hasPrefix("spam.FROM_") || $0.hasPrefix("spam.SPF") }.isEmpty)
        #expect(engine.summary.netSkipped == 4)
    }

    @Test func stockAskDNSLinesParse() {
        var parser = RuleFileParser()
        parser.load(paths: [Fixtures.stockRules])
        let parsed = parser.finish()
        #expect(parsed.askDNS["__FROM_FMBLA_NEWDOM"]?.type == .a)
        #expect(parsed.askDNS["__PDS_SPF_ONLYALL"]?.type == .txt)
        #expect(parsed.askDNSUnsupported["__DKIMWL_FREEMAIL"] != nil)
    }

    @Test("subtests: /re/ and m{re} are patterns, other text (even starting with m) a literal answer")
    func subtestForms() throws {
        func subtest(_ text: String) throws -> AskDNS.Rule.Subtest? {
            try AskDNS.Rule.parse(["_SENDERDOMAIN_", "TXT"] + text.split(separator: " ")).get().subtest
        }
        #expect(try subtest("/^v=spf1/")?.matches("v=spf1 -all") == true)
        #expect(try subtest("m{^127\\.2}")?.matches("127.2.0.2") == true)
        #expect(try subtest("mail.example")?.matches("mail.example") == true)
        #expect(try subtest("mail.example")?.matches("mxail.example") == false)
    }
}
