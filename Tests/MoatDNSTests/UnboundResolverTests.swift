import DNSTestSupport
import Foundation
import MoatDNS
import Testing

/// libunbound against a real DNS server on loopback (dnsmasq, installed by the Makefile).
@Suite("UnboundResolver", .serialized)
struct UnboundResolverTests {
    let longKey = String(repeating: "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA", count: 9)

    func server() throws -> LoopbackDNSServer {
        try LoopbackDNSServer(zones: ["moat.test"], records: [
            .txt("moat.test", "v=spf1 ip4:192.0.2.0/24 -all"),
            .txt("sel._domainkey.moat.test", "v=DKIM1; k=rsa; p=" + longKey),
            .a("mail.moat.test", "192.0.2.25"),
            .aaaa("mail6.moat.test", "2001:db8::25"),
            .mx("moat.test", "mail.moat.test", 10),
            .ptr("25.2.0.192.in-addr.arpa", "mail.moat.test"),
        ])
    }

    @Test func answersEachRecordType() async throws {
        let dns = try server()
        defer { dns.stop() }
        let resolver = try UnboundResolver(upstream: .forwarders([dns.forwarder]), timeout: .seconds(3))
        defer { resolver.shutdown() }
        #expect(await resolver.lookup("moat.test", .txt).texts == ["v=spf1 ip4:192.0.2.0/24 -all"])
        // A TXT record over 255 octets arrives as several character-strings and is joined.
        #expect(await resolver.lookup("sel._domainkey.moat.test", .txt).texts == ["v=DKIM1; k=rsa; p=" + longKey])
        #expect(await resolver.lookup("mail.moat.test", .a) == .records([.a("192.0.2.25")]))
        #expect(await resolver.lookup("mail6.moat.test", .aaaa) == .records([.aaaa("2001:db8::25")]))
        #expect(await resolver.lookup("moat.test", .mx) == .records([.mx(preference: 10, exchange: "mail.moat.test")]))
        #expect(await resolver.lookup("25.2.0.192.in-addr.arpa", .ptr) == .records([.ptr("mail.moat.test")]))
    }

    @Test func tellsNoSuchNameFromNoData() async throws {
        let dns = try server()
        defer { dns.stop() }
        let resolver = try UnboundResolver(upstream: .forwarders([dns.forwarder]), timeout: .seconds(3))
        defer { resolver.shutdown() }
        #expect(await resolver.lookup("absent.moat.test", .txt) == .nxdomain)
        #expect(await resolver.lookup("mail.moat.test", .txt) == .noData)
        // Not a valid name: answered without a query.
        #expect(await resolver.lookup("a..b.moat.test", .a) == .nxdomain)
        #expect(await resolver.lookup(String(repeating: "x", count: 64) + ".moat.test", .a) == .nxdomain)
    }

    @Test func cachesAnswersAndNegativeAnswers() async throws {
        let dns = try server()
        defer { dns.stop() }
        let resolver = try UnboundResolver(upstream: .forwarders([dns.forwarder]), timeout: .seconds(3))
        defer { resolver.shutdown() }
        for _ in 0..<3 {
            #expect(await resolver.lookup("moat.test", .txt).texts.count == 1)
            #expect(await resolver.lookup("absent.moat.test", .a) == .nxdomain)
        }
        #expect(dns.queries(for: "moat.test") == 1)
        #expect(dns.queries(for: "absent.moat.test") == 1)
    }

    @Test func aSilentServerTimesOutWithinTheTimeout() async throws {
        let silent = SilentDNSServer()
        let resolver = try UnboundResolver(upstream: .forwarders([silent.forwarder]), timeout: .milliseconds(300))
        defer { resolver.shutdown() }
        let start = ContinuousClock.now
        async let first = resolver.lookup("slow.moat.test", .txt)
        async let second = resolver.lookup("slower.moat.test", .a)
        let answers = await [first, second]
        let elapsed = ContinuousClock.now - start
        #expect(answers == [.timedOut, .timedOut])
        // Bounded well above the timeout: proves it returns, not how fast.
        #expect(elapsed < .seconds(5))
        #expect(resolver.statistics.timedOut == 2)
    }

    @Test func aServerFailureIsATemporaryFailureNotATimeout() async throws {
        let dns = ServfailDNSServer()
        defer { dns.stop() }
        let resolver = try UnboundResolver(upstream: .forwarders([dns.forwarder]), timeout: .seconds(5))
        defer { resolver.shutdown() }
        let answer = await resolver.lookup("x.broken.test", .txt)
        // SERVFAIL from the server: a failure to report (temperror), never an answer, and not a wait.
        guard case .failure = answer else {
            Issue.record("expected a failure, got \(answer)")
            return
        }
        #expect(!answer.isDefinite)
    }

    @Test func manyConcurrentLookups() async throws {
        let dns = try server()
        defer { dns.stop() }
        let resolver = try UnboundResolver(upstream: .forwarders([dns.forwarder]), timeout: .seconds(3))
        defer { resolver.shutdown() }
        let answers = await withTaskGroup(of: DNSAnswer.self) { group in
            for i in 0..<200 {
                group.addTask { await resolver.lookup(i % 2 == 0 ? "mail.moat.test" : "n\(i).moat.test", .a) }
            }
            var all: [DNSAnswer] = []
            for await answer in group { all.append(answer) }
            return all
        }
        #expect(answers.filter { $0 == .records([.a("192.0.2.25")]) }.count == 100)
        #expect(answers.filter { $0 == .nxdomain }.count == 100)
    }

    @Test func theBudgetStopsAMessageFanningOut() async throws {
        let dns = try server()
        defer { dns.stop() }
        let resolver = try UnboundResolver(upstream: .forwarders([dns.forwarder]), timeout: .seconds(3))
        defer { resolver.shutdown() }
        let budget = BudgetedLookup(resolver, limit: 2)
        #expect(await budget.lookup("moat.test", .txt).isDefinite)
        #expect(await budget.lookup("mail.moat.test", .a).isDefinite)
        #expect(await budget.lookup("moat.test", .mx) == .budgetExhausted)
        #expect(budget.exhausted)
    }

    @Test func addressesRoundTrip() {
        #expect(IPAddress.bytes("192.0.2.1") == [192, 0, 2, 1])
        #expect(IPAddress.bytes("192.0.2.256") == nil)
        #expect(IPAddress.bytes("2001:db8::1").map(IPAddress.v6Text) == "2001:db8::1")
        #expect(IPAddress.bytes("::ffff:192.0.2.1").map(IPAddress.v6Text) == "::ffff:c000:201")
        #expect(IPAddress.bytes("1:2:3:4:5:6:7:8:9") == nil)
        #expect(IPAddress.bytes("::") == [UInt8](repeating: 0, count: 16))
        #expect(IPAddress.reverseName([192, 0, 2, 1]) == "1.2.0.192.in-addr.arpa")
        #expect(IPAddress.matches([192, 0, 2, 1], [192, 0, 2, 200], prefix: 24))
        #expect(!IPAddress.matches([192, 0, 2, 1], [192, 0, 3, 1], prefix: 24))
        #expect(IPAddress.matches([192, 0, 2, 1], [10, 0, 0, 0], prefix: 0))
    }
}
