import Foundation

/// Writes a new spam rule stub and a fixture pair for it.
public enum RuleScaffold {
    public struct ScaffoldError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Writes `DIR/NAME.cf` (lower-cased file name), `DIR/fixtures/NAME.eml` and `DIR/fixtures/NAME.expect.toml`;
    /// refuses to overwrite. Returns the paths written.
    @discardableResult
    public static func new(name: String, in directory: String) throws -> [String] {
        guard let first = name.first, first.isLetter, name.allSatisfy({ ($0.isUppercase && $0.isASCII) || $0.isNumber || $0 == "_" }) else {
            throw ScaffoldError(description: "rule names are upper case letters, digits and _ (SpamAssassin style), starting with a letter: '\(name)'")
        }
        let fixtures = directory + "/fixtures"
        let files = [
            (directory + "/" + name.lowercased() + ".cf", """
                # \(name): describe what it catches and why.
                body     \(name)   /\\bTODO replace with the phrase to catch\\b/i
                describe \(name)   TODO one line for reports
                score    \(name)   1.0

                """),
            (fixtures + "/" + name + ".eml", """
                From: Sender <sender@example.com>
                To: Recipient <recipient@example.net>
                Subject: Fixture for \(name)
                Date: Sun, 29 Nov 2026 10:00:00 +0000
                Message-ID: <\(name.lowercased())@fixture.moat.test>
                MIME-Version: 1.0
                Content-Type: text/plain; charset=utf-8

                TODO replace with the phrase to catch, as the spam you saw put it.

                """.replacingOccurrences(of: "\n", with: "\r\n")),
            (fixtures + "/" + name + ".expect.toml", """
                # Expectation for \(name).eml: see rules/README.md.
                engines = ["spam"]
                must_hit = ["spam.\(name)"]
                score_min = 1.0

                """),
        ]
        for (path, _) in files where FileManager.default.fileExists(atPath: path) {
            throw ScaffoldError(description: "\(path) exists; not overwriting")
        }
        try FileManager.default.createDirectory(atPath: fixtures, withIntermediateDirectories: true)
        for (path, content) in files {
            try Data(content.utf8).write(to: URL(fileURLWithPath: path))
        }
        return files.map(\.0)
    }
}
