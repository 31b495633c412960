import Foundation
import Testing
@testable import MoatMessage

@Suite("Header sections")
struct HeaderParsingTests {
    @Test("folded headers are unfolded; duplicates kept in order")
    func folding() {
        let m = Message(parsing: TestMail.crlf("Subject: hello\n world\nX-A: 1\nx-a: 2\nFrom: a@b\nFrom: c@d\n\nbody"))
        #expect(m.headers.first("subject")?.value == "hello world")
        #expect(m.headers.all("X-A").map(\.value) == ["1", "2"])
        #expect(TestMail.codes(m).contains(ParseFinding.Code.duplicateHeader))
        #expect(m.root.decoded == Array("body".utf8))
        let f = m.headers.first("Subject")
        #expect(f.map { Array(m.raw[$0.byteRange]) } == TestMail.crlf("Subject: hello\n world\n"))
    }

    @Test("field names match in any ASCII case; only letters are folded")
    func nameLookup() {
        let m = Message(parsing: TestMail.crlf("X-MiXeD-Case: 1\nX-Mixed-Case: 2\nX-Other: 4\n\nbody"))
        #expect(m.headers.all("x-mixed-case").map(\.value) == ["1", "2"])
        #expect(m.headers.first("X-MIXED-CASE")?.value == "1")
        #expect(m.headers.first("X-Mixed-Casé") == nil)
        #expect(m.headers.first("X-Mixed-Cas") == nil)
        #expect(m.headers.first("X-Mixed-Casf") == nil)
        #expect(m.headers.first("X_Mixed-Case") == nil, "only letters are folded, not '_' and '-' (0x5F | 0x20 = 0x7F)")
        // Non-ASCII names fall back to Unicode case folding; a bridged (non-native) name is read too.
        #expect(HeaderList.sameName("X-Ünï", "x-üNÏ"))
        #expect(!HeaderList.sameName("X-Ünï", "x-üNÏs"))
        #expect(HeaderList.sameName(NSString(string: "x-MIXED-case") as String, "X-Mixed-Case"))
    }

    @Test("all and first answer as comparing every field's length and lower-cased name would")
    func lookupsAgainstLowercasing() {
        let names = ["Received", "received", "RECEIVED", "Receive", "X-A", "x-a", "X-Ünï", "x-üNÏ", "\u{212A}ey", "key", "KEY", "K", "k", ""]
        var state: UInt64 = 0x4EAD_E125
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        var matched = 0
        for _ in 0..<300 {
            let fields = (0..<next(12)).map { n in
                HeaderField(name: names[next(names.count)], rawValue: [], value: "\(n)", byteRange: 0..<0)
            }
            let list = HeaderList(fields)
            for name in names {
                let expected = fields.filter { $0.name.utf8.count == name.utf8.count && $0.name.lowercased() == name.lowercased() }
                #expect(list.all(name) == expected, "\(name) in \(fields.map(\.name))")
                #expect(list.first(name) == expected.first)
                matched += expected.count
            }
        }
        #expect(matched > 500)
        // The Kelvin sign lower-cases to `k`, but a name is not another of a different length.
        #expect(!HeaderList.sameName("\u{212A}ey", "key"))
    }

    @Test("bare LF, spaces before colon, mixed endings")
    func lenientSyntax() {
        let raw = Array("Subject : x\nTo: y\r\nContent-Type: text/plain\n\nbody\r\n".utf8)
        let m = Message(parsing: raw)
        #expect(m.headers.first("subject")?.value == "x")
        #expect(m.headers.first("subject")?.name == "Subject")
        #expect(TestMail.codes(m).contains(ParseFinding.Code.mixedLineEndings))
        #expect(m.root.text == "body\r\n")
    }

    @Test("8-bit header bytes: UTF-8 if valid else Latin-1, flagged")
    func eightBit() {
        let utf8 = Message(parsing: Array("Subject: caf\u{e9}\n\nx".utf8))
        #expect(utf8.headers.first("subject")?.value == "caf\u{e9}")
        #expect(TestMail.codes(utf8).contains(ParseFinding.Code.header8Bit))
        let latin = Message(parsing: Array("Subject: caf".utf8) + [0xE9] + Array("\n\nx".utf8))
        #expect(latin.headers.first("subject")?.value == "caf\u{e9}")
        #expect(latin.headers.first("subject")?.rawValue == Array("caf".utf8) + [0xE9])
    }

    @Test("RFC 2047 subjects", arguments: [
        ("=?UTF-8?B?w6nDqQ==?= =?UTF-8?B?w6k=?=", "\u{e9}\u{e9}\u{e9}"),
        ("=?utf-8?q?a_b=3Dc?= plain", "a b=c plain"),
        ("x =?ISO-8859-1?Q?caf=E9?= y", "x caf\u{e9} y"),
        ("=?utf-8*ja?B?5pel5pys?=", "\u{65e5}\u{672c}"),
        // one UTF-8 character split across two words
        ("=?UTF-8?B?5g==?= =?UTF-8?B?l6U=?=", "\u{65e5}"),
        ("=?bogus-cs?Q?abc?=", "abc"),
        ("=?utf-8?B?unterminated", "=?utf-8?B?unterminated"),
    ])
    func encodedWords(input: String, expected: String) {
        #expect(EncodedWords.decode(Array(input.utf8)) == expected)
    }

    @Test("RFC 2047 Shift_JIS and ISO-2022-JP subjects")
    func japaneseSubjects() {
        let text = "\u{8acb}\u{6c42}\u{66f8}\u{306e}\u{3054}\u{6848}\u{5185}"  // 請求書のご案内
        for (label, enc) in [("Shift_JIS", String.Encoding.shiftJIS), ("ISO-2022-JP", .iso2022JP)] {
            let b64 = Data(TestMail.encode(text, enc)).base64EncodedString()
            let m = Message(parsing: TestMail.crlf("Subject: =?\(label)?B?\(b64)?=\n\nx"))
            #expect(m.headers.first("subject")?.value == text, "\(label)")
        }
    }

    @Test("unknown encoded-word charset is flagged")
    func unknownCharsetInHeader() {
        let m = Message(parsing: TestMail.crlf("Subject: =?x-nonsense?Q?hi?=\n\nx"))
        #expect(m.headers.first("subject")?.value == "hi")
        #expect(TestMail.codes(m).contains(ParseFinding.Code.unknownCharset))
    }

    @Test("a 10 MB header line is parsed in linear time (and limited by default)")
    func hugeHeaderLine() {
        let big = [UInt8](repeating: 0x61, count: 10 << 20)
        let raw = Array("From: a@b\r\nSubject: ".utf8) + big + Array("\r\nX-After: 1\r\n\r\nbody".utf8)
        let limited = Message(parsing: raw)
        #expect(TestMail.codes(limited).contains(ParseFinding.Code.limitHeaderBytes))
        #expect(TestMail.codes(limited).contains(ParseFinding.Code.longHeaderLine))
        #expect(limited.headers.first("from")?.value == "a@b")
        #expect(limited.headers.first("subject") == nil)
        #expect(limited.root.decoded == Array("body".utf8))

        let full = Message(parsing: raw, limits: MessageLimits(maxHeaderBytes: 16 << 20))
        #expect(full.headers.first("subject")?.rawValue.count == big.count)
        #expect(full.headers.first("x-after")?.value == "1")
        #expect(!TestMail.codes(full).contains(ParseFinding.Code.limitHeaderBytes))
    }

    @Test("a 10 MB header of encoded-word openers without terminators stays linear")
    func hostileEncodedWords() {
        let chunk = Array("=?a?B?xx".utf8)
        var value: [UInt8] = []
        for _ in 0..<(1 << 17) { value += chunk }
        let text = EncodedWords.decode(value)
        #expect(text.utf8.count == value.count)
    }

    @Test("mbox From_ line is skipped")
    func mboxFrom() {
        let m = Message(parsing: TestMail.crlf("From sender@example.com Mon Jan  1 00:00:00 2024\nSubject: s\n\nb"))
        #expect(m.headers.first("subject")?.value == "s")
        #expect(TestMail.codes(m).contains(ParseFinding.Code.mboxFromLine))
    }

    @Test("MessageLimits decodes snake_case keys with defaults for missing ones")
    func limitsCodable() throws {
        let json = Data(#"{"max_parts": 5, "max_depth": 3}"#.utf8)
        let limits = try JSONDecoder().decode(MessageLimits.self, from: json)
        #expect(limits == MessageLimits(maxParts: 5, maxDepth: 3))
        let round = try JSONDecoder().decode(MessageLimits.self, from: JSONEncoder().encode(limits))
        #expect(round == limits)
    }
}
