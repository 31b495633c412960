import Foundation
import Testing
@testable import MoatMessage

@Suite("MIME structure")
struct MultipartTests {
    @Test("basic multipart: paths, preamble, epilogue, CRLF before delimiter belongs to it")
    func basic() throws {
        let m = Message(parsing: TestMail.multipart(parts: [
            "Content-Type: text/plain\n\nfirst",
            "Content-Type: text/html\n\n<p>second</p>\n",
        ]))
        #expect(m.root.isMultipart)
        #expect(m.root.children.map(\.path) == ["1", "2"])
        #expect(m.part(at: "1")?.text == "first")
        #expect(m.part(at: "2")?.text == "<p>second</p>\r\n")
        #expect(m.root.preamble == Array("preamble".utf8))
        #expect(m.root.epilogue == Array("epilogue\r\n".utf8))
        let first = try #require(m.part(at: "1"))
        #expect(Array(m.raw[first.rawRange]) == TestMail.crlf("Content-Type: text/plain\n\nfirst"))
        #expect(m.findings.isEmpty, "\(m.findings)")
        #expect(m.leaves.map(\.path) == ["1", "2"])
    }

    @Test("delimiter with trailing whitespace; a longer line sharing the prefix is not a delimiter")
    func delimiterLines() {
        let raw = TestMail.crlf("Content-Type: multipart/mixed; boundary=abc\n\n--abc  \t\n\nfirst\n--abcdef\nstill first\n--abc--  \n")
        let m = Message(parsing: raw)
        #expect(m.root.children.count == 1)
        #expect(m.part(at: "1")?.text == "first\r\n--abcdef\r\nstill first")
    }

    @Test("missing close boundary ends at the parent's end with a finding")
    func missingClose() {
        let m = Message(parsing: TestMail.multipart(parts: ["Content-Type: text/plain\n\none", "\ntwo"], close: false))
        #expect(m.root.children.count == 2)
        #expect(m.part(at: "2")?.text == "two\r\n")
        #expect(TestMail.codes(m).contains(ParseFinding.Code.missingCloseBoundary))
    }

    @Test("boundary never found: one opaque part with a finding")
    func boundaryNotFound() {
        let raw = TestMail.crlf("Content-Type: multipart/mixed; boundary=nothere\n\njust text\n")
        let m = Message(parsing: raw)
        #expect(!m.root.isMultipart)
        #expect(m.root.isLeaf)
        #expect(m.root.decoded == Array("just text\r\n".utf8))
        #expect(TestMail.codes(m).contains(ParseFinding.Code.boundaryNotFound))
        let noParam = Message(parsing: TestMail.crlf("Content-Type: multipart/mixed\n\nx"))
        #expect(TestMail.codes(noParam).contains(ParseFinding.Code.missingBoundaryParameter))
    }

    @Test("an inner part containing the outer delimiter ends early")
    func innerContainsOuterDelimiter() {
        let raw = TestMail.crlf("""
        Content-Type: multipart/mixed; boundary=outer

        --outer
        Content-Type: multipart/alternative; boundary=inner

        --inner
        Content-Type: text/plain

        inner text
        --outer
        Content-Type: text/plain

        outer two
        --outer--
        """)
        let m = Message(parsing: raw)
        #expect(m.root.children.count == 2)
        #expect(m.part(at: "1.1")?.text == "inner text")
        #expect(m.part(at: "2")?.text == "outer two")
        #expect(m.findings.filter { $0.code == ParseFinding.Code.missingCloseBoundary }.map(\.partPath) == ["1"])
    }

    @Test("boundary text inside base64 data does not split (base64 alphabet has no line starting --)")
    func boundaryInsideBase64() {
        let payload = Data("--B\r\nnot a delimiter\r\n".utf8).base64EncodedString()
        let m = Message(parsing: TestMail.multipart(boundary: "B", parts: [
            "Content-Type: application/octet-stream\nContent-Transfer-Encoding: base64\n\n\(payload)",
        ]))
        #expect(m.root.children.count == 1)
        #expect(m.part(at: "1")?.decoded == Array("--B\r\nnot a delimiter\r\n".utf8))
    }

    @Test("base64-encoded multipart is decoded and split, flagged, and not raw-addressable")
    func encodedMultipart() {
        let inner = TestMail.crlf("--X\nContent-Type: text/plain\n\nhidden\n--X--\n")
        let raw = TestMail.crlf("Content-Type: multipart/mixed; boundary=X\nContent-Transfer-Encoding: base64\n\n")
            + Array(Data(inner).base64EncodedString(options: .lineLength76Characters).utf8)
        let m = Message(parsing: raw)
        #expect(TestMail.codes(m).contains(ParseFinding.Code.illegalTransferEncoding))
        #expect(m.part(at: "1")?.text == "hidden")
        #expect(m.part(at: "1")?.isRawAddressable == false)
    }

    @Test("message/rfc822 inside a multipart: paths follow the IMAP-like rule")
    func embeddedMessages() {
        let raw = TestMail.multipart(boundary: "outer", parts: [
            "Content-Type: text/plain\n\nhello",
            "Content-Type: message/rfc822\n\nSubject: inner leaf\n\ninner body",
            "Content-Type: message/rfc822\n\nSubject: inner multi\nContent-Type: multipart/mixed; boundary=in\n\n--in\n\na\n--in\n\nb\n--in--",
        ])
        let m = Message(parsing: raw)
        #expect(m.parts.map(\.path) == ["", "1", "2", "2.1", "3", "3.0", "3.1", "3.2"])
        #expect(m.part(at: "2.1")?.headers.first("subject")?.value == "inner leaf")
        #expect(m.part(at: "2.1")?.text == "inner body")
        #expect(m.part(at: "3.0")?.headers.first("subject")?.value == "inner multi")
        #expect(m.part(at: "3.2")?.text == "b")
        #expect(m.part(at: "3.1")?.depth == 3)
    }

    @Test("base64 message/rfc822 is decoded and parsed")
    func encodedEmbedded() {
        let inner = Data(TestMail.crlf("Subject: hidden\n\nsecret")).base64EncodedString()
        let m = Message(parsing: TestMail.multipart(parts: ["Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n\(inner)"]))
        #expect(m.part(at: "1.1")?.text == "secret")
        #expect(TestMail.codes(m).contains(ParseFinding.Code.illegalTransferEncoding))
    }

    @Test("multipart/digest children default to message/rfc822")
    func digest() {
        let raw = TestMail.crlf("Content-Type: multipart/digest; boundary=d\n\n--d\n\nSubject: one\n\nbody one\n--d--\n")
        let m = Message(parsing: raw)
        #expect(m.part(at: "1")?.contentType.essence == "message/rfc822")
        #expect(m.part(at: "1.1")?.headers.first("subject")?.value == "one")
    }

    @Test("50 nested multiparts: depth finding at the default 40, full parse with the limit raised")
    func deepNesting() {
        let raw = TestMail.nested(depth: 50)
        let limited = Message(parsing: raw)
        #expect(TestMail.codes(limited).contains(ParseFinding.Code.limitDepth))
        #expect(limited.parts.map(\.depth).max() == 40)
        let full = Message(parsing: raw, limits: MessageLimits(maxDepth: 60))
        #expect(!TestMail.codes(full).contains(ParseFinding.Code.limitDepth))
        #expect(full.leaves.count == 1)
        #expect(full.leaves.first?.text == "bottom")
        #expect(full.leaves.first?.depth == 50)
    }

    @Test("part limit stops splitting with a finding")
    func partLimit() {
        let parts = (1...30).map { "Content-Type: text/plain\n\npart \($0)" }
        let m = Message(parsing: TestMail.multipart(parts: parts), limits: MessageLimits(maxParts: 10))
        #expect(m.parts.count == 10)
        #expect(TestMail.codes(m).filter { $0 == ParseFinding.Code.limitParts }.count == 1)
    }

    @Test("duplicate Content-Type is flagged; the first one is used")
    func duplicateContentType() {
        let m = Message(parsing: TestMail.crlf("Content-Type: text/plain\nContent-Type: text/html\n\nx"))
        #expect(m.root.contentType.essence == "text/plain")
        #expect(m.findings.contains { $0.code == ParseFinding.Code.duplicateHeader && $0.detail.contains("content-type") })
    }

    @Test("NUL bytes and malformed content types never crash")
    func nulBytes() {
        let raw = TestMail.crlf("Content-Type: ;;;===\"\n\n") + [0, 0, 0x41, 0]
        let m = Message(parsing: raw)
        #expect(TestMail.codes(m).contains(ParseFinding.Code.nulBytes))
        #expect(TestMail.codes(m).contains(ParseFinding.Code.malformedContentType))
        #expect(m.root.contentType.essence == "text/plain")
    }

    @Test("part without headers: body starts at the first non-header line")
    func partWithoutHeaders() {
        let m = Message(parsing: TestMail.multipart(parts: ["just a body line"]))
        #expect(m.part(at: "1")?.text == "just a body line")
        #expect(TestMail.codes(m).contains(ParseFinding.Code.missingHeaderSeparator))
    }

    @Test("replacingParts splices new bytes; everything else stays byte-identical")
    func replaceRoundTrip() throws {
        let raw = TestMail.multipart(parts: [
            "Content-Type: text/plain\n\nkeep me",
            "Content-Type: application/x-msdownload; name=evil.exe\nContent-Transfer-Encoding: base64\n\nTVqQAAMAAAAEAAAA",
            "Content-Type: text/plain\n\nkeep me too",
        ])
        let m = Message(parsing: raw)
        let replacement = TestMail.crlf("Content-Type: text/plain; name=removed.txt\n\nattachment removed")
        let out = m.replacingParts(["2": replacement, "2.9": [1, 2, 3], "nope": []])
        let again = Message(parsing: out)
        #expect(again.part(at: "2")?.text == "attachment removed")
        #expect(again.part(at: "2")?.filename == "removed.txt")
        for path in ["1", "3"] {
            let before = try #require(m.part(at: path)), after = try #require(again.part(at: path))
            #expect(Array(m.raw[before.rawRange]) == Array(again.raw[after.rawRange]))
        }
        let old2 = try #require(m.part(at: "2"))
        #expect(Array(out[..<old2.rawRange.lowerBound]) == Array(raw[..<old2.rawRange.lowerBound]))
        #expect(Array(out[(old2.rawRange.lowerBound + replacement.count)...]) == Array(raw[old2.rawRange.upperBound...]))
        // Outermost wins when replacements nest.
        let nested = m.replacingParts(["": Array("whole".utf8), "1": Array("inner".utf8)])
        #expect(nested == Array("whole".utf8))
    }
}
