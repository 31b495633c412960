import DNSTestSupport
import Foundation
import Logging
import MoatCore
import MoatMessage
import Testing
@testable import MoatSpam

/// SpamAssassin's DNS block list rules (`check_rbl`, `check_rbl_sub`) through MoatDNS, against a
/// real DNS server on loopback (dnsmasq) serving the list; skipped (as offline SpamAssassin skips
/// them) when `dns_servers` is not configured.
@Suite("spam: DNS block list rules", .serialized)
struct BlockListRuleTests {
    static let rules = """
        header __RCVD_IN_ZEN   eval:check_rbl('zen', 'zen.test.')
        tflags __RCVD_IN_ZEN   net
        header RCVD_IN_SBL     eval:check_rbl_sub('zen', '127.0.0.2')
        tflags RCVD_IN_SBL     net
        score  RCVD_IN_SBL     0 2.5 0 2.5
        header RCVD_IN_XBL     eval:check_rbl('zen-lastexternal', 'zen.test.', '^127\\.0\\.0\\.[4567]$')
        tflags RCVD_IN_XBL     net
        score  RCVD_IN_XBL     0 1.5 0 1.5
        header RCVD_IN_MASK    eval:check_rbl_sub('zen', '4')
        tflags RCVD_IN_MASK    net
        score  RCVD_IN_MASK    0 0.5 0 0.5
        header LOCAL_SUBJECT   Subject =~ /cheap/i
        score  LOCAL_SUBJECT   0.1 0.2 0.3 0.4

        """

    /// The newest hop (the last external relay) is 203.0.113.5; an older one 198.51.100.9.
    static let message = Array("""
        Received: from mx.sender.test (mx.sender.test [203.0.113.5]) by mx.moat.test with ESMTP id A1; Thu, 3 Dec 2026 10:00:02 +0000\r
        Received: from client.sender.test (client.sender.test [198.51.100.9]) by mx.sender.test with ESMTP id B2; Thu, 3 Dec 2026 10:00:01 +0000\r
        From: a@sender.test\r
        To: b@moat.test\r
        Subject: cheap pills\r
        Date: Thu, 3 Dec 2026 10:00:00 +0000\r
        \r
        Buy now.\r

        """.utf8)

    func engine(dns: String?) throws -> SpamEngine {
        try DNSRuleTesting.engine(rules: Self.rules, dns: dns)
    }

    func codes(_ engine: SpamEngine) async throws -> [String: Double] {
        try await DNSRuleTesting.scores(engine, message: Self.message)
    }

    @Test func listedRelaysHitTheirRulesWithNetworkScores() async throws {
        let dns = try LoopbackDNSServer(zones: ["zen.test"], records: [
            .a("5.113.0.203.zen.test", "127.0.0.2"),
            .a("9.100.51.198.zen.test", "127.0.0.4"),
        ])
        defer { dns.stop() }
        let hits = try await codes(try engine(dns: dns.forwarder))
        // SBL: some relay answered 127.0.0.2; the mask 4 matches the older relay's 127.0.0.4.
        #expect(hits["spam.RCVD_IN_SBL"] == 2.5)
        #expect(hits["spam.RCVD_IN_MASK"] == 0.5)
        // XBL asks about the last external relay only, whose answer is 127.0.0.2.
        #expect(hits["spam.RCVD_IN_XBL"] == nil)
        // Score set 1 (network, no Bayes).
        #expect(hits["spam.LOCAL_SUBJECT"] == 0.2)
        #expect(dns.queries(for: "5.113.0.203.zen.test") == 1)
        #expect(dns.queries(for: "9.100.51.198.zen.test") == 1)
    }

    @Test func withoutDNSTheRulesAreSkippedAsOffline() async throws {
        let engine = try engine(dns: nil)
        let hits = try await codes(engine)
        #expect(hits.keys.filter { $0.hasPrefix("spam.RCVD_IN") }.isEmpty)
        #expect(hits["spam.LOCAL_SUBJECT"] == 0.1)
        #expect(engine.summary.netSkipped == 4)
    }
}
