import MoatMessage
import Testing
@testable import MoatSpam

/// `exists:` on a plain field asks the field index instead of building the field's text; every
/// selector must still exist exactly when its text does.
@Suite struct ExistsRuleTests {
    static let names = ["X-Mailer", "x-mailer", "X-Absent", "Subject", "Empty-Field", "From:addr", "From:name", "Cc:addr",
                        "ALL", "MESSAGEID", "ToCc", "EnvelopeFrom", "X-Spam-Relays-Untrusted", "X-Spam-Relays-Trusted",
                        // Named outside ASCII (the first message has a line so named, which the
                        // parser does not take for a field): asked of the message in the same pass.
                        "X-Ünï", "X-Çà"]

    static let messages = [
        Fixtures.message("""
            Received: from mx.sender.example (mx.sender.example [203.0.113.5]) by mx.example.org (Postfix) with ESMTP id 1; Mon, 1 Jan 2024 10:00:00 +0000
            Return-Path: <bounce@sender.example>
            From: Alice <alice@sender.example>
            To: bob@example.org
            Message-ID: <1@sender.example>
            X-Mailer: Mailer 1.0
            Empty-Field:
            Subject: hello
            X-Ünï: 1

            body
            """),
        Fixtures.message("""
            From: undisclosed
            Subject: no trail

            body
            """),
    ]

    @Test(arguments: 0..<2)
    func existsWhenItsTextDoes(_ n: Int) {
        let message = Self.messages[n]
        let rules = Self.names.enumerated().map { "header E\($0.offset) exists:\($0.element)\nscore E\($0.offset) 1" }.joined(separator: "\n")
        let hits = Fixtures.hits(Fixtures.compile(rules), message)
        let subjects = RuleSubjects(message: message, envelope: .init(), maxBodyBytes: 1 << 20)
        var present = 0
        for (k, name) in Self.names.enumerated() {
            let expected = subjects.headerText(HeaderSelector(parsing: Substring(name))) != nil
            #expect((hits["E\(k)"] != nil) == expected, "exists:\(name)")
            if expected { present += 1 }
        }
        // Both answers are drawn, or the comparison proves little.
        #expect(present > 0 && present < Self.names.count)
    }
}
