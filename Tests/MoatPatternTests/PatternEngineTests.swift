import Logging
import MoatCore
import MoatMessage
@testable import MoatPattern
import Testing

@Suite("PatternEngine")
struct PatternEngineTests {
    let context = ScanContext(blocking: BlockingWorkPool(threads: 1), logger: Logger(label: "test"))

    static let message = Message(parsing: Array("""
        From: billing@example.com\r
        Subject: =?UTF-8?Q?Invoice_INV-4471?=\r
        MIME-Version: 1.0\r
        Content-Type: multipart/mixed; boundary="b"\r
        \r
        --b\r
        Content-Type: text/plain\r
        \r
        See attached.\r
        --b\r
        Content-Type: application/octet-stream; name="inv.bin"\r
        Content-Transfer-Encoding: base64\r
        \r
        \(Array("payload CAMPAIGN-77 inside".utf8).base64)\r
        --b--\r

        """.utf8))

    @Test("raw scope sees encoded bytes only; parts scope sees decoded attachments")
    func scopes() async throws {
        let raw = PatternEngine(patterns: ["campaign-77"], scope: .raw, category: .malware, score: 5)
        #expect(try await raw.scan(ScanInput(message: Self.message), context: context).category == nil)

        let parts = PatternEngine(patterns: ["campaign-77"], scope: .parts, category: .malware, score: 5)
        let report = try await parts.scan(ScanInput(message: Self.message), context: context)
        #expect(report.category == .malware)
        #expect(report.score == 5)
        #expect(report.findings.map(\.partPath) == ["2"])
    }

    @Test("headers scope matches decoded RFC 2047 values")
    func headers() async throws {
        let engine = PatternEngine(patterns: ["invoice inv-4471"], scope: .headers)
        #expect(try await engine.scan(ScanInput(message: Self.message), context: context).category == .suspicious)
    }

    @Test("disarm replaces the matching part with a note that splices into the message")
    func disarm() async throws {
        let engine = PatternEngine(patterns: ["CAMPAIGN-77"], scope: .parts, disarm: true)
        let report = try await engine.scan(ScanInput(message: Self.message), context: context)
        #expect(report.replacements.map(\.partPath) == ["2"])
        let rewritten = Message(parsing: Self.message.replacingParts(["2": report.replacements[0].rawPart]))
        #expect(rewritten.part(at: "2")?.text?.contains("was removed by the mail gateway") == true)
        #expect(rewritten.part(at: "1")?.text?.contains("See attached.") == true)
    }

    @Test("case-insensitive search finds matches at the edges and not across a miss")
    func search() {
        #expect(PatternEngine.containsForTesting(Array("ABC".utf8), "abc"))
        #expect(PatternEngine.containsForTesting(Array("xxabc".utf8), "ABC"))
        #expect(!PatternEngine.containsForTesting(Array("ab".utf8), "abc"))
        #expect(!PatternEngine.containsForTesting(Array("abxc".utf8), "abc"))
    }
}

extension Array where Element == UInt8 {
    var base64: String { Data(self).base64EncodedString() }
}

import Foundation

extension PatternEngine {
    static func containsForTesting(_ haystack: [UInt8], _ needle: String) -> Bool {
        PatternEngine(patterns: [needle]).patterns.allSatisfy { contains(haystack[...], $0) }
    }
}
