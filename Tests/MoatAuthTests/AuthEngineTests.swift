import DNSTestSupport
import Foundation
import Logging
import MoatCore
import MoatDNS
import MoatMessage
import MoatMilter
import MoatAdapters
import Testing
@testable import MoatAuth

/// The auth engine end to end against a real DNS server on loopback (dnsmasq) serving SPF, DKIM
/// key and DMARC records, with messages signed by dkimpy (an independent DKIM implementation).
@Suite("auth engine", .serialized)
struct AuthEngineTests {
    static let context = ScanContext(blocking: BlockingWorkPool(threads: 1), logger: Logger(label: "test"))

    /// Signs `raw` as `d=domain s=sel` with dkimpy's `dkimsign`.
    static func signed(_ raw: String, domain: String) throws -> [UInt8] {
        let key = try #require(DKIMVerifierTests.keys["rsa-sha256"], "openssl is installed by the Makefile")
        return try DKIMVerifierTests.run("/usr/bin/dkimsign", ["--hcanon", "relaxed", "--bcanon", "relaxed", "sel", domain, key.file],
                                          input: Array(raw.utf8))
    }

    static func message(from: String, body: String = "The figures are attached.\r\n") -> String {
        "From: Alice <alice@\(from)>\r\nTo: bob@example.net\r\nSubject: report\r\nDate: Thu, 3 Dec 2026 08:00:00 +0000\r\nMessage-ID: <\(UUID().uuidString)@\(from)>\r\n\r\n\(body)"
    }

    static func server() throws -> LoopbackDNSServer {
        let key = DKIMVerifierTests.keys["rsa-sha256"]?.record ?? ""
        return try LoopbackDNSServer(zones: ["auth.test", "quarantine.test", "loose.test", "bl.test", "dbl.test"], records: [
            .a("10.2.0.192.bl.test", "127.0.0.2"),
            .a("11.2.0.192.bl.test", "127.0.0.9"),
            .a("quarantine.test.dbl.test", "127.0.1.2"),
            .txt("auth.test", "v=spf1 ip4:192.0.2.0/24 -all"),
            .txt("sel._domainkey.auth.test", key),
            .txt("_dmarc.auth.test", "v=DMARC1; p=reject; sp=quarantine; adkim=r; aspf=r"),
            .txt("quarantine.test", "v=spf1 -all"),
            .txt("_dmarc.quarantine.test", "v=DMARC1; p=quarantine"),
            .txt("loose.test", "v=spf1 ?all"),
        ])
    }

    func engine(_ dns: LoopbackDNSServer, mode: AuthSettings.DMARCMode = .honour, timeout: Duration = .seconds(2)) throws -> AuthEngine {
        var settings = AuthSettings()
        settings.authservID = "gw.moat.test"
        settings.dnsServers = [dns.forwarder]
        settings.dnsTimeout = timeout
        settings.dmarcMode = mode
        return try AuthEngine(settings: settings) { host in
            let labels = host.split(separator: ".")
            return labels.count >= 2 ? labels.suffix(2).joined(separator: ".") : nil
        }
    }

    func scan(_ engine: AuthEngine, _ raw: [UInt8], client: String, mailFrom: String) async throws -> EngineReport {
        let input = ScanInput(message: Message(parsing: raw), envelope: Envelope(clientAddress: client, helo: "mx.sender.test", mailFrom: "<\(mailFrom)>"))
        return try await engine.scan(input, context: Self.context)
    }

    func codes(_ report: EngineReport) -> Set<String> { Set(report.findings.map(\.code)) }

    @Test func aSignedMessageFromAnAuthorisedClientPasses() async throws {
        let dns = try Self.server()
        defer { dns.stop() }
        let engine = try engine(dns)
        let report = try await scan(engine, try Self.signed(Self.message(from: "auth.test"), domain: "auth.test"),
                                    client: "192.0.2.10", mailFrom: "alice@auth.test")
        #expect(codes(report) == ["auth.spf_pass", "auth.dkim_pass", "auth.dmarc_pass"])
        #expect(report.category == nil)
        let header = try #require(report.headers.first)
        #expect(header.name == "Authentication-Results")
        #expect(header.value.hasPrefix("gw.moat.test;"))
        #expect(header.value.contains("spf=pass"))
        #expect(header.value.contains("smtp.mailfrom=alice@auth.test"))
        #expect(header.value.contains("dkim=pass header.d=auth.test header.s=sel"))
        #expect(header.value.contains("dmarc=pass (p=reject) header.from=auth.test"))
    }

    @Test func aForgedMessageUnderPRejectIsRejectedWhenHonoured() async throws {
        let dns = try Self.server()
        defer { dns.stop() }
        let raw = Array(Self.message(from: "auth.test").utf8)
        let honour = try await scan(try engine(dns), raw, client: "198.51.100.7", mailFrom: "alice@auth.test")
        #expect(codes(honour) == ["auth.spf_fail", "auth.dmarc_fail"])
        #expect(honour.category == .policy)
        #expect(honour.requestedAction == .reject)
        #expect(honour.headers.first?.value.contains("dkim=none") == true)
        let tag = try await scan(try engine(dns, mode: .tag), raw, client: "198.51.100.7", mailFrom: "alice@auth.test")
        #expect(tag.category == .policy)
        #expect(tag.requestedAction == .tag)
        let ignore = try await scan(try engine(dns, mode: .ignore), raw, client: "198.51.100.7", mailFrom: "alice@auth.test")
        #expect(ignore.category == nil)
        #expect(codes(ignore).contains("auth.dmarc_fail"))
    }

    @Test func aTamperedSignatureFailsAndOnlyAlignedResultsCount() async throws {
        let dns = try Self.server()
        defer { dns.stop() }
        var raw = try Self.signed(Self.message(from: "auth.test"), domain: "auth.test")
        raw += Array("P.S. send the money elsewhere.\r\n".utf8)
        // SPF passes for a different (unaligned) envelope domain: DMARC still fails.
        let report = try await scan(try engine(dns), raw, client: "192.0.2.10", mailFrom: "bounce@loose.test")
        #expect(codes(report).contains("auth.dkim_fail"))
        #expect(codes(report).contains("auth.spf_neutral"))
        #expect(codes(report).contains("auth.dmarc_fail"))
        #expect(report.requestedAction == .reject)
    }

    @Test func quarantineAndSubdomainPolicies() async throws {
        let dns = try Self.server()
        defer { dns.stop() }
        let quarantine = try await scan(try engine(dns), Array(Self.message(from: "quarantine.test").utf8),
                                        client: "198.51.100.7", mailFrom: "x@quarantine.test")
        #expect(quarantine.requestedAction == .quarantine)
        // No record at _dmarc.news.auth.test: the organisational domain's sp= applies.
        let sub = try await scan(try engine(dns), Array(Self.message(from: "news.auth.test").utf8),
                                 client: "198.51.100.7", mailFrom: "x@news.auth.test")
        #expect(codes(sub).contains("auth.dmarc_fail"))
        #expect(sub.requestedAction == .quarantine)
    }

    @Test func aDeadOrFailingDNSServerGivesTemporaryErrorsWithinTheTimeout() async throws {
        let silent = SilentDNSServer()
        let servfail = ServfailDNSServer()
        defer { servfail.stop() }
        for forwarder in [silent.forwarder, servfail.forwarder] {
            var settings = AuthSettings()
            settings.authservID = "gw.moat.test"
            settings.dnsServers = [forwarder]
            settings.dnsTimeout = .milliseconds(300)
            let engine = try AuthEngine(settings: settings) { _ in nil }
            let start = ContinuousClock.now
            let report = try await scan(engine, try Self.signed(Self.message(from: "auth.test"), domain: "auth.test"),
                                        client: "192.0.2.10", mailFrom: "alice@auth.test")
            #expect(codes(report) == ["auth.spf_temperror", "auth.dkim_temperror", "auth.dmarc_temperror"], "\(forwarder)")
            #expect(report.category == nil)
            #expect(ContinuousClock.now - start < .seconds(10))
        }
    }

    @Test func dnsBlockListsForTheClientAndTheSenderDomains() async throws {
        let dns = try Self.server()
        defer { dns.stop() }
        var settings = AuthSettings()
        settings.dnsServers = [dns.forwarder]
        settings.blockLists = [
            .init(zone: "bl.test", kind: .ip, score: 3, codes: ["127.0.0.2": "spam source"]),
            .init(zone: "dbl.test", kind: .domain, score: 2, codes: [:]),
        ]
        let engine = try AuthEngine(settings: settings) { host in
            let labels = host.split(separator: ".")
            return labels.count >= 2 ? labels.suffix(2).joined(separator: ".") : nil
        }
        let listed = try await scan(engine, Array(Self.message(from: "quarantine.test").utf8), client: "192.0.2.10", mailFrom: "x@quarantine.test")
        let hits = listed.findings.filter { $0.code == "auth.dnsbl_listed" }
        #expect(hits.map(\.detail).sorted() == ["192.0.2.10 listed in bl.test (127.0.0.2 spam source)", "quarantine.test listed in dbl.test (127.0.1.2)"])
        #expect(hits.map(\.score).sorted() == [2, 3])
        // 127.0.0.9 is not a code the list's owner defined as listed; 10.0.0.1 is never asked.
        let other = try await scan(engine, Array(Self.message(from: "auth.test").utf8), client: "192.0.2.11", mailFrom: "x@auth.test")
        #expect(!other.findings.contains { $0.code.hasPrefix("auth.dnsbl") })
        _ = try await scan(engine, Array(Self.message(from: "auth.test").utf8), client: "10.0.0.1", mailFrom: "x@auth.test")
        #expect(dns.queries(for: "1.0.0.10.bl.test") == 0)
    }

    @Test func forgedAuthenticationResultsWithOurIDAreRemoved() {
        var verdict = EngineVerdict(engine: "auth", outcome: .clean)
        verdict.headers = [.init(name: "Authentication-Results", value: "gw.moat.test;\n\tspf=pass smtp.mailfrom=a@b.test")]
        let decision = Aggregator(policy: Policy()).decide(scanID: "id1", verdicts: [verdict], manifests: [:])
        #expect(decision.headers.contains { $0.name == "Authentication-Results" && $0.value.hasPrefix("gw.moat.test;") })
        let incoming = [
            MilterHeader(name: "Authentication-Results", value: " gw.moat.test; dkim=pass header.d=bank.test"),
            MilterHeader(name: "Authentication-Results", value: " mx.upstream.test; spf=fail"),
            MilterHeader(name: "authentication-results", value: " (forged) GW.MOAT.TEST 1; dmarc=pass"),
        ]
        let response = MilterDecisionTranslator(headerPrefix: "X-Moat").response(for: decision, message: nil, bodyOffset: 0, incomingHeaders: incoming)
        // The first and third instances go (deleted last first); the upstream gateway's stays.
        #expect(response.headersToChange.filter { $0.name.lowercased() == "authentication-results" }.map(\.index) == [3, 1])
        #expect(response.headersToChange.allSatisfy { $0.value.isEmpty })
        #expect(response.headersToAdd.contains { $0.name == "Authentication-Results" })
    }

    @Test func theEnginesRequestedActionDecidesAPolicyDetection() {
        var verdict = EngineVerdict(engine: "auth", outcome: .detected(.policy), score: 2)
        verdict.requestedAction = .quarantine
        let decision = Aggregator(policy: Policy()).decide(scanID: "id1", verdicts: [verdict], manifests: [:])
        #expect(decision.action == .quarantine)
        #expect(decision.category == .policy)
    }
}

/// The manifest Moat ships for the engine builds through the adapter catalogue (with the url
/// engine's public suffix list lent for DMARC), and bad options are refused by name.
@Suite("auth engine manifest")
struct AuthManifestTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    @Test func theShippedManifestBuilds() async throws {
        let loaded = EngineLoader.manifests(in: Self.root + "/engines/optional")
        #expect(loaded.problems.isEmpty)
        let manifest = try #require(loaded.manifests.first { $0.manifest.adapter == "auth" })
        let factory = try #require(AdapterCatalog.factories.first { $0.adapter == "auth" })
        let context = EngineBuildContext(blocking: BlockingWorkPool(threads: 1), logger: Logger(label: "test"),
                                         rulesDirectory: Self.root + "/rules", manifestPath: manifest.path)
        let engine = try await factory.makeEngine(manifest.manifest, context: context)
        let auth = try #require(engine as? AuthEngine)
        #expect(auth.settings.dmarcMode == .honour)
        #expect(auth.status["dmarc_policy"] == "honour")

        var bad = manifest.manifest
        bad.options["dmarc_polciy"] = .string("tag")
        await #expect(throws: ConfigurationError.self) { try await factory.makeEngine(bad, context: context) }
        // A score for a finding the engine never makes (a typo) is refused, not weighed 0.
        var typo = manifest.manifest
        typo.options["scores"] = .table(["spf_fial": .double(1)])
        await #expect(throws: ConfigurationError.self) { try await factory.makeEngine(typo, context: context) }
        typo.options["scores"] = .table(["spf_fail": .double(1.5), "dkim_temperror": .double(0.1)])
        let weighed = try #require(try await factory.makeEngine(typo, context: context) as? AuthEngine)
        #expect(weighed.settings.scores["spf_fail"] == 1.5 && weighed.settings.scores["dkim_temperror"] == 0.1)

        var lists = manifest.manifest
        lists.options["dnsbl"] = .array([.table(["zone": .string("bl.example.org"), "score": .double(2),
                                                 "codes": .table(["127.0.0.2": .string("spam source")])])])
        let withLists = try #require(try await factory.makeEngine(lists, context: context) as? AuthEngine)
        #expect(withLists.settings.blockLists == [.init(zone: "bl.example.org", kind: .ip, score: 2, codes: ["127.0.0.2": "spam source"])])
        lists.options["dnsbl"] = .array([.table(["zone": .string("bl.example.org"), "codes": .table(["spam": .string("x")])])])
        await #expect(throws: ConfigurationError.self) { try await factory.makeEngine(lists, context: context) }
    }
}
