import Foundation
@testable import MoatCore
import Testing

/// Inbound or outbound: authenticated clients and internal networks send outbound mail, each
/// direction has its policy section, and outbound mail is its sender's tenant's.
@Suite("Message direction")
struct DirectionTests {
    @Test("internal networks", arguments: [
        ("10.1.2.3", true), ("10.255.0.1", true), ("11.0.0.1", false), ("192.168.7.9", true), ("192.168.8.1", false),
        ("2001:db8::1", true), ("[2001:db8:0:1::5]", true), ("IPv6:2001:db8::2", true), ("2001:db9::1", false),
        ("203.0.113.7", true), ("203.0.113.8", false), ("not an address", false), ("", false),
    ])
    func networks(address: String, inside: Bool) throws {
        let list = try NetworkList(["10.0.0.0/8", "192.168.7.0/24", "2001:db8::/32", "203.0.113.7"])
        #expect(list.contains(address) == inside)
    }

    @Test("malformed networks are refused", arguments: ["10.0.0.0/33", "10.0.0/8", "2001:db8::/129", "example.org", "10.0.0.0/-1"])
    func badNetworks(entry: String) {
        #expect(throws: NetworkList.Invalid.self) { try NetworkList([entry]) }
    }

    static func policy() throws -> Policy {
        let json = """
            {"tag_score": 5, "reject_score": 15, "internal_networks": ["10.0.0.0/8"],
             "outbound": {"reject_score": 6, "block_senders": ["bulk@acme.example"], "reject_reply": "550 5.7.1 Outbound refused"},
             "inbound": {"tag_score": 4}}
            """
        var policy = try JSONDecoder().decode(Policy.self, from: Data(json.utf8))
        policy.model = nil
        return policy
    }

    @Test("the direction of a message")
    func direction() throws {
        let policy = try Self.policy()
        #expect(policy.direction(of: Envelope(clientAddress: "203.0.113.5")) == .inbound)
        #expect(policy.direction(of: Envelope(clientAddress: "10.0.0.5")) == .outbound)
        var authenticated = Envelope(clientAddress: "203.0.113.5")
        authenticated.authenticatedAs = "alice"
        #expect(policy.direction(of: authenticated) == .outbound)
    }

    @Test("a direction section with a typo is refused, naming the key")
    func strictSection() {
        let json = #"{"outbound": {"reject_scor": 6}}"#
        do {
            _ = try JSONDecoder().decode(Policy.self, from: Data(json.utf8))
            Issue.record("accepted")
        } catch {
            #expect("\(error)".contains("reject_scor"))
        }
    }

    @Test("outbound mail: the outbound section and the sender's tenant decide, and the header says so")
    func outboundDecisions() throws {
        let acme = Tenant(id: "acme", domains: ["acme.example"], policy: TenantPolicy(tagScore: 2))
        let decider = TenantDecider(directory: TenantDirectory([acme], global: try Self.policy()))
        let spam = [EngineVerdict(engine: "spam", outcome: .detected(.suspicious), score: 7)]
        let manifests = ["spam": EngineManifest(name: "spam", adapter: "spam")]
        // Outbound from acme to outside: acme's tenant decides (by sender), the outbound reject_score 6 applies.
        let out = decider.decideAll(scanID: "o", verdicts: spam, manifests: manifests, messageFindings: [], sender: "carol@acme.example",
                                    recipients: ["x@outside.example"], direction: .outbound)
        #expect(out.tenant == "acme")
        #expect(out.action == .reject)
        #expect(out.smtpReply == "550 5.7.1 Outbound refused")
        #expect(out.headers.contains { $0.name == "X-Moat-Direction" && $0.value == "outbound" })
        // The same verdicts inbound to someone outside any tenant: reject_score 15, tagged.
        let into = decider.decideAll(scanID: "i", verdicts: spam, manifests: manifests, messageFindings: [], sender: "x@outside.example",
                                     recipients: ["y@elsewhere.example"], direction: .inbound)
        #expect(into.action == .tag)
        #expect(into.tenant == nil)
        #expect(into.headers.contains { $0.name == "X-Moat-Direction" && $0.value == "inbound" })
        // The outbound block list refuses a bulk sender, whatever the engines say.
        let bulk = decider.decideAll(scanID: "b", verdicts: [], manifests: manifests, messageFindings: [], sender: "bulk@acme.example",
                                     recipients: ["x@outside.example"], direction: .outbound)
        #expect(bulk.action == .reject)
        #expect(bulk.reasons.contains { $0.note.contains("block list") })
    }

    @Test("a tenant's keys win over the direction section's; refusal lists add up")
    func layering() {
        let section = TenantPolicy(tagScore: 4, rejectScore: 6, macroMode: .disarm, blockSenders: ["a@x.example"])
        let tenant = TenantPolicy(rejectScore: 9, blockSenders: ["b@x.example"])
        let layered = tenant.layered(over: section)
        #expect(layered.tagScore == 4)
        #expect(layered.rejectScore == 9)
        #expect(layered.macroMode == .disarm)
        #expect(layered.blockSenders == ["a@x.example", "b@x.example"])
    }
}
