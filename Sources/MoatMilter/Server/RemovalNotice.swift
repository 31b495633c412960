import Foundation
import MoatCore

/// The message that tells a sender which recipients did not get their mail because the
/// recipients' organisation refused it. The MTA cannot say it (Moat removed those recipients
/// with DELRCPT), so without a notice the sender would never know.
///
/// Never sent for mail with a null sender or automatically submitted mail (RFC 3834), so notices
/// cannot loop.
struct RemovalNotice: Sendable {
    var from: String
    var to: String
    var text: String

    /// The notice for `decision`, or nil when none may be sent.
    init?(decision: Decision, sender: String?, headers: [MilterHeader], from: String) {
        guard let sender, !sender.isEmpty, sender.contains("@"), !decision.removedRecipients.isEmpty else { return nil }
        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name }.map { String(decoding: $0.value, as: UTF8.self).trimmingCharacters(in: .whitespaces) }
        }
        if let auto = header("auto-submitted"), auto.lowercased() != "no" { return nil }
        // Header values from the message: one line each, no control characters.
        func clean(_ text: String) -> String {
            String(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.map(Character.init).prefix(200))
        }
        let subject = clean(header("subject") ?? "")
        let lines = decision.tenants.filter { !$0.recipients.isEmpty && ($0.action == .reject || $0.action == .discard) }.flatMap { outcome in
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

    /// Runs `command` with the notice on standard input; throws with its output when it fails.
    func send(with command: [String]) throws {
        guard let program = command.first else { return }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = Array(command.dropFirst())
        let input = Pipe(), output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = output
        try process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let said = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey:
                "\(program) exited \(process.terminationStatus): \(String(decoding: said, as: UTF8.self))"])
        }
    }
}
