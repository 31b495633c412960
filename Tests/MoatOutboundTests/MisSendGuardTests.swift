import Foundation
import MoatCore
import MoatMessage
@testable import MoatOutbound
import Testing

@Suite("Mis-send guards")
struct MisSendGuardTests {
    func guards(_ change: (inout MisSendGuardSettings) -> Void) -> MisSendGuard {
        var settings = MisSendGuardSettings()
        settings.internalDomains = ["corp.test"]
        change(&settings)
        return MisSendGuard(settings: settings)
    }

    func headers(_ text: String) -> HeaderList {
        Message(parsing: Array((text + "\r\n\r\nbody\r\n").utf8)).headers
    }

    @Test("many external recipients in To and Cc are caught; Bcc and internal recipients are not counted")
    func visibleRecipients() {
        let guardrail = guards { $0.maxVisibleExternalRecipients = 3 }
        let many = headers("""
            From: alice@corp.test\r
            To: "Smith, John" <john@a.example>, Mary <mary@b.example>, colleague@corp.test, team@sales.corp.test\r
            Cc: pat@c.example, (comment) lee@d.example, john@A.example
            """)
        let hits = guardrail.evaluate(envelope: Envelope(), headers: many, verdicts: [])
        #expect(hits.map(\.guardName) == ["visible_recipients"])
        #expect(hits.first?.reason.hasPrefix("4 external recipients") == true)
        #expect(hits.first?.action == .hold)
        let few = headers("From: alice@corp.test\r\nTo: undisclosed-recipients:;\r\nCc: one@a.example, two@corp.test")
        #expect(guardrail.evaluate(envelope: Envelope(recipients: (0..<50).map { "r\($0)@x\($0).example" }), headers: few, verdicts: []).isEmpty)
    }

    @Test("recipients in several unrelated external domains are caught; subdomains of one organisation count once")
    func externalDomains() {
        let guardrail = guards { $0.maxExternalDomains = 2; $0.externalDomainsAction = .reject }
        let related = Envelope(recipients: ["a@x.example.co.jp", "b@y.example.co.jp", "c@mail.partner.com", "d@partner.com", "e@corp.test"])
        #expect(guardrail.evaluate(envelope: related, headers: headers("To: x@y"), verdicts: []).isEmpty)
        let spread = Envelope(recipients: ["a@one.example", "b@two.example", "c@three.example", "d@corp.test"])
        let hits = guardrail.evaluate(envelope: spread, headers: headers("To: x@y"), verdicts: [])
        #expect(hits.map(\.guardName) == ["external_domains"])
        #expect(hits.first?.action == .reject)
        #expect(hits.first?.reason.contains("3 unrelated external domains") == true)
    }

    @Test("an encrypted archive reported by the filetype engine trips the PPAP guard")
    func encryptedArchive() {
        let guardrail = guards { $0.encryptedArchiveAction = .tag }
        let finding = Finding(code: "filetype.encrypted_archive", detail: "2: encrypted ZIP", score: 4, partPath: "2")
        let verdict = EngineVerdict(engine: "filetype", outcome: .detected(.suspicious), score: 4, findings: [finding], elapsed: .zero)
        let hits = guardrail.evaluate(envelope: Envelope(), headers: headers("To: x@y"), verdicts: [verdict])
        #expect(hits.map(\.guardName) == ["encrypted_archive"])
        #expect(hits.first?.reason.contains("part 2") == true)
        #expect(guards { _ in }.evaluate(envelope: Envelope(), headers: headers("To: x@y"), verdicts: [verdict]).isEmpty, "off by default")
    }

    @Test("organisation domains: two labels, three under a country's second level")
    func organisation() {
        #expect(MisSendGuard.organisationDomain("mail.partner.com") == "partner.com")
        #expect(MisSendGuard.organisationDomain("a.example.co.jp") == "example.co.jp")
        #expect(MisSendGuard.organisationDomain("example.com.au") == "example.com.au")
        #expect(MisSendGuard.organisationDomain("localhost") == "localhost")
    }
}
