import Foundation
import MailTestSupport

/// Small PDFs written object by object with a correct cross-reference table, so each test says
/// exactly what the document holds.
enum PDFFixtures {
    /// A document of `objects` (object `i + 1` is `objects[i]`), catalog at object 1.
    static func document(_ objects: [String], brokenXref: Bool = false) -> [UInt8] {
        var out: [UInt8] = Array("%PDF-1.7\n%\u{00E2}\u{00E3}\u{00CF}\u{00D3}\n".utf8)
        var offsets: [Int] = []
        for (index, body) in objects.enumerated() {
            offsets.append(out.count)
            out += Array("\(index + 1) 0 obj\n\(body)\nendobj\n".utf8)
        }
        let xref = out.count
        out += Array("xref\n0 \(objects.count + 1)\n0000000000 65535 f \n".utf8)
        for offset in offsets {
            let shifted = brokenXref ? offset + 7 : offset
            out += Array(String(format: "%010d 00000 n \n", shifted).utf8)
        }
        out += Array("trailer\n<< /Size \(objects.count + 1) /Root 1 0 R >>\nstartxref\n\(xref)\n%%EOF\n".utf8)
        return out
    }

    static func stream(_ text: String, extra: String = "") -> String {
        "<< /Length \(text.utf8.count) \(extra)>>\nstream\n\(text)\nendstream"
    }

    /// `pages` plain pages with a line of text each.
    static func clean(pages: Int = 1) -> [UInt8] {
        var objects = ["<< /Type /Catalog /Pages 2 0 R >>",
                       "<< /Type /Pages /Kids [\((0..<pages).map { "\(4 + 2 * $0) 0 R" }.joined(separator: " "))] /Count \(pages) >>",
                       "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
        for page in 0..<pages {
            objects.append("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents \(5 + 2 * page) 0 R >>")
            objects.append(stream("BT /F1 24 Tf 72 700 Td (Page \(page + 1)) Tj ET"))
        }
        return document(objects)
    }

    /// Two pages carrying every kind of active content, and a plain web link.
    static func active(brokenXref: Bool = false) -> [UInt8] {
        document([
            // 1 catalog: an open action, a JavaScript name tree, embedded files, an XFA form.
            "<< /Type /Catalog /Pages 2 0 R /OpenAction 6 0 R /AA << /WC << /S /JavaScript /JS (app.alert\\('close'\\)) >> >> "
                + "/Names << /JavaScript 7 0 R /EmbeddedFiles 9 0 R >> /AcroForm << /Fields [] /XFA 12 0 R >> >>",
            "<< /Type /Pages /Kids [4 0 R 5 0 R] /Count 2 >>",
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            // 4 page 1: a trigger on opening the page, a launch link, a web link, a file attachment annotation.
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 13 0 R "
                + "/AA << /O << /S /JavaScript /JS (this.print\\(\\)) >> >> /Annots [14 0 R 15 0 R 16 0 R] >>",
            // 5 page 2
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents 17 0 R >>",
            // 6 the open action
            "<< /Type /Action /S /JavaScript /JS (app.launchURL\\('http://evil.example/x'\\)) >>",
            // 7, 8 JavaScript name tree and its action
            "<< /Names [(init) 8 0 R] >>",
            "<< /S /JavaScript /JS 18 0 R >>",
            // 9, 10, 11 embedded files name tree, file spec, the file
            "<< /Names [(payload.exe) 10 0 R] >>",
            "<< /Type /Filespec /F (payload.exe) /EF << /F 11 0 R >> >>",
            stream("MZ this would be a program", extra: "/Type /EmbeddedFile "),
            // 12 XFA
            stream("<xdp:xdp xmlns:xdp=\"http://ns.adobe.com/xdp/\"><script>x()</script></xdp:xdp>"),
            // 13 page 1 content
            stream("BT /F1 24 Tf 72 700 Td (Invoice) Tj ET"),
            // 14 launch link, 15 web link, 16 attachment annotation
            "<< /Type /Annot /Subtype /Link /Rect [72 600 300 620] /A << /S /Launch /F (cmd.exe) /Win << /F (cmd.exe) /P (/c calc) >> >> >>",
            "<< /Type /Annot /Subtype /Link /Rect [72 560 300 580] /A << /S /URI /URI (https://www.example.com/) >> >>",
            "<< /Type /Annot /Subtype /FileAttachment /Rect [72 500 90 520] /FS 10 0 R >>",
            // 17 page 2 content, 18 a script stream
            stream("BT /F1 24 Tf 72 700 Td (Terms) Tj ET"),
            stream("var x = 1; app.alert(x);"),
        ], brokenXref: brokenXref)
    }

    /// A MIME message with `pdf` attached as `name`.
    static func message(attaching pdf: [UInt8], name: String = "invoice.pdf") -> [UInt8] {
        TestMessage.withAttachments([.attachment(name, type: "application/pdf", bytes: pdf)])
    }
}
