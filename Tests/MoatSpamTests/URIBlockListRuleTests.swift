import DNSTestSupport
import Foundation
import Logging
import MoatCore
import MoatMessage
import Testing
@testable import MoatSpam

/// SpamAssassin's URI block list rules (`check_uridnsbl` with `urirhssub`, `urirhsbl`, `uridnssub`)
/// through MoatDNS against dnsmasq on loopback: the links' registrable domains (SpamAssassin's
/// registry boundaries from `util_rb_*` lines), their name servers' addresses, and IP literals.
@Suite("spam: URI block list rules", .serialized)
struct URIBlockListRuleTests {
    static let rules = """
        util_rb_tld  test com
        util_rb_2tld co.test
        uridnsbl_skip_domain trusted.test
        urirhssub  URIBL_DBL_SPAM  dbl.list.test.  A  127.0.1.2
        body       URIBL_DBL_SPAM  eval:check_uridnsbl('URIBL_DBL_SPAM')
        tflags     URIBL_DBL_SPAM  net domains_only
        score      URIBL_DBL_SPAM  0 2.5 0 2.5
        urirhssub  URIBL_MULTI     multi.list.test.  A  2
        body       URIBL_MULTI     eval:check_uridnsbl('URIBL_MULTI')
        tflags     URIBL_MULTI     net
        score      URIBL_MULTI     0 1.5 0 1.5
        urirhsbl   URIBL_ANY       any.list.test.  A
        body       URIBL_ANY       eval:check_uridnsbl('URIBL_ANY')
        tflags     URIBL_ANY       net
        score      URIBL_ANY       0 0.7 0 0.7
        uridnssub  URIBL_SBL       zen.list.test.  A  127.0.0.2
        body       URIBL_SBL       eval:check_uridnsbl('URIBL_SBL')
        tflags     URIBL_SBL       net
        score      URIBL_SBL       0 1.2 0 1.2
        uridnssub  URIBL_SBL_A     zen.list.test.  A  127.0.0.3
        body       URIBL_SBL_A     eval:check_uridnsbl('URIBL_SBL_A')
        tflags     URIBL_SBL_A     net a
        score      URIBL_SBL_A     0 0.9 0 0.9
        urirhssub  URIBL_UNSEEN    dbl.list.test.  A  127.0.1.4
        body       URIBL_UNSEEN    eval:check_uridnsbl('URIBL_UNSEEN')
        tflags     URIBL_UNSEEN    net
        score      URIBL_UNSEEN    0 3.0 0 3.0

        """

    /// Links: `www.shop.evil.co.test` (registrable `evil.co.test`, listed in dbl and, by the
    /// mask, in multi), `198.51.100.7` (an IP literal, listed in multi), `ns-hosted.test` (its
    /// name server's address is in zen), `a-hosted.test` (its own address is), and the skipped
    /// `trusted.test` (listed everywhere, never asked).
    static let message = Array("""
        From: a@sender.test\r
        To: b@moat.test\r
        Subject: offers\r
        Content-Type: text/html\r
        \r
        <p><a href="http://www.shop.evil.co.test/buy?x=1">buy</a>
        <a href="https://user@198.51.100.7:8443/p">here</a>
        <a href="http://ns-hosted.test/">also</a> http://a-hosted.test/ and
        <a href="http://mail.trusted.test/">trusted</a></p>\r

        """.utf8)

    static let records: [LoopbackDNSServer.Record] = [
        .a("evil.co.test.dbl.list.test", "127.0.1.2"),
        .a("evil.co.test.multi.list.test", "127.0.0.6"),
        .a("7.100.51.198.multi.list.test", "127.0.0.2"),
        .a("7.100.51.198.dbl.list.test", "127.0.1.4"),
        .a("a-hosted.test.any.list.test", "127.0.0.9"),
        .ns("ns-hosted.test", "ns1.dns-host.test"),
        .a("ns1.dns-host.test", "203.0.113.53"),
        .a("53.113.0.203.zen.list.test", "127.0.0.2"),
        .a("a-hosted.test", "192.0.2.80"),
        .a("80.2.0.192.zen.list.test", "127.0.0.3"),
        .a("trusted.test.dbl.list.test", "127.0.1.2"),
        .a("trusted.test.any.list.test", "127.0.0.2"),
    ]

    func engine(dns: String?, maxQueries: Int = 64) throws -> SpamEngine {
        try DNSRuleTesting.engine(rules: Self.rules, dns: dns, maxQueries: maxQueries)
    }

    func scores(_ engine: SpamEngine) async throws -> [String: Double] {
        try await DNSRuleTesting.scores(engine, message: Self.message)
    }

    @Test func linksListedByDomainNameServerAndAddressHitTheirRules() async throws {
        let dns = try LoopbackDNSServer(zones: ["test"], records: Self.records)
        defer { dns.stop() }
        let hits = try await scores(try engine(dns: dns.forwarder))
        #expect(hits["spam.URIBL_DBL_SPAM"] == 2.5)
        #expect(hits["spam.URIBL_MULTI"] == 1.5)
        #expect(hits["spam.URIBL_ANY"] == 0.7)
        #expect(hits["spam.URIBL_SBL"] == 1.2)
        #expect(hits["spam.URIBL_SBL_A"] == 0.9)
        // domains_only: the IP literal's 127.0.1.4 in dbl is not asked for URIBL_DBL_SPAM, and
        // URIBL_UNSEEN (which does ask IPs) wants 127.0.1.4 from dbl: the literal gives it.
        #expect(hits["spam.URIBL_UNSEEN"] == 3.0)
        #expect(hits["spam.limit.dns_queries"] == nil)
        // The registrable domain is asked, once per zone, never the full host.
        #expect(dns.queries(for: "evil.co.test.dbl.list.test") == 1)
        #expect(dns.queries(for: "www.shop.evil.co.test.dbl.list.test") == 0)
        #expect(dns.queries(for: "trusted.test.dbl.list.test") == 0)
        #expect(dns.queries(for: "ns-hosted.test") >= 1)
    }

    @Test func theDNSBudgetIsReportedWhenSpent() async throws {
        let dns = try LoopbackDNSServer(zones: ["test"], records: Self.records)
        defer { dns.stop() }
        let hits = try await scores(try engine(dns: dns.forwarder, maxQueries: 2))
        #expect(hits["spam.limit.dns_queries"] != nil)
    }

    @Test func withoutDNSTheRulesAreSkipped() async throws {
        let engine = try engine(dns: nil)
        let hits = try await scores(engine)
        #expect(hits.keys.filter { $0.hasPrefix("spam.URIBL") }.isEmpty)
        #expect(engine.summary.netSkipped == 6)
    }

    @Test(arguments: [
        ("www.shop.evil.co.test", "evil.co.test"), ("EVIL.test.", "evil.test"), ("a.b.c.com", "c.com"),
        ("co.test", "co.test"), ("host.unknown-tld", nil), ("single", nil), ("a..test", nil),
    ])
    func registryBoundaries(host: String, expected: String?) {
        let registry = RegistryBoundaries(topLevel: ["test", "com"], twoLevel: ["co.test"], threeLevel: [])
        #expect(registry.trim(host) == expected)
    }

    @Test(arguments: [
        ("http://user:pw@Example.TEST:80/x", "example.test"), ("https://198.51.100.7/", "198.51.100.7"),
        ("mailto:a@b.test", nil), ("http://exa mple.test/", nil), ("http:///path", nil), ("http://ex.test./", "ex.test"),
    ])
    func linkHosts(uri: String, expected: String?) {
        #expect(URIHost.of(Array(uri.utf8)) == expected)
    }

    /// Every stock `check_uridnsbl` rule finds its list line (an A list), and the stock registry
    /// boundaries cut hosts as SpamAssassin does.
    @Test func stockRulesHaveTheirListsAndBoundaries() throws {
        var parser = RuleFileParser()
        parser.load(paths: [Fixtures.stockRules])
        let parsed = parser.finish()
        let uriRules = parsed.rules.values.filter {
            if case .eval(let function, _) = $0.test { function == URIDNSBL.evalName } else { false }
        }
        #expect(uriRules.count >= 20)
        for rule in uriRules {
            guard case .eval(_, let arguments) = rule.test, let list = arguments.first else { continue }
            #expect(parsed.uriLists[list]?.type == "A", "\(rule.name)")
        }
        #expect(parsed.uriLists["URIBL_DBL_SPAM"]?.zone == "dbl.spamhaus.org")
        #expect(parsed.uriLists["URIBL_SBL"]?.kind == .address)
        #expect(parsed.uriSkipDomains.contains("google.com"))
        #expect(parsed.registry.trim("www.bbc.co.uk") == "bbc.co.uk")
        #expect(parsed.registry.trim("mail.example.com") == "example.com")
    }
}
