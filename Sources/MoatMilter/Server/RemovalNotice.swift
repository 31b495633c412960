import Foundation
import MoatCore

/// The message that tells a sender which recipients did not get their mail because the
/// recipients' organisation refused it. The MTA cannot say it (Moat removed those recipients
/// with DELRCPT), so without a notice the sender would never know.
///
/// Never sent for mail with a null sender or automatically submitted mail (RFC 3834), so notices
/// cannot loop, nor for refusals as spam, phishing or malware, whose senders are mostly forged (a
/// notice would be backscatter to an innocent address).
struct RemovalNotice: Sendable, Hashable {
    var from: String
    var to: String
    var text: String

    /// The notice for `decision`, or nil when none may be sent.
    init?(decision: Decision, sender: String?, headers: [MilterHeader], from: String) {
        guard let sender, NoticeText.isPlainAddress(sender), !decision.removedRecipients.isEmpty, decision.action <= .quarantine else { return nil }
        let refusals = decision.tenants.filter { $0.action == .reject || $0.action == .discard }
        guard !refusals.isEmpty, !refusals.contains(where: { [.spam, .phishing, .malware].contains($0.category) }) else { return nil }
        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name }.map { String(decoding: $0.value, as: UTF8.self).trimmingCharacters(in: .whitespaces) }
        }
        if let auto = header("auto-submitted"), auto.lowercased() != "no" { return nil }
        let clean = NoticeText.clean
        let subject = clean(header("subject") ?? "")
        let lines = refusals.flatMap { outcome in
            outcome.recipients.map { "  \(clean($0)): \(clean(outcome.smtpReply ?? decision.removalReply ?? "refused by the recipient's mail policy"))" }
        }
        self.from = from
        to = clean(sender)
        text = """
            From: \(clean(from))\r
            To: <\(to)>\r
            Subject: Not delivered to some recipients: \(subject)\r
            Auto-Submitted: auto-replied\r
            MIME-Version: 1.0\r
            Content-Type: text/plain; charset=utf-8\r
            \r
            Your message "\(subject)" (\(clean(header("message-id") ?? "no Message-ID"))) was delivered to its other\r
            recipients, but not to these: their organisation's mail policy refused it.\r
            \r
            \(lines.joined(separator: "\r\n"))\r
            \r
            Reference: \(decision.scanID)\r

            """
    }

    /// Runs `command` with the recipient as its last argument (never `-t`: the headers are built
    /// from the message, so they must not choose where the notice goes) and the notice on standard
    /// input; killed after `timeout`. Throws with its output when it fails.
    func send(with command: [String], timeout: Duration = .seconds(30)) throws {
        try ExternalCommand(command).run(extra: [to], input: text, timeout: timeout)
    }
}
