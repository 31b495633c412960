import DNSTestSupport
import Foundation
import MoatCore
import MoatMessage
import Testing
@testable import MoatURL

/// URI block lists against a real DNS server on loopback (dnsmasq): links' registrable domains
/// are asked of each list; documented codes list them; DNS trouble is a finding, never a hang.
@Suite("url: URI block lists", .serialized)
struct URIBlockListTests {
    static func options(_ forwarder: String, codes: [String: ConfigValue] = [:], maxDomains: Int? = nil) -> [String: ConfigValue] {
        var list: [String: ConfigValue] = ["zone": .string("multi.uribl.test"), "score": .double(4)]
        if !codes.isEmpty { list["codes"] = .table(codes) }
        var options: [String: ConfigValue] = ["uribl": .array([.table(list)]), "dns_servers": .array([.string(forwarder)])]
        if let maxDomains { options["max_uribl_domains"] = .integer(maxDomains) }
        return options
    }

    static let body = "Log in at https://secure.login.phish-kit.co.uk/verify or see https://www.example.org/ and http://198.51.100.7/x"

    @Test func listedDomainsScoreOncePerList() async throws {
        let dns = try LoopbackDNSServer(zones: ["multi.uribl.test"], records: [.a("phish-kit.co.uk.multi.uribl.test", "127.0.0.2")])
        defer { dns.stop() }
        let report = try await Support.scan(Support.message(body: Self.body), options: Self.options(dns.forwarder, codes: ["127.0.0.2": .string("black")]))
        let listed = report.findings.filter { $0.code == "url.uribl_listed" }
        // Asked by registrable domain (co.uk is a public suffix), never by IP host.
        #expect(listed.map(\.detail) == ["phish-kit.co.uk listed in multi.uribl.test (127.0.0.2 black)"])
        #expect(listed.map(\.score) == [4])
        #expect(report.score >= 4)
        #expect(dns.queries(for: "phish-kit.co.uk.multi.uribl.test") == 1)
        #expect(dns.queries(for: "example.org.multi.uribl.test") == 1)
        #expect(dns.queries(for: "7.100.51.198.multi.uribl.test") == 0)
    }

    @Test func undocumentedCodesAndLimitsAndDeadServers() async throws {
        let dns = try LoopbackDNSServer(zones: ["multi.uribl.test"], records: [.a("phish-kit.co.uk.multi.uribl.test", "127.0.0.8")])
        defer { dns.stop() }
        // 127.0.0.8 is not a code the list owner documents here: not listed.
        let undocumented = try await Support.scan(Support.message(body: Self.body), options: Self.options(dns.forwarder, codes: ["127.0.0.2": .string("black")]))
        #expect(!undocumented.findings.contains { $0.code == "url.uribl_listed" })
        let limited = try await Support.scan(Support.message(body: Self.body), options: Self.options(dns.forwarder, maxDomains: 1))
        #expect(limited.findings.contains { $0.code == "url.uribl_limit" })
        let silent = SilentDNSServer()
        var options = Self.options(silent.forwarder)
        options["dns_timeout_ms"] = .integer(200)
        let dead = try await Support.scan(Support.message(body: Self.body), options: options)
        #expect(dead.findings.filter { $0.code == "url.uribl_temperror" }.count == 2)
        await #expect(throws: ConfigurationError.self) {
            _ = try await Support.engine(options: ["uribl": .array([.table(["zone": .string("nodot")])])])
        }
    }
}
