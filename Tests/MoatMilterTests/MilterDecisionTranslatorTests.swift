import Foundation
import MoatCore
import MoatMessage
import Testing

@testable import MoatMilter

@Suite("Decision to milter response")
struct MilterDecisionTranslatorTests {
    let translator = MilterDecisionTranslator(headerPrefix: "X-Moat")

    func decision(_ verdicts: [EngineVerdict]) -> Decision {
        Aggregator(policy: Policy()).decide(scanID: "id1", verdicts: verdicts, manifests: [:])
    }

    @Test("forged prefix headers are deleted from the last instance back; Moat's own are added")
    func forgedHeaders() {
        let incoming = [
            MilterHeader(name: "X-Moat-Verdict", value: "accept"), MilterHeader(name: "Subject", value: "x"),
            MilterHeader(name: "x-moat-verdict", value: "accept again"), MilterHeader(name: "X-Moat-Score", value: "0"),
        ]
        let response = translator.response(
            for: decision([EngineVerdict(engine: "av", outcome: .clean)]), message: nil, bodyOffset: 0, incomingHeaders: incoming)
        #expect(response.headersToChange.map { "\($0.name)#\($0.index)=\($0.value)" } == ["X-Moat-Score#1=", "x-moat-verdict#2=", "X-Moat-Verdict#1="])
        #expect(response.headersToAdd.map(\.name) == ["X-Moat-Id", "X-Moat-Verdict", "X-Moat-Score", "X-Moat-Engines"])
        #expect(response.disposition == .accept)
    }

    @Test("actions map to dispositions", arguments: [
        (Action.accept, MilterResponse.Disposition.accept), (.tag, .accept), (.quarantine, .accept),
        (.tempfail, .tempfail(replyCode: "451 x")), (.reject, .reject(replyCode: "550 x")), (.discard, .discard),
    ])
    func dispositions(action: Action, expected: MilterResponse.Disposition) {
        let reply = action == .tempfail ? "451 x" : action == .reject ? "550 x" : nil
        #expect(MilterDecisionTranslator.disposition(action, reply: reply) == expected)
    }

    @Test("a replaced part becomes the new body; headers stay untouched")
    func replacementBody() {
        let headers = [MilterHeader(name: "Content-Type", value: "multipart/mixed;\n\tboundary=\"b\"")]
        let body = Array("--b\r\nContent-Type: text/plain\r\n\r\nkeep\r\n--b\r\nContent-Type: application/x-bad\r\n\r\nBAD\r\n--b--\r\n".utf8)
        let assembled = MilterMessageAssembler.raw(headers: headers, keepsLeadingSpace: false, body: body)
        #expect(String(decoding: assembled.bytes.prefix(assembled.bodyOffset), as: UTF8.self)
            == "Content-Type: multipart/mixed;\r\n\tboundary=\"b\"\r\n\r\n")
        let message = Message(parsing: assembled.bytes)
        #expect(message.part(at: "2")?.contentType.essence == "application/x-bad")
        let replacement = PartReplacement(partPath: "2", rawPart: Array("Content-Type: text/plain\r\n\r\nremoved".utf8), reason: "test")
        let verdict = EngineVerdict(engine: "d", outcome: .detected(.suspicious), score: 1, replacements: [replacement])
        let response = translator.response(for: decision([verdict]), message: message, bodyOffset: assembled.bodyOffset, incomingHeaders: headers)
        let newBody = String(decoding: response.replacementBody ?? [], as: UTF8.self)
        #expect(newBody == "--b\r\nContent-Type: text/plain\r\n\r\nkeep\r\n--b\r\nContent-Type: text/plain\r\n\r\nremoved\r\n--b--\r\n")
    }

    @Test("listen addresses parse in Postfix notation", arguments: [
        ("inet:7357@127.0.0.1", ListenAddress.inet(host: "127.0.0.1", port: 7357)),
        ("inet:25", .inet(host: "127.0.0.1", port: 25)),
        ("unix:/run/moat.sock", .unix(path: "/run/moat.sock")),
        ("local:/run/moat.sock", .unix(path: "/run/moat.sock")),
    ])
    func listenAddresses(text: String, expected: ListenAddress) throws {
        #expect(try ListenAddress(parsing: text) == expected)
    }

    @Test("bad listen addresses are refused", arguments: ["inet:0x@h", "inet:70000@h", "unix:relative", "tcp:1"])
    func badListenAddresses(text: String) {
        #expect(throws: ListenAddress.ParseError.self) { try ListenAddress(parsing: text) }
    }

    @Test("recipients a tenant refused are named back to the MTA as it sent them; without DELRCPT the message is refused")
    func recipientRemoval() {
        var decision = decision([EngineVerdict(engine: "av", outcome: .clean)])
        decision.removedRecipients = ["bob@acme.example"]
        decision.removalReply = "550 5.7.1 refused by acme"
        let recipients = [MilterEnvelopeAddress(address: Array("<Bob@Acme.Example>".utf8)), MilterEnvelopeAddress(address: Array("<carol@globex.example>".utf8))]
        let response = translator.response(for: decision, message: nil, bodyOffset: 0, incomingHeaders: [], recipients: recipients)
        #expect(response.recipientsToDelete == ["<Bob@Acme.Example>"])
        let granted = MilterEndOfMessageReplies.replies(for: response, actions: .moatDefault, leadingSpace: false)
        #expect(granted.first == .deleteRecipient("<Bob@Acme.Example>"))
        #expect(granted.last == .accept)
        // An MTA that did not grant SMFIF_DELRCPT: nothing may reach the refusing tenant, so nobody gets it.
        let refused = MilterEndOfMessageReplies.replies(for: response, actions: [.addHeaders, .changeHeaders], leadingSpace: false)
        #expect(refused == [.replyCode("550 5.7.1 refused by acme")])
    }

    @Test("a removal notice names the refused recipients, never loops, and carries no header injection")
    func removalNotice() throws {
        var decision = decision([EngineVerdict(engine: "av", outcome: .clean)])
        decision.removedRecipients = ["bob@acme.example"]
        decision.tenants = [TenantOutcome(tenant: "acme", recipients: ["bob@acme.example"], action: .reject, score: 9, category: .policy,
                                          smtpReply: "550 5.7.1 refused by acme"),
                            TenantOutcome(tenant: "globex", recipients: ["carol@globex.example"], action: .tag, score: 9, category: .malware)]
        let headers = [MilterHeader(name: "Subject", value: "hello\r\nBcc: victim@example.org"), MilterHeader(name: "Message-ID", value: "<m@x>")]
        let notice = try #require(RemovalNotice(decision: decision, sender: "alice@sender.example", headers: headers, from: "postmaster@gw.example"))
        #expect(notice.to == "alice@sender.example")
        #expect(notice.text.contains("  bob@acme.example: 550 5.7.1 refused by acme"))
        #expect(!notice.text.contains("carol@globex.example"))
        #expect(!notice.text.contains("\r\nBcc:"))
        #expect(notice.text.contains("Auto-Submitted: auto-replied"))
        #expect(RemovalNotice(decision: decision, sender: "", headers: headers, from: "p@gw.example") == nil)
        #expect(RemovalNotice(decision: decision, sender: "-oQ/tmp@x.example", headers: headers, from: "p@gw.example") == nil)
        // A refusal as malware (or spam, phishing): the sender is probably forged, no backscatter.
        var malware = decision
        malware.tenants[0].category = .malware
        #expect(RemovalNotice(decision: malware, sender: "alice@sender.example", headers: headers, from: "p@gw.example") == nil)
        #expect(RemovalNotice(decision: decision, sender: nil, headers: headers, from: "p@gw.example") == nil)
        #expect(RemovalNotice(decision: decision, sender: "a@b.example", headers: headers + [MilterHeader(name: "Auto-Submitted", value: "auto-replied")],
                              from: "p@gw.example") == nil)
    }

    @Test("the notice command: its recipient comes last, one that never reads its input or never ends cannot harm the daemon")
    func removalNoticeCommand() throws {
        var decision = decision([EngineVerdict(engine: "av", outcome: .clean)])
        decision.removedRecipients = ["bob@acme.example"]
        decision.tenants = [TenantOutcome(tenant: "acme", recipients: ["bob@acme.example"], action: .reject, score: 9, category: .policy)]
        let notice = try #require(RemovalNotice(decision: decision, sender: "alice@sender.example", headers: [], from: "p@gw.example"))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("moat-notice-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // A stand-in mailer: records its arguments and what it read.
        let mailer = directory.appendingPathComponent("mailer.sh")
        try "#!/bin/sh\nprintf '%s\\n' \"$@\" > \(directory.path)/args\ncat > \(directory.path)/input\n".write(to: mailer, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: mailer.path)
        try notice.send(with: [mailer.path, "-f", ""])
        #expect(try String(contentsOf: directory.appendingPathComponent("args"), encoding: .utf8) == "-f\n\nalice@sender.example\n")
        #expect(try String(contentsOf: directory.appendingPathComponent("input"), encoding: .utf8).contains("bob@acme.example"))
        // A command that exits without reading: no SIGPIPE (the test process would die with it).
        try notice.send(with: ["/bin/true"])
        // A command that fails, and one that never ends: errors, within the timeout.
        #expect(throws: (any Error).self) { try notice.send(with: ["/bin/false"]) }
        #expect(throws: (any Error).self) { try notice.send(with: ["/bin/sleep", "30"], timeout: .milliseconds(200)) }
    }
}
