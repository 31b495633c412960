import Foundation
import Testing
@testable import MoatMessage

@Suite("Charsets and parameters")
struct CharsetTests {
    static let invoice = "\u{8acb}\u{6c42}\u{66f8}.pdf"  // 請求書.pdf

    @Test("ISO-2022-JP RFC 2231 filename split across two continuations")
    func iso2022JPFilename() throws {
        let bytes = TestMail.encode(Self.invoice, .iso2022JP)
        let cut = bytes.count / 2
        let header = "Content-Disposition: attachment;\n filename*0*=ISO-2022-JP''\(TestMail.percent(Array(bytes[..<cut])));\n filename*1*=\(TestMail.percent(Array(bytes[cut...])))"
        let m = Message(parsing: TestMail.multipart(parts: ["Content-Type: application/pdf\n\(header)\n\n%PDF"]))
        let part = try #require(m.part(at: "1"))
        #expect(part.filename == Self.invoice)
        #expect(part.isAttachment)
        #expect(part.disposition == "attachment")
    }

    @Test("RFC 2231 parameters", arguments: [
        ("application/x; name*=UTF-8''%E8%AB%8B%E6%B1%82.pdf", "\u{8acb}\u{6c42}.pdf"),
        ("application/x; name*1=\"b.exe\"; name*0*=utf-8'en'%61", "ab.exe"),   // numeric order, mixed segments
        ("application/x; name=\"=?UTF-8?B?w6kuZXhl?=\"", "\u{e9}.exe"),         // RFC 2047 inside quotes, as clients do
        ("application/x; NAME=\"a\\\"b\"", "a\"b"),
        ("application/x (comment); name=plain.txt", "plain.txt"),
        ("application/pdf name=\"missing-semicolon.pdf\"", "missing-semicolon.pdf"),
    ])
    func rfc2231(value: String, expected: String) {
        #expect(MediaType.parse(value)?.parameters["name"] == expected)
    }

    @Test("RFC 2231 gaps are flagged; the contiguous prefix is used")
    func rfc2231Gap() {
        let m = Message(parsing: TestMail.crlf("Content-Type: application/x; name*0=a; name*2=c\n\nx"))
        #expect(m.root.filename == "a")
        #expect(TestMail.codes(m).contains(ParseFinding.Code.rfc2231Gap))
    }

    @Test("filename sources that disagree are all kept and flagged")
    func filenameMismatch() {
        let m = Message(parsing: TestMail.crlf("Content-Type: application/pdf; name=\"invoice.pdf\"\nContent-Disposition: attachment; filename*=UTF-8''invoice.exe; filename=\"invoice.pdf\"\n\nx"))
        #expect(m.root.filename == "invoice.exe")
        #expect(m.root.filenameCandidates == ["invoice.exe", "invoice.pdf"])
        #expect(TestMail.codes(m).contains(ParseFinding.Code.filenameMismatch))
    }

    @Test("Shift_JIS, EUC-JP and ISO-2022-JP text bodies", arguments: [
        ("Shift_JIS", String.Encoding.shiftJIS), ("cp932", .shiftJIS), ("x-sjis", .shiftJIS), ("ISO-2022-JP", .iso2022JP),
    ])
    func japaneseBodies(label: String, encoding: String.Encoding) {
        let text = "\u{3053}\u{3093}\u{306b}\u{3061}\u{306f} \u{2460}\u{3231}"  // こんにちは ①㈱ (NEC row 13)
        let body = TestMail.encode(text, encoding)
        #expect(!body.isEmpty)
        let m = Message(parsing: TestMail.crlf("Content-Type: text/plain; charset=\(label)\nContent-Transfer-Encoding: 8bit\n\n") + body)
        #expect(m.root.text == text)
        #expect(m.root.charset == label.lowercased())
    }

    @Test("EUC-JP body via iconv EUC-JP-MS, invalid bytes become U+FFFD")
    func eucJP() {
        // こんにちは in EUC-JP, then an invalid byte pair, then ① (NEC, needs EUC-JP-MS).
        let body: [UInt8] = [0xA4, 0xB3, 0xA4, 0xF3, 0xA4, 0xCB, 0xA4, 0xC1, 0xA4, 0xCF, 0xFF, 0x41, 0xAD, 0xA1]
        let m = Message(parsing: TestMail.crlf("Content-Type: text/plain; charset=\"x-euc-jp\"\n\n") + body)
        #expect(m.root.text == "\u{3053}\u{3093}\u{306b}\u{3061}\u{306f}\u{fffd}A\u{2460}")
    }

    @Test("Latin-1 reading maps every byte to the code point of its value")
    func latin1EveryByte() {
        let bytes = (0...255).map { UInt8($0) } + [0x41, 0xFF, 0x00, 0x80]
        let expected = String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        #expect(ByteText.latin1(bytes) == expected)
        #expect(ByteText.latin1(bytes).unicodeScalars.map(\.value) == bytes.map(UInt32.init))
        #expect(ByteText.latin1([]) == "")
    }

    @Test("charset table", arguments: [
        ("iso-8859-2", [0xB1] as [UInt8], "\u{105}"),
        ("ISO-8859-15", [0xA4], "\u{20ac}"),
        ("windows-1251", [0xC0], "\u{410}"),
        ("windows-1252", [0x80], "\u{20ac}"),
        ("koi8-r", [0xC1], "\u{430}"),
        ("us-ascii", [0x41], "A"),
        ("utf-8", [0xE2, 0x82, 0xAC, 0xFF], "\u{20ac}\u{fffd}"),
        ("latin1", [0xE9], "\u{e9}"),
    ])
    func charsetTable(label: String, bytes: [UInt8], expected: String) {
        let r = Charsets.decode(bytes, charset: label)
        #expect(r.text == expected)
        #expect(r.known)
    }

    @Test("unknown charset: Latin-1 reading, known false, finding on text parts")
    func unknownCharset() {
        let r = Charsets.decode([0xE9], charset: "x-klingon")
        #expect(r.text == "\u{e9}")
        #expect(!r.known)
        #expect(!Charsets.decode([0x41], charset: "utf-8//TRANSLIT").known)
        let m = Message(parsing: TestMail.crlf("Content-Type: text/plain; charset=x-klingon\n\nabc"))
        #expect(m.root.text == "abc")
        #expect(TestMail.codes(m).contains(ParseFinding.Code.unknownCharset))
    }
}
