import Foundation
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
            #expect(Set(BayesTokenizer.tokens(subjectsOfMessage)) == Self.referenceTokens(subjectsOfMessage), "message \(n)")
            compared += BayesTokenizer.tokens(subjectsOfMessage).count
        }
        #expect(compared > 3_000)
    }

    /// The tokenizer as first written, a word array built per word: the reference the
    /// in-place hashing must agree with.
    static func referenceTokens(_ subjects: RuleSubjects) -> Set<Int64> {
        var tokens = Set<Int64>()
        var budget = BayesTokenizer.maxBodyBytes
        for line in subjects.bodyLines.dropFirst() where budget > 0 {
            let line = line.count > budget ? Array(line.prefix(budget)) : line
            budget -= line.count
            words(line) { tokens.insert(BayesTokenizer.hash($0, prefix: "")) }
        }
        for (name, prefix) in BayesTokenizer.headerPrefixes {
            for field in subjects.message.headers.all(name) {
                words(Array(field.value.utf8)) { tokens.insert(BayesTokenizer.hash($0, prefix: prefix)) }
            }
        }
        for uri in subjects.uris {
            let text = String(decoding: uri, as: UTF8.self).lowercased()
            if let schemeEnd = text.range(of: "://") {
                let host = text[schemeEnd.upperBound...].prefix { $0 != "/" && $0 != ":" && $0 != "?" }
                tokens.insert(BayesTokenizer.hash(Array(host.utf8), prefix: "U:"))
            }
        }
        return tokens
    }

    private static func words(_ bytes: [UInt8], _ body: ([UInt8]) -> Void) {
        var word: [UInt8] = []
        func flush() {
            defer { word.removeAll(keepingCapacity: true) }
            while let last = word.last, last == 0x2E || last == 0x2D || last == 0x27 { word.removeLast() }
            guard word.count >= 3 else { return }
            body(word.count > 15 ? Array("sk:".utf8) + word.prefix(7) : word)
        }
        for b in bytes {
            let isSeparator = b <= 0x20 || b == 0x2C || b == 0x22 || b == 0x28 || b == 0x29 || b == 0x5B || b == 0x5D
                || b == 0x7B || b == 0x7D || b == 0x3C || b == 0x3E || b == 0x3A || b == 0x3B || b == 0x3D || b == 0x3F
                || b == 0x21 || b == 0x2A || b == 0x2B || b == 0x26 || b == 0x23 || b == 0x25 || b == 0x5E || b == 0x7E
                || b == 0x7C || b == 0x60 || b == 0x2F || b == 0x5C
            if isSeparator {
                flush()
            } else {
                word.append(b >= 0x41 && b <= 0x5A ? b | 0x20 : b)
            }
        }
        flush()
    }
}
