import Foundation
import MoatMessage
import Testing
@testable import MoatURL

/// Extraction from text, HTML, headers and PDFs, one fixture per form.
struct ExtractionTests {
    static func urls(_ message: Message) -> [ExtractedURL] {
        Support.extractor.extractWithoutImages(from: message).urls
    }

    @Test(arguments: [
        ("Visit https://evil.example/login now.", "https://evil.example/login"),
        ("Go to www.evil-example.com/path, today", "http://www.evil-example.com/path"),
        ("See evil-example.net/verify for details", "http://evil-example.net/verify"),
        ("Report: hxxp://bad[.]example/x", "http://bad.example/x"),
        ("Host: bad(dot)example(dot)com/x", "http://bad.example.com/x"),
        ("(https://paren.example/a_(b))", "https://paren.example/a_(b)"),
        ("Our new host (mail.example.org) is up.", "http://mail.example.org/"),
        ("[see evil-example.net/verify]", "http://evil-example.net/verify"),
        ("the portal (login.example.co.uk).", "http://login.example.co.uk/"),
        ("<https://wrapped.example/very/long/\n    path/to/page>", "https://wrapped.example/very/long/path/to/page"),
        ("Please click the following link to keep your account https://wrap.example/abc/\nde/fgh?x=1&y=2\nThanks", "https://wrap.example/abc/de/fgh?x=1&y=2"),
        ("ｈｔｔｐｓ://fullwidth.example/", "https://fullwidth.example/"),
        ("login at https://evil\u{3002}example/", "https://evil.example/"),
        ("zero https://ev\u{200B}il.example/x", "https://evil.example/x"),
    ])
    func text(_ body: String, _ expected: String) {
        let found = Self.urls(Support.message(body: body)).map(\.normalized)
        #expect(found.contains(expected), "found \(found)")
    }

    @Test("an address written in HTML text is extracted as text; link text is not read twice")
    func htmlVisibleText() {
        let html = #"<p>Copy this into your browser:<br>https://paypal.com.case-review.example/status</p><p>or hxxps://backup[.]example/x</p>"#
            + #"<a href="https://tracker.example/c">https://shown.example/</a><script>var u = "https://script.example/";</script>"#
        let found = Self.urls(Support.message(type: "text/html", body: html))
        let text = found.filter { $0.source == .text }.map(\.normalized)
        #expect(text.contains("https://paypal.com.case-review.example/status"), "\(text)")
        #expect(text.contains("https://backup.example/x"), "\(text)")
        #expect(!text.contains("https://shown.example/"), "anchor text is the link's display, not a second link")
        #expect(!found.contains { $0.host == "script.example" })
        #expect(found.contains { $0.source == .html && $0.normalized == "https://tracker.example/c" })
    }

    @Test(arguments: [
        "Version 1.2.3 of setup.py and archive.zip, mail me at a@example.com.",
        "Nothing here: e.g. the U.S. and Node.js.",
        "Versions (setup.py) and (v1.2.3) and [a.b] stay words.",
    ])
    func textWithoutLinks(_ body: String) {
        #expect(Self.urls(Support.message(body: body)).isEmpty)
    }

    @Test(arguments: [
        (#"<a href="https://evil.example/a">x</a>"#, "https://evil.example/a"),
        (#"<a HREF = 'https://evil.example/b' >x</a>"#, "https://evil.example/b"),
        (#"<a href=https://evil.example/c>x</a>"#, "https://evil.example/c"),
        (#"<a href="&#104;&#x74;tps&colon;//evil.example/d">x</a>"#, "https://evil.example/d"),
        (#"<a href="  https://evil.example/e&amp;x=1  ">x</a>"#, "https://evil.example/e&x=1"),
        (#"<a href="https://%65vil.example/f">x</a>"#, "https://evil.example/f"),
        (#"<a href="https:\\evil.example\g">x</a>"#, "https://evil.example/g"),
        (#"<img src="https://img.example/p.png">"#, "https://img.example/p.png"),
        (#"<form action="https://form.example/post"></form>"#, "https://form.example/post"),
        (#"<img srcset="https://s1.example/a.png 1x, https://s2.example/b.png 2x">"#, "https://s2.example/b.png"),
        (#"<div style="background:url('https://css.example/bg.png')"></div>"#, "https://css.example/bg.png"),
        (#"<style>.x{background:url(https://style.example/x.png)}</style>"#, "https://style.example/x.png"),
        (#"<meta http-equiv="refresh" content="0; url=https://refresh.example/go">"#, "https://refresh.example/go"),
        (#"<base href="https://base.example/dir/"><a href="page.html">x</a>"#, "https://base.example/dir/page.html"),
        (#"<td background="https://bg.example/t.gif"></td>"#, "https://bg.example/t.gif"),
        (#"<a href="https://www.google.com/url?q=https%3A%2F%2Finner.example%2F">x</a>"#, "https://inner.example/"),
        (#"<!-- <a href="https://comment.example/"> --><a href="https://after.example/">x</a>"#, "https://after.example/"),
    ])
    func html(_ markup: String, _ expected: String) {
        let found = Self.urls(Support.message(type: "text/html; charset=utf-8", body: markup)).map(\.normalized)
        #expect(found.contains(expected), "found \(found)")
    }

    @Test func commentedLinksAreNotExtracted() {
        let found = Self.urls(Support.message(type: "text/html", body: #"<!-- <a href="https://comment.example/"> -->"#))
        #expect(found.isEmpty)
    }

    @Test func anchorTextIsKept() throws {
        let found = Self.urls(Support.message(type: "text/html", body: #"<a href="https://evil.example/x"><b>www.bank.example</b></a>"#))
        #expect(try #require(found.first).anchorText == "www.bank.example")
    }

    @Test func headers() {
        let message = Support.message(body: "hi", headers: ["List-Unsubscribe: <mailto:u@example.org>, <https://unsub.example/u?id=1>", "List-Help: <https://help.example/>"])
        let found = Self.urls(message)
        #expect(found.contains { $0.normalized == "https://unsub.example/u?id=1" && $0.source == .header && $0.partPath == "" })
        #expect(found.contains { $0.normalized == "https://help.example/" })
    }

    static func pdf(objects: [String], extra: [UInt8] = []) -> [UInt8] {
        var text = "%PDF-1.7\n"
        for (index, object) in objects.enumerated() { text += "\(index + 1) 0 obj\n\(object)\nendobj\n" }
        return Array(text.utf8) + extra + Array("trailer\n<< /Root 1 0 R >>\n%%EOF\n".utf8)
    }

    static func pdfMessage(_ pdf: [UInt8]) -> Message {
        let body = "--B\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n--B\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"x.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + Data(pdf).base64EncodedString(options: .lineLength76Characters) + "\r\n--B--"
        return Support.message(type: "multipart/mixed; boundary=B", body: body)
    }

    @Test func pdfLinkAnnotations() {
        let pdf = Self.pdf(objects: [
            "<< /Type /Annot /Subtype /Link /A << /S /URI /URI (https://pdf.example/login\\(1\\)) >> >>",
            "<< /Type /Annot /Subtype /Link /A << /S /URI /URI <68747470733a2f2f6865782e6578616d706c652f> >> >>",
        ])
        let found = Self.urls(Self.pdfMessage(pdf))
        #expect(found.contains { $0.normalized == "https://pdf.example/login(1)" && $0.source == .pdf && $0.partPath == "2" })
        #expect(found.contains { $0.normalized == "https://hex.example/" })
    }

    @Test func pdfObjectStreams() throws {
        let inner = "<< /Type /Annot /Subtype /Link /A << /S /URI /URI (https://flate.example/objstm) >> >>"
        let compressed = try #require(Support.run("/usr/bin/python3", ["-c", "import sys,zlib; sys.stdout.buffer.write(zlib.compress(sys.stdin.buffer.read()))"], input: Data(inner.utf8)))
        let stream = Array("2 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length \(compressed.count) >>\nstream\n".utf8)
            + Array(compressed) + Array("\nendstream\nendobj\n".utf8)
        let found = Self.urls(Self.pdfMessage(Self.pdf(objects: ["<< /Type /Catalog >>"], extra: stream)))
        #expect(found.contains { $0.normalized == "https://flate.example/objstm" && $0.source == .pdf })
    }

    @Test func encryptedPDFIsReported() {
        let pdf = Self.pdf(objects: ["<< /Filter /Standard /V 2 >>"], extra: Array("trailer << /Encrypt 1 0 R >>\n".utf8))
        let extraction = Support.extractor.extractWithoutImages(from: Self.pdfMessage(pdf))
        #expect(extraction.notes.contains { $0.code == "url.pdf_encrypted" })
    }

    @Test func hundredThousandLinksAreBounded() {
        var html = "<html><body>"
        for i in 0..<100_000 { html += "<a href=\"https://host\(i).example/p\">link \(i)</a>\n" }
        html += "</body></html>"
        let extraction = Support.extractor.extractWithoutImages(from: Support.message(type: "text/html", body: html))
        #expect(extraction.urls.count == URLExtractionLimits().maxURLs)
        #expect(extraction.notes.contains { $0.code == "url.limit_urls" })
    }

    @Test func hostileMarkupTerminates() {
        let bodies = [String(repeating: "<a href=\"", count: 20_000), String(repeating: "<!--", count: 20_000), String(repeating: "<style>", count: 5_000), String(repeating: "&#x", count: 30_000)]
        for body in bodies {
            _ = Support.extractor.extractWithoutImages(from: Support.message(type: "text/html", body: body))
        }
    }
}
