import Foundation
import MailTestSupport
import Testing
@testable import MoatSpam

/// Header address lists are split on their UTF-8 bytes; the result must equal the split by
/// `Character` that the engine did before.
@Suite struct AddressSplitTests {
    /// The previous definition: pieces cut at commas outside quotes, angle brackets and comments.
    static func referencePieces(_ value: String) -> [String] {
        var current = ""
        var depth = 0
        var quoted = false
        var pieces: [String] = []
        for c in value {
            if c == "\"" { quoted.toggle() }
            if !quoted {
                if c == "<" || c == "(" { depth += 1 }
                if c == ">" || c == ")" { depth = max(0, depth - 1) }
            }
            if c == ",", !quoted, depth == 0 {
                pieces.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        pieces.append(current)
        return pieces
    }

    @Test func matchesTheCharacterSplitOnRandomLists() {
        let pieces = ["a@example.com", "\"Doe, John\"", "<j@example.org>", " ", ",", "(comment, here)", "Ünïcødé", "日本",
                      "\"", "<", ">", "(", ")", "x\u{301}", "😀", "\t", "\r\n", "name"]
        var random = TestRandom(seed: 0x2545_F491_4F6C_DD1D)
        for value in random.texts(from: pieces, count: 3_000, maxPieces: 18) {
            let expected = Self.referencePieces(value).compactMap { piece -> String? in
                let p = piece.trimmingWhitespaceAndNewlines()
                return p.isEmpty ? nil : p
            }
            let parsed = RuleSubjects.parseAddresses(value)
            #expect(parsed.count == expected.count, "\(value.debugDescription)")
        }
    }

    /// Trimming on the scalars gives what Foundation's `trimmingCharacters(in:)` gives, for both
    /// sets the engine trims with, on random texts with spaces, tabs, line breaks, Unicode
    /// spaces and combining marks at either end.
    @Test func trimmingMatchesFoundation() {
        let pieces = [" ", "\t", "\r\n", "\n", "\u{A0}", "\u{2003}", "\u{3000}", "\u{85}", "a", "b@c.d", "\u{301}", "Ü", "日", "😀", "<", "\""]
        var random = TestRandom(seed: 0x9E37_79B9_7F4A_7C15)
        for text in random.texts(from: pieces, count: 3_000, maxPieces: 8) {
            for set in [CharacterSet.whitespaces, .whitespacesAndNewlines] {
                #expect(text.trimming(set) == text.trimmingCharacters(in: set), "\(text.debugDescription)")
                let inner = Substring(text).dropFirst()
                #expect(inner.trimming(set) == inner.trimmingCharacters(in: set), "\(inner.debugDescription)")
            }
        }
    }

    @Test func namesAndAddresses() {
        let parsed = RuleSubjects.parseAddresses("\"Doe, John\" <john@example.com>, jane@example.org (Jane), <x@y.z>")
        #expect(parsed.map(\.1) == ["john@example.com", "jane@example.org", "x@y.z"])
        #expect(parsed.map(\.0) == ["Doe, John", "Jane", nil])
    }
}
