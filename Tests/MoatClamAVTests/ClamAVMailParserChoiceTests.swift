import Foundation
import Testing
@testable import MoatClamAV
import MoatMessage

/// When the raw message also goes through ClamAV's own mail parser: where Moat's parser and
/// ClamAV's (or a mail client's) could read the structure differently.
@Suite struct ClamAVMailParserChoiceTests {
    private func message(_ text: String) -> Message {
        Message(parsing: Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8))
    }

    @Test func oddFieldNamesAndMboxFilesGoToClamAVsParser() {
        let plain = message("""
            From: a@example.com
            Subject: plain
            Content-Type: multipart/mixed; boundary=b

            --b
            Content-Type: text/plain

            hello
            --b--
            """)
        #expect(!ClamAVEngine.wantsClamAVMailParser(plain))
        let commented = message("""
            From: a@example.com
            Subject: odd
            Content-Type: multipart/mixed; boundary=b

            --b
            Content-Type(comment): application/octet-stream
            Content-Disposition: attachment; filename=x.bin

            AAAA
            --b--
            """)
        #expect(ClamAVEngine.wantsClamAVMailParser(commented))
        #expect(ClamAVEngine.holdsAnotherMboxMessage(Array("From a\nSubject: x\n\nbody\nFrom b\nSubject: y\n\nz\n".utf8)))
        #expect(!ClamAVEngine.holdsAnotherMboxMessage(Array("From a\nSubject: x\n\nbody\n>From b\nFrom\n".utf8)))
    }
}
