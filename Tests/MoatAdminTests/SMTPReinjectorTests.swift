import Testing
@testable import MoatAdmin

/// The parts of SMTP re-injection a real Postfix cannot tell apart in the cluster e2e: what the
/// DATA section looks like for awkward messages, and envelope addresses that would inject commands.
@Suite("SMTP re-injection")
struct SMTPReinjectorTests {
    @Test("DATA: bare LF becomes CRLF, leading dots are doubled, the closing dot line follows")
    func dotStuffing() {
        let raw = Array("Subject: x\n\n.hidden line\r\n..two dots\nlast line without end".utf8)
        let data = String(decoding: SMTPReinjector.dotStuffed(raw), as: UTF8.self)
        #expect(data == "Subject: x\r\n\r\n..hidden line\r\n...two dots\r\nlast line without end\r\n.\r\n")
        #expect(String(decoding: SMTPReinjector.dotStuffed([]), as: UTF8.self) == ".\r\n")
        #expect(String(decoding: SMTPReinjector.dotStuffed(Array(".\r\n".utf8)), as: UTF8.self) == "..\r\n.\r\n")
    }

    @Test("envelope addresses: brackets stripped once; CR, LF, spaces or brackets inside refused")
    func addresses() throws {
        #expect(try SMTPReinjector.pathAddress("<a@example.org>") == "a@example.org")
        #expect(try SMTPReinjector.pathAddress(" b@example.org ") == "b@example.org")
        #expect(try SMTPReinjector.pathAddress("") == "")
        for hostile in ["a@example.org>\r\nRCPT TO:<evil@example.net", "a@example.org\nDATA", "a b@example.org", "<a<b>@example.org>"] {
            #expect(throws: SMTPReinjector.SMTPError.self) { try SMTPReinjector.pathAddress(hostile) }
        }
    }

    @Test("release_smtp addresses: HOST:PORT and [v6]:PORT; anything else refused")
    func addressParsing() {
        #expect(SMTPReinjector(address: "127.0.0.1:10025")?.port == 10025)
        #expect(SMTPReinjector(address: "[::1]:25")?.host == "::1")
        for bad in ["127.0.0.1", ":25", "host:0", "host:70000", "host:x"] { #expect(SMTPReinjector(address: bad) == nil) }
    }
}
