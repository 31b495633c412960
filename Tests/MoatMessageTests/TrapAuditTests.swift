import Foundation
import Testing
@testable import MoatMessage

/// Malformed input that used to trap (kill the process) in the MIME decoders; each must now
/// parse to a value. See docs/trap-audit.md.
@Suite("Trap audit: malformed input returns")
struct TrapAuditTests {
    @Test("a backslash ending a comment in a parameter list", arguments: [
        "text/plain; (\\",
        "text/plain; name=(\\",
        "text/plain; (a(b\\",
    ])
    func commentEndingInBackslash(value: String) {
        let parsed = MediaType.parse(value)
        #expect(parsed?.essence == "text/plain")
    }

    @Test("a Content-Disposition comment ending in a backslash, in a whole message")
    func dispositionCommentInMessage() {
        let m = Message(parsing: TestMail.crlf("Content-Type: text/plain\nContent-Disposition: attachment; (\\\n\nbody"))
        #expect(m.root.disposition == "attachment")
        #expect(m.root.decoded == Array("body".utf8))
    }

    @Test("a uuencode begin line with a run of octal digits longer than Int")
    func uuencodeModeOverflow() {
        let digits = String(repeating: "7", count: 40)
        let m = Message(parsing: TestMail.crlf("Content-Type: text/plain\n\nbegin \(digits) x.exe\n#0V%T\n`\nend\n"))
        // Not a begin line (a mode has 3 or 4 digits): no extraction, and no trap.
        #expect(m.root.children.isEmpty)
        let blocks = Array("begin \(digits) x\n`\nend\n".utf8).withUnsafeBufferPointer { UUDecoder.blocks(in: $0, limit: 1 << 20) }
        #expect(blocks.isEmpty)
    }
}
