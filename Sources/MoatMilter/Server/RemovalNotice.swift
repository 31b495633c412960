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
        guard let sender, Self.isPlainAddress(sender), !decision.removedRecipients.isEmpty, decision.action <= .quarantine else { return nil }
        let refusals = decision.tenants.filter { $0.action == .reject || $0.action == .discard }
        guard !refusals.isEmpty, !refusals.contains(where: { [.spam, .phishing, .malware].contains($0.category) }) else { return nil }
        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name }.map { String(decoding: $0.value, as: UTF8.self).trimmingCharacters(in: .whitespaces) }
        }
        if let auto = header("auto-submitted"), auto.lowercased() != "no" { return nil }
        // Header values from the message: one line each, no control characters.
        func clean(_ text: String) -> String {
            String(text.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.map(Character.init).prefix(200))
        }
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

    /// An address a command line may carry: no blanks or controls, not an option, a local part and
    /// a domain.
    static func isPlainAddress(_ address: String) -> Bool {
        address.utf8.count <= 254 && !address.hasPrefix("-") && address.contains("@")
            && address.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value != 0x7F && $0 != "<" && $0 != ">" && $0 != "," }
    }

    /// Runs `command` with the recipient as its last argument (never `-t`: the headers are built
    /// from the message, so they must not choose where the notice goes) and the notice on standard
    /// input, read from a file rather than a pipe so a command that does not read it cannot raise
    /// SIGPIPE in the daemon; killed after `timeout`. Throws with its output when it fails.
    func send(with command: [String], timeout: Duration = .seconds(30)) throws {
        guard let program = command.first else { return }
        let directory = FileManager.default.temporaryDirectory
        let input = directory.appendingPathComponent("moat-notice-\(UUID().uuidString)")
        let output = directory.appendingPathComponent("moat-notice-\(UUID().uuidString).out")
        defer {
            try? FileManager.default.removeItem(at: input)
            try? FileManager.default.removeItem(at: output)
        }
        try Data(text.utf8).write(to: input)
        guard FileManager.default.createFile(atPath: output.path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: output.path])
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = Array(command.dropFirst()) + [to]
        process.standardInput = try FileHandle(forReadingFrom: input)
        let said = try FileHandle(forWritingTo: output)
        process.standardOutput = said
        process.standardError = said
        try process.run()
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while process.isRunning {
            guard clock.now < deadline else {
                process.terminate()
                process.waitUntilExit()
                throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "\(program) did not finish within \(timeout)"])
            }
            Thread.sleep(forTimeInterval: 0.02)
        }
        guard process.terminationStatus == 0 else {
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey:
                "\(program) exited \(process.terminationStatus): \(text.prefix(500))"])
        }
    }
}
