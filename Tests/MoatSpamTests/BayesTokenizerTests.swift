import MailTestSupport
import MoatMessage
import Testing
@testable import MoatSpam

/// Words hashed where they lie give the tokens the word-array tokenizer gave.
@Suite struct BayesTokenizerTests {
    @Test func tokensAgreeWithTheReference() {
        var random = TestRandom(seed: 0xBA7E_5000_0001)
        let pieces = ["Cheap", "PILLS", "online", " ", " ", "\t", ".", "-", "'", ",", "(x)", "supercalifragilistic",
                      "ÉTÉ", "naïve", "日本語", "a", "ok", "...", "--", "http://Example.COM/p?q", "https://xn--p1ai.ru:8080/",
                      "www.site.org", "<b>", "&amp;", "\n", "\n\n"]
        let bodies = random.texts(from: pieces, count: 300, maxPieces: 40)
        let subjects = random.texts(from: pieces.filter { !$0.contains("\n") }, count: 300, maxPieces: 8)
        var compared = 0
        for (n, body) in bodies.enumerated() {
            let html = n % 3 == 0
            let message = Fixtures.message("""
                From: "Sender \(n)" <s\(n)@Example.org>
                To: rcpt@example.net
                Subject: \(subjects[n])
                Message-ID: <\(n).ID@Example.org>
                Content-Type: \(html ? "text/html" : "text/plain"); charset=utf-8

                \(html ? "<p><a href=\"http://Ünïcode.example/x\">\(body)</a> <a href=\"HTTP://Host.Example:81/y\">z</a></p>" : body)
                """)
            let subjectsOfMessage = RuleSubjects(message: message, envelope: .init(), maxBodyBytes: 1 << 20)
            #expect(BayesTokenizer.tokens(subjectsOfMessage) == BayesTokenizer.referenceTokens(subjectsOfMessage), "message \(n)")
            compared += BayesTokenizer.tokens(subjectsOfMessage).count
        }
        #expect(compared > 3_000)
    }
}
