import Foundation
import MoatCore
import MoatMessage
@testable import MoatSpam

/// Shared helpers: rule sets from text, messages from text, corpus locations.
enum Fixtures {
    /// The repository root (this file is `Tests/MoatSpamTests/Fixtures.swift`).
    static let repoRoot: String = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    static let corpus = repoRoot + "/../shared/corpus/spamassassin"
    static let stockRules = "/usr/share/spamassassin"
    /// Compiled Hyperscan databases kept between test runs (MOAT_SPAM_CACHE_DIR overrides; empty: none).
    static let hyperscanCache: String? = {
        if let dir = ProcessInfo.processInfo.environment["MOAT_SPAM_CACHE_DIR"] { return dir.isEmpty ? nil : dir }
        return FileManager.default.temporaryDirectory.path + "/moat-spam-tests-\(getuid())/hyperscan"
    }()

    static var corpusAvailable: Bool { FileManager.default.fileExists(atPath: corpus + "/labels.tsv") }
    static var stockAvailable: Bool { FileManager.default.fileExists(atPath: stockRules + "/50_scores.cf") }

    /// Corpus files of one subset (`easy_ham`, `hard_ham`, `spam`), sorted.
    static func corpusFiles(_ subset: String) -> [String] {
        let dir = corpus + "/" + subset
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
        return names.filter { !$0.hasPrefix(".") && $0 != "cmds" }.sorted().map { dir + "/" + $0 }
    }

    static func message(file: String) -> Message {
        Message(parsing: Array(FileManager.default.contents(atPath: file) ?? Data()))
    }

    static func message(_ text: String) -> Message {
        Message(parsing: Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8))
    }

    /// Parses rule text as if it were the file `name`.
    static func parse(_ text: String, name: String = "test.cf") -> ParsedRuleSet {
        var parser = RuleFileParser()
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            parser.parseLine(line, location: "\(name):\(i + 1)")
        }
        return parser.finish()
    }

    static func compile(_ text: String) -> CompiledRuleSet {
        CompiledRuleSet(parse(text))
    }

    /// Names of rules that hit `message` under `rules`.
    static func hits(_ rules: String, _ message: Message, bayes: Double? = nil) -> [String: Int] {
        hits(compile(rules), message, bayes: bayes)
    }

    /// Names of rules of a compiled set that hit `message`, with their counts; `prefilter` false
    /// checks every regex with PCRE2 alone.
    static func hits(_ set: CompiledRuleSet, _ message: Message, bayes: Double? = nil, prefilter: Bool = true) -> [String: Int] {
        let subjects = RuleSubjects(message: message, envelope: Envelope(), maxBodyBytes: 1 << 20)
        var out: [String: Int] = [:]
        for hit in set.evaluate(subjects, bayesProbability: bayes, scoreSet: 0, prefilter: prefilter) { out[hit.name] = hit.count }
        return out
    }

    static let plain = message("""
        From: "Alice Example" <alice@example.com>
        To: bob@example.org
        Subject: Cheap meds for you
        Message-ID: <1@example.com>
        Date: Wed, 31 Jul 2002 16:41:57 +0200
        X-Mailer: Spammer 1.0

        Hello friend,
        buy cheap viagra now. Cheap cheap cheap!

        Visit http://spam.example.biz/offer today.
        """)

    static let html = message("""
        From: shop@example.net
        To: bob@example.org
        Subject: Offer
        MIME-Version: 1.0
        Content-Type: text/html; charset=utf-8

        <html><head><title>Hi</title><style>p { color: red }</style></head>
        <body><p>Fr&#101;e <b>money</b></p><a href="http://click.example.com/x">click here</a>
        <img src="http://img.example.com/a.gif" width="400" height="300"></body></html>
        """)
}
