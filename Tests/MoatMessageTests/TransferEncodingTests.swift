import Foundation
import Testing
@testable import MoatMessage

@Suite("Transfer encodings")
struct TransferEncodingTests {
    @Test("base64 with garbage, concatenation and a truncated tail")
    func base64Garbage() {
        let r = Base64Decoder.decode(Array("aGVs!!bG8=\r\nIHdv*cmxk".utf8))
        #expect(r.bytes == Array("hello world".utf8))
        #expect(r.garbage == 3)
        #expect(r.concatenated)
        let m = Message(parsing: TestMail.crlf("Content-Transfer-Encoding: base64\n\naGVs!!bG8=\nIHdvcmxk\nQ"))
        #expect(m.root.decoded == Array("hello world".utf8))
        let codes = TestMail.codes(m)
        #expect(codes.contains(ParseFinding.Code.base64Garbage))
        #expect(codes.contains(ParseFinding.Code.base64Concatenated))
        #expect(codes.contains(ParseFinding.Code.base64Incomplete))
    }

    @Test("quoted-printable edge cases", arguments: [
        ("a=3Db=3db", "a=b=b", 0),                 // upper and lower case hex
        ("soft=\r\nbreak", "softbreak", 0),        // soft line break
        ("soft=  \nbreak", "softbreak", 0),        // soft break with trailing space
        ("trail   \r\nx", "trail\r\nx", 0),        // trailing whitespace is transport noise
        ("in  side", "in  side", 0),
        ("bad=ZZ and =4", "bad=ZZ and =4", 2),     // malformed kept literally
        ("end=", "end", 0),
        ("=C3=A9t=C3=A9", "\u{e9}t\u{e9}", 0),
    ])
    func quotedPrintable(input: String, expected: String, malformed: Int) {
        let r = QuotedPrintableDecoder.decode(Array(input.utf8))
        #expect(String(decoding: r.bytes, as: UTF8.self) == expected)
        #expect(r.malformed == malformed)
    }

    @Test("malformed quoted-printable in a part raises qp_malformed")
    func qpFinding() {
        let m = Message(parsing: TestMail.crlf("Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: Quoted-Printable\n\n=E2=82=AC =XY"))
        #expect(m.root.text == "\u{20ac} =XY")
        #expect(TestMail.codes(m).contains(ParseFinding.Code.qpMalformed))
    }

    @Test("unknown CTE is kept raw and flagged")
    func unknownCTE() {
        let m = Message(parsing: TestMail.crlf("Content-Transfer-Encoding: x-gzip64\n\nraw data"))
        #expect(m.root.transferEncoding == .other("x-gzip64"))
        #expect(m.root.decoded == Array("raw data".utf8))
        #expect(TestMail.codes(m).contains(ParseFinding.Code.unknownTransferEncoding))
    }

    /// Classic uuencoding of `data`.
    static func uuencode(_ data: [UInt8], name: String) -> String {
        func ch(_ v: UInt8) -> Character { v == 0 ? "`" : Character(Unicode.Scalar(v + 32)) }
        var out = "begin 644 \(name)\n"
        var i = 0
        while i < data.count {
            let line = Array(data[i..<min(i + 45, data.count)])
            var s = String(ch(UInt8(line.count)))
            var k = 0
            while k < line.count {
                let b0 = line[k], b1 = k + 1 < line.count ? line[k + 1] : 0, b2 = k + 2 < line.count ? line[k + 2] : 0
                s.append(ch(b0 >> 2)); s.append(ch((b0 << 4 | b1 >> 4) & 63))
                s.append(ch((b1 << 2 | b2 >> 6) & 63)); s.append(ch(b2 & 63))
                k += 3
            }
            out += s + "\n"
            i += 45
        }
        return out + "`\nend\n"
    }

    @Test("uuencoded block in a text body becomes a child part")
    func uuencodedBlock() throws {
        let payload = Array((0..<200).map { UInt8($0 % 256) })
        let body = "Please see attached.\n\n" + Self.uuencode(payload, name: "invoice.exe") + "\nThanks\n"
        let m = Message(parsing: TestMail.multipart(parts: ["Content-Type: text/plain\n\n" + body]))
        let child = try #require(m.part(at: "1.u1"))
        #expect(child.origin == .uuencoded)
        #expect(child.filename == "invoice.exe")
        #expect(child.decoded == payload)
        #expect(child.isRawAddressable)
        #expect(Array(m.raw[child.rawRange]).starts(with: Array("begin 644 invoice.exe".utf8)))
        #expect(TestMail.codes(m).contains(ParseFinding.Code.uuencoded))
        #expect(m.leaves.map(\.path) == ["1", "1.u1"])
    }

    @Test("x-uuencode transfer encoding decodes the body")
    func uuencodeCTE() {
        let m = Message(parsing: TestMail.crlf("Content-Type: application/octet-stream\nContent-Transfer-Encoding: x-uuencode\n\n" + Self.uuencode(Array("hi there".utf8), name: "a.txt")))
        #expect(m.root.transferEncoding == .uuencode)
        #expect(m.root.decoded == Array("hi there".utf8))
        #expect(m.root.filename == "a.txt")
    }

    @Test("decoded-size limit stops decoding with a finding")
    func decodedLimit() {
        let big = Data(repeating: 0x41, count: 100_000).base64EncodedString(options: .lineLength76Characters)
        let m = Message(parsing: TestMail.multipart(parts: [
            "Content-Transfer-Encoding: base64\n\n\(big)", "Content-Transfer-Encoding: base64\n\n\(big)",
        ]), limits: MessageLimits(maxDecodedBytes: 150_000))
        #expect(m.leaves.map(\.decoded.count).reduce(0, +) == 150_000)
        #expect(TestMail.codes(m).filter { $0 == ParseFinding.Code.limitDecodedBytes }.count == 1)
    }

    @Test("message size limit parses only the prefix")
    func messageLimit() {
        let m = Message(parsing: TestMail.crlf("Subject: x\n\n" + String(repeating: "a", count: 1000)), limits: MessageLimits(maxMessageBytes: 100))
        #expect(m.root.rawRange == 0..<100)
        #expect(TestMail.codes(m).contains(ParseFinding.Code.limitMessageBytes))
    }

    @Test("a 50 MB base64 attachment parses (linear scan)")
    func largeMessage() {
        let line = Array("QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\r\n".utf8)
        var raw = TestMail.crlf("Content-Type: multipart/mixed; boundary=Z\n\n--Z\nContent-Transfer-Encoding: base64\n\n")
        raw.reserveCapacity(52 << 20)
        for _ in 0..<(50 << 20) / line.count { raw += line }
        raw += TestMail.crlf("--Z--\n")
        let m = Message(parsing: raw)
        #expect(m.part(at: "1")?.decoded.count == (50 << 20) / line.count * 57)
        #expect(m.findings.isEmpty, "\(m.findings)")
    }
}
