import Foundation
@testable import MoatCore
import Testing

/// Tenants: which tenant a recipient belongs to, the policy that results, strict policy files,
/// and one scan decided per tenant and merged into one SMTP transaction.
@Suite("Tenancy")
struct TenancyTests {
    static let acme = Tenant(id: "acme", domains: ["acme.example"], addresses: ["partner@globex.example"],
                             policy: TenantPolicy(rejectScore: 6, onDetect: [.spam: .quarantine], macroMode: .reject))
    static let globex = Tenant(id: "globex", domains: ["globex.example", "eu.acme.example"],
                               policy: TenantPolicy(tagScore: 0, macroMode: .disarm, allowSenders: ["@friends.example"]))
    static let directory = TenantDirectory([acme, globex], global: Policy(tagScore: 5, rejectScore: 15))

    @Test("a recipient's tenant: address, then domain, then the nearest parent domain", arguments: [
        ("bob@acme.example", "acme"), ("BOB@ACME.EXAMPLE.", "acme"), ("x@sales.acme.example", "acme"),
        ("x@eu.acme.example", "globex"), ("x@de.eu.acme.example", "globex"), ("partner@globex.example", "acme"),
        ("other@globex.example", "globex"), ("PARTNER@globex.example.", "acme"), ("\"partner\"@Globex.Example", "acme"),
        ("x@example", nil), ("x@notacme.example", nil), ("no-at-sign", nil), ("", nil),
    ] as [(String, String?)])
    func resolution(recipient: String, tenant: String?) {
        #expect(Self.directory.tenant(of: recipient)?.id == tenant)
    }

    @Test("the effective policy: global, with each tenant's overrides")
    func effectivePolicy() {
        let acme = Self.directory.policy(for: "acme")
        #expect(acme.rejectScore == 6)
        #expect(acme.tagScore == 5)
        #expect(acme.onDetect[.spam] == .quarantine)
        #expect(acme.onDetect[.malware] == .reject)
        let globex = Self.directory.policy(for: "globex")
        #expect(globex.tagScore == nil)  // 0: never
        #expect(globex.rejectScore == 15)
        #expect(Self.directory.policy(for: nil) == Self.directory.global)
        #expect(Self.directory.policy(for: "unknown") == Self.directory.global)
        #expect(Self.directory.difference(for: "acme").contains("reject_score: 15.00 → 6.00"))
        #expect(Self.directory.difference(for: "acme").contains("on_detect.spam: tag → quarantine"))
        // A policy not yet in force reads against the global policy of the directory, not the defaults.
        let strict = TenantDirectory([], global: Policy(tagScore: 5, rejectScore: 20))
        #expect(strict.difference(of: TenantPolicy(rejectScore: 9)) == ["reject_score: 20.00 → 9.00"])
    }

    @Test("a malformed tenant policy is refused with the key that is wrong", arguments: [
        (#"{"reject_scor": 5}"#, "reject_scor"),
        (#"{"engines": {"spam": {"vot": false}}}"#, "engines.spam.vot"),
        (#"{"on_detect": {"spamm": "reject"}}"#, "spamm"),
        (#"{"on_detect": {"spam": "explode"}}"#, "explode"),
        (#"{"macro_mode": "yes"}"#, "macro_mode"),
        (#"{"tag_score": "high"}"#, "tag_score"),
        (#"{"allow_senders": ["not an address"]}"#, "not an address"),
        (#"{"reject_reply": "250 ok"}"#, "reject_reply"),
        (#"{"engines": {"spam": {"weight": -1}}}"#, "weight"),
    ])
    func strictDecoding(json: String, mentions: String) {
        do {
            _ = try JSONDecoder().decode(TenantPolicy.self, from: Data(json.utf8))
            Issue.record("accepted \(json)")
        } catch {
            #expect("\(error)".contains(mentions), "\(error)")
        }
    }

    @Test("a policy survives encoding")
    func roundTrip() throws {
        var policy = TenantPolicy(tagScore: 3, onDetect: [.phishing: .reject], useModel: false, macroMode: .detect,
                                  blockSenders: ["x@y.example"], quarantineRetentionDays: 7, rejectReply: "550 5.7.1 no")
        policy.engines = ["url": .init(vote: true, weight: 0.5)]
        let decoded = try JSONDecoder().decode(TenantPolicy.self, from: JSONEncoder().encode(policy))
        #expect(decoded == policy)
    }

    // MARK: Deciding per tenant

    static let manifests: [String: EngineManifest] = [
        "macro": EngineManifest(name: "macro", adapter: "macro", weight: 1),
        "spam": EngineManifest(name: "spam", adapter: "spam", weight: 1),
    ]
    static let disarmed = PartReplacement(partPath: "2", rawPart: Array("Content-Type: text/plain\r\n\r\ndisarmed\r\n".utf8), reason: "macro removed")

    func macroVerdicts(spamScore: Double = 0) -> [EngineVerdict] {
        [EngineVerdict(engine: "macro", outcome: .detected(.suspicious), score: 0.6, replacements: [Self.disarmed]),
         EngineVerdict(engine: "spam", outcome: spamScore > 0 ? .detected(.spam) : .clean, score: spamScore)]
    }

    @Test("one message, two tenants: the one that rejects macros loses its recipients, the other gets the disarmed document")
    func macroRejectAndDisarm() {
        let decision = TenantDecider(directory: Self.directory).decideAll(
            scanID: "m1", verdicts: macroVerdicts(), manifests: Self.manifests, messageFindings: [], sender: "a@sender.example",
            recipients: ["bob@acme.example", "carol@globex.example"])
        #expect(decision.action == .tag)
        #expect(decision.removedRecipients == ["bob@acme.example"])
        #expect(decision.removalReply?.hasPrefix("550") == true)
        #expect(decision.replacements == [Self.disarmed])
        #expect(decision.tenants.map(\.tenant) == ["acme", "globex"])
        #expect(decision.tenants.map(\.action) == [.reject, .tag])
        #expect(decision.tenants[0].category == .malware)
        #expect(decision.tenantIDs == ["acme", "globex"])
        #expect(decision.headers.contains { $0.name == "X-Moat-Tenant" && $0.value == "globex" })
        #expect(!decision.headers.contains { $0.name == "X-Moat-Tenant" && $0.value == "acme" })
    }

    @Test("the scan's record keeps the features of the engines' own verdicts, not of a tenant's view of them")
    func recordFeaturesAreTheEnginesOwn() {
        let directory = TenantDirectory([Self.acme], global: Policy(model: VerdictModelTests.model(engines: ["macro", "spam"])))
        let verdicts = macroVerdicts()
        let decision = TenantDecider(directory: directory).decideAll(
            scanID: "f1", verdicts: verdicts, manifests: Self.manifests, messageFindings: [], sender: nil, recipients: ["bob@acme.example"])
        // acme rejects macros: its policy saw the macro engine's verdict as malware.
        #expect(decision.tenants.first?.category == .malware)
        let record = ScanRecord(decision: decision, input: ScanInput(message: Fixtures.plain), contentHash: "h")
        #expect(record.features == VerdictFeatures.extract(verdicts: verdicts, messageFindings: []).values)
    }

    @Test("every tenant refuses: the message is refused, nobody is removed")
    func allRefuse() {
        let decision = TenantDecider(directory: Self.directory).decideAll(
            scanID: "m2", verdicts: macroVerdicts(), manifests: Self.manifests, messageFindings: [], sender: nil,
            recipients: ["bob@acme.example", "eve@acme.example"])
        #expect(decision.action == .reject)
        #expect(decision.tenant == "acme")
        #expect(decision.removedRecipients.isEmpty)
    }

    @Test("tenants that keep the message with different verdicts each get a verdict line")
    func differingHeaders() {
        // Spam 7: acme (reject_score 6) refuses; globex (tag never, reject 15) accepts; no tenant: tag (5).
        let decision = TenantDecider(directory: Self.directory).decideAll(
            scanID: "m3", verdicts: [EngineVerdict(engine: "spam", outcome: .detected(.spam), score: 7)], manifests: Self.manifests,
            messageFindings: [], sender: "s@x.example", recipients: ["a@acme.example", "g@globex.example", "n@none.example"])
        #expect(decision.removedRecipients == ["a@acme.example"])
        #expect(decision.tenants.map(\.action) == [.reject, .tag, .tag])
        // globex and mail of no tenant both tag it alike: one verdict line, globex's tenant header.
        #expect(decision.headers.filter { $0.name == "X-Moat-Verdict" }.map(\.value) == ["tag category=spam"])
        #expect(decision.headers.filter { $0.name == "X-Moat-Tenant" }.map(\.value) == ["globex"])
        #expect(decision.headers.first?.name == "X-Moat-Id")

        // A tenant that accepts spam: the verdicts differ, each line says whose it is.
        let calm = Tenant(id: "calm", domains: ["calm.example"], policy: TenantPolicy(tagScore: 0, onDetect: [.spam: .accept]))
        let mixed = TenantDecider(directory: TenantDirectory([calm], global: Policy(tagScore: 5, rejectScore: 15))).decideAll(
            scanID: "m4", verdicts: [EngineVerdict(engine: "spam", outcome: .detected(.spam), score: 7)], manifests: Self.manifests,
            messageFindings: [], sender: nil, recipients: ["c@calm.example", "n@none.example"])
        #expect(mixed.action == .tag)
        #expect(mixed.removedRecipients.isEmpty)
        #expect(mixed.headers.filter { $0.name == "X-Moat-Verdict" }.map(\.value) == ["accept category=spam tenant=calm", "tag category=spam tenant=-"])
        #expect(mixed.headers.filter { $0.name == "X-Moat-Score" }.count == 2)
        #expect(mixed.headers.first?.name == "X-Moat-Id")
    }

    @Test("a tenant's engine override: out of the vote, or weighted")
    func engineOverrides() {
        var policy = TenantPolicy()
        policy.engines = ["spam": .init(vote: false)]
        let quiet = Tenant(id: "quiet", domains: ["quiet.example"], policy: policy)
        policy.engines = ["spam": .init(weight: 3)]
        let loud = Tenant(id: "loud", domains: ["loud.example"], policy: policy)
        let decider = TenantDecider(directory: TenantDirectory([quiet, loud], global: Policy(tagScore: 5, rejectScore: 15)))
        let verdicts = [EngineVerdict(engine: "spam", outcome: .detected(.spam), score: 6)]
        let q = decider.decide(tenant: quiet, scanID: "e", verdicts: verdicts, manifests: Self.manifests, messageFindings: [], sender: nil)
        #expect(q.action == .accept)
        #expect(q.score == 0)
        let l = decider.decide(tenant: loud, scanID: "e", verdicts: verdicts, manifests: Self.manifests, messageFindings: [], sender: nil)
        #expect(l.score == 18)
        #expect(l.action == .reject)
    }

    @Test("sender lists: blocked senders are refused, allowed ones are not held as spam (malware still is)")
    func senderLists() {
        let decider = TenantDecider(directory: Self.directory)
        let spam = [EngineVerdict(engine: "spam", outcome: .detected(.spam), score: 20)]
        let allowed = decider.decide(tenant: Self.globex, scanID: "s", verdicts: spam, manifests: Self.manifests, messageFindings: [],
                                     sender: "Friend@Friends.Example")
        #expect(allowed.action == .accept)
        let malware = [EngineVerdict(engine: "clamav", outcome: .detected(.malware), score: 10)]
        let stillRefused = decider.decide(tenant: Self.globex, scanID: "s", verdicts: malware, manifests: [:], messageFindings: [],
                                          sender: "friend@friends.example")
        #expect(stillRefused.action == .reject)
        var policy = TenantPolicy()
        policy.blockSenders = ["spammer@bad.example"]
        let strict = Tenant(id: "strict", domains: ["strict.example"], policy: policy)
        let blocked = TenantDecider(directory: TenantDirectory([strict])).decide(
            tenant: strict, scanID: "s", verdicts: [], manifests: [:], messageFindings: [], sender: "spammer@bad.example")
        #expect(blocked.action == .reject)
        #expect(blocked.category == .policy)
        #expect(blocked.smtpReply?.hasPrefix("550") == true)
    }

    @Test("without tenants the pipeline decides as before, with no tenant header")
    func noTenants() {
        let decision = TenantDecider(directory: TenantDirectory()).decideAll(
            scanID: "n", verdicts: macroVerdicts(spamScore: 6), manifests: Self.manifests, messageFindings: [], sender: nil,
            recipients: ["a@b.example"])
        let plain = Aggregator(policy: Policy()).decide(scanID: "n", verdicts: macroVerdicts(spamScore: 6), manifests: Self.manifests)
        #expect(decision == plain)
    }

    @Test("attachment classes and link hosts: a tenant blocks or allows them")
    func typeAndURLLists() {
        let manifests: [String: EngineManifest] = [
            "filetype": EngineManifest(name: "filetype", adapter: "filetype"), "url": EngineManifest(name: "url", adapter: "url"),
        ]
        let filetype = EngineVerdict(engine: "filetype", outcome: .detected(.policy), score: 10, findings: [
            Finding(code: "filetype.blocked_type", detail: "2: true type application/x-dosexec is blocked (windows-executable)", score: 10),
        ])
        let archive = EngineVerdict(engine: "filetype", outcome: .detected(.suspicious), score: 1, findings: [
            Finding(code: "filetype.suspicious_extension", detail: "2: extension .iso is suspicious (disk-image)", score: 1),
        ])
        let links = EngineVerdict(engine: "url", outcome: .detected(.suspicious), score: 3, findings: [
            Finding(code: "url.extracted", detail: "html https://news.Partner.example/a?b=1"),
            Finding(code: "url.extracted", detail: "text http://user@cdn.partner.example:8080/x"),
            Finding(code: "url.ip_host", detail: "looks odd", score: 3),
        ])
        let tenant = Tenant(id: "dev", domains: ["dev.example"], policy: TenantPolicy(
            blockTypes: ["disk-image"], allowTypes: ["windows-executable"], blockURLs: [], allowURLs: ["partner.example"]))
        let decider = TenantDecider(directory: TenantDirectory([tenant], global: Policy(tagScore: 5, rejectScore: 15)))
        // Executables allowed for this tenant: the filetype refusal is waived.
        let exe = decider.decide(tenant: tenant, scanID: "x", verdicts: [filetype], manifests: manifests, messageFindings: [], sender: nil)
        #expect(exe.action == .accept)
        #expect(exe.score == 0)
        // Disk images, only suspicious globally, are refused by this tenant.
        let iso = decider.decide(tenant: tenant, scanID: "x", verdicts: [archive], manifests: manifests, messageFindings: [], sender: nil)
        #expect(iso.action == .reject)
        #expect(iso.reasons.contains { $0.note.contains("disk-image") })
        // Every link on the allow list: the url engine's detection does not count.
        let trusted = decider.decide(tenant: tenant, scanID: "x", verdicts: [links], manifests: manifests, messageFindings: [], sender: nil)
        #expect(trusted.action == .accept)
        #expect(trusted.score == 0)
        #expect(TenantDecider.linkHosts(links) == ["news.partner.example", "cdn.partner.example"])
        // The same links blocked by another tenant.
        let wary = Tenant(id: "wary", domains: ["wary.example"], policy: TenantPolicy(blockURLs: ["partner.example"]))
        let refused = TenantDecider(directory: TenantDirectory([wary])).decide(
            tenant: wary, scanID: "x", verdicts: [links], manifests: manifests, messageFindings: [], sender: nil)
        #expect(refused.action == .reject)
        #expect(refused.category == .policy)
        #expect(refused.reasons.contains { $0.note.contains("news.partner.example") })
    }
}
