import Foundation
import Logging
import MailTestSupport
import MoatCore
import MoatMessage
import Testing
@testable import MoatConvert

/// Conversion mode against the real LibreOffice (and poppler's pdftotext to read the result).
@Suite("Conversion mode", .serialized)
struct ConvertEngineTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let pool = BlockingWorkPool(threads: 1)
    static let context = EngineBuildContext(blocking: pool, logger: Logger(label: "test"), rulesDirectory: root + "/rules", manifestPath: "engines/convert.toml")
    static let scanContext = ScanContext(blocking: pool, logger: Logger(label: "test"))

    /// The macro-enabled Word document of the macro rules' fixtures, and its text.
    static let docm: [UInt8] = {
        let message = Message(parsing: Array(FileManager.default.contents(atPath: root + "/rules/macro/fixtures/autoopen-docm.eml") ?? Data()))
        return message.leaves.first { $0.filename == "invoice.docm" }?.decoded ?? []
    }()

    static func engine(_ options: [String: ConfigValue] = [:]) async throws -> ConvertEngine {
        var options = options
        options["work_directory"] = options["work_directory"] ?? .string(NSTemporaryDirectory() + "moat-convert-test-\(UUID().uuidString)")
        let manifest = EngineManifest(name: "convert", adapter: "convert", options: options)
        return try #require(try await ConvertEngineFactory().makeEngine(manifest, context: context) as? ConvertEngine)
    }

    static func mail(_ attachments: [TestMessage.Part]) -> ScanInput {
        ScanInput(message: Message(parsing: TestMessage.withAttachments(attachments)))
    }

    /// The file inside a replacement (a multipart of note and document, or the document itself).
    static func delivered(_ replacement: PartReplacement) -> (note: String?, name: String?, bytes: [UInt8]) {
        let part = Message(parsing: Array("MIME-Version: 1.0\r\n".utf8) + replacement.rawPart)
        let file = part.leaves.first { $0.filename != nil }
        let note = part.leaves.first { $0.filename == nil && $0.contentType.type == "text" && $0.contentType.subtype == "plain" }.map { String(decoding: $0.decoded, as: UTF8.self) }
        return (note, file?.filename, file?.decoded ?? [])
    }

    static func pdfText(_ pdf: [UInt8]) throws -> String {
        let file = NSTemporaryDirectory() + "moat-convert-\(UUID().uuidString).pdf"
        defer { try? FileManager.default.removeItem(atPath: file) }
        _ = FileManager.default.createFile(atPath: file, contents: Data(pdf))
        return try ExternalCommand(["/usr/bin/pdftotext", file, "-"]).run()
    }

    @Test("a .docm is delivered as a PDF with the document's text, a note, and the original kept")
    func docmToPDF() async throws {
        #expect(Self.docm.count > 1000)
        let engine = try await Self.engine()
        let report = try await engine.scan(Self.mail([.attachment("invoice.docm", type: "application/vnd.ms-word.document.macroEnabled.12", bytes: Self.docm)]),
                                           context: Self.scanContext)
        #expect(report.category == nil && report.score == 0, "a conversion is not a detection")
        let replacement = try #require(report.replacements.first)
        #expect(report.replacements.count == 1 && replacement.partPath == "2" && replacement.keepsOriginal)
        let (note, name, pdf) = Self.delivered(replacement)
        #expect(name == "invoice.pdf")
        #expect(pdf.starts(with: Array("%PDF-".utf8)))
        #expect(try Self.pdfText(pdf).contains("Invoice 2026-1129: please find the details below."))
        #expect(note?.contains("converted to PDF, as invoice.pdf") == true)
        #expect(note?.contains("The original was kept") == true)
        #expect(report.findings.map(\.code) == ["convert.converted"])
    }

    @Test("to = text: the document as UTF-8 text; keep_original = false is what the note says")
    func docmToText() async throws {
        let engine = try await Self.engine(["to": .string("text"), "keep_original": .bool(false), "note_language": .string("ja")])
        let report = try await engine.scan(Self.mail([.attachment("請求書.docm", bytes: Self.docm)]), context: Self.scanContext)
        let replacement = try #require(report.replacements.first)
        #expect(!replacement.keepsOriginal)
        let (note, name, text) = Self.delivered(replacement)
        #expect(name == "請求書.txt")
        #expect(String(decoding: text, as: UTF8.self).contains("Invoice 2026-1129"))
        #expect(note?.contains("元のファイルは保管されていません") == true)
    }

    @Test("only the configured types are converted")
    func selection() async throws {
        let engine = try await Self.engine(["extensions": .array([.string("docx")])])
        let report = try await engine.scan(Self.mail([
            .attachment("invoice.docm", bytes: Self.docm),
            .attachment("notes.docx", bytes: Self.docm),
        ]), context: Self.scanContext)
        #expect(report.replacements.map(\.partPath) == ["3"])
        #expect(report.findings.map(\.code) == ["convert.converted"])
    }

    @Test("a conversion that yields nothing delivers the attachment unconverted, with a finding")
    func failure() async throws {
        let fake = try Self.fakeOffice("echo 'Error: source file could not be loaded'")
        defer { try? FileManager.default.removeItem(atPath: fake) }
        let report = try await Self.engine(["soffice": .string(fake)]).scan(Self.mail([.attachment("a.docx", bytes: Self.docm)]), context: Self.scanContext)
        #expect(report.replacements.isEmpty)
        #expect(report.findings.map(\.code) == ["convert.failed"])
        #expect(report.findings.first?.detail.contains("source file could not be loaded") == true)
    }

    /// A 48×24 PNG carrying a text chunk and bytes after its end, as hidden payloads do.
    static func png() -> [UInt8] {
        TestPNG.rgb(width: 48, height: 24, extraChunks: [TestPNG.chunk("tEXt", Array("Comment\u{0}powershell -enc SQBFAFgA".utf8))]) { x, y in
            (UInt8(x * 5), UInt8(y * 10), 128)
        } + Array("MZ trailing payload".utf8)
    }

    @Test("pictures, when listed, are decoded and encoded anew: same size, no metadata, nothing after the image")
    func images() async throws {
        let engine = try await Self.engine(["extensions": .array([.string("png"), .string("jpg")])])
        let report = try await engine.scan(Self.mail([.attachment("chart.png", type: "image/png", bytes: Self.png())]), context: Self.scanContext)
        let (_, name, png) = Self.delivered(try #require(report.replacements.first))
        #expect(name == "chart.png")
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
        #expect(Array(png[16..<24]) == TestPNG.bigEndian(48) + TestPNG.bigEndian(24), "same width and height")
        let text = String(decoding: png, as: UTF8.self)
        #expect(!text.contains("powershell") && !text.contains("MZ trailing"))
        // A JPEG stays a JPEG.
        let jpeg = Array(try #require(FileManager.default.contents(atPath: try Self.fixtureJPEG())))
        let again = try await engine.scan(Self.mail([.attachment("photo.jpg", type: "image/jpeg", bytes: jpeg)]), context: Self.scanContext)
        let (_, jpegName, reencoded) = Self.delivered(try #require(again.replacements.first))
        #expect(jpegName == "photo.jpg" && reencoded.starts(with: [0xFF, 0xD8, 0xFF]))
    }

    /// A JPEG made by netpbm from a plain pixel map.
    static func fixtureJPEG() throws -> String {
        let dir = NSTemporaryDirectory() + "moat-convert-jpeg-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let ppm = dir + "/in.ppm", jpg = dir + "/in.jpg"
        _ = FileManager.default.createFile(atPath: ppm, contents: Data(Array("P6 16 16 255\n".utf8) + [UInt8](repeating: 200, count: 16 * 16 * 3)))
        try ExternalCommand(["/bin/sh", "-c", "/usr/bin/pnmtojpeg \"$1\" > \"$2\"", "sh", ppm, jpg]).run()
        return jpg
    }

    /// A stand-in for soffice that reports what it can see of the network, in the file it was asked for.
    static func fakeOffice(_ body: String) throws -> String {
        let path = NSTemporaryDirectory() + "moat-fake-soffice-\(UUID().uuidString)"
        let script = "#!/bin/sh\nwhile [ $# -gt 1 ]; do [ \"$1\" = --outdir ] && out=$2; shift; done\n\(body)\n"
        _ = FileManager.default.createFile(atPath: path, contents: Data(script.utf8), attributes: [.posixPermissions: 0o755])
        return path
    }

    @Test("isolate_network: the converter runs with no network interface but loopback")
    func noNetwork() async throws {
        // /proc/net/dev lists the interfaces of the reader's own network namespace.
        let fake = try Self.fakeOffice("tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' > \"$out/in.pdf\"")
        defer { try? FileManager.default.removeItem(atPath: fake) }
        let report = try await Self.engine(["soffice": .string(fake)]).scan(Self.mail([.attachment("a.docx", bytes: Self.docm)]), context: Self.scanContext)
        let seen = String(decoding: Self.delivered(try #require(report.replacements.first)).bytes, as: UTF8.self)
        #expect(seen.split(whereSeparator: \.isNewline) == ["lo"], "interfaces seen: \(seen)")
    }

    @Test("a conversion past timeout_ms is killed with what it started; the attachment goes unconverted")
    func timeout() async throws {
        let marker = NSTemporaryDirectory() + "moat-convert-child-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: marker) }
        // The stand-in starts a child that would write the marker after the timeout.
        let fake = try Self.fakeOffice("(sleep 3; touch \(marker)) &\nsleep 30")
        defer { try? FileManager.default.removeItem(atPath: fake) }
        let engine = try await Self.engine(["soffice": .string(fake), "timeout_ms": .integer(1000)])
        let report = try await engine.scan(Self.mail([.attachment("a.docx", bytes: Self.docm)]), context: Self.scanContext)
        #expect(report.replacements.isEmpty)
        #expect(report.findings.map(\.code) == ["convert.failed"])
        #expect(report.findings.first?.detail.contains("did not finish") == true)
        try await Task.sleep(for: .seconds(4))
        #expect(!FileManager.default.fileExists(atPath: marker), "a process the converter started outlived the timeout")
    }

    @Test("options: typos, unknown types, pdf to pdf and a missing LibreOffice are refused")
    func options() async throws {
        for bad: [String: ConfigValue] in [
            ["to": .string("png")], ["extenions": .array([.string("docx")])], ["extensions": .array([.string("exe")])],
            ["extensions": .array([.string("pdf")])], ["soffice": .string("/nonexistent/soffice")], ["keep_original": .string("yes")],
        ] {
            await #expect(throws: ConfigurationError.self) { try await Self.engine(bad) }
        }
        let text = try await Self.engine(["to": .string("text"), "extensions": .array([.string("PDF"), .string(".docx")])])
        #expect(text.settings.extensions == ["pdf", "docx"])
    }
}

@Suite("Replacements that keep the original")
struct KeptOriginalTests {
    @Test("keepsOriginal survives JSON, and records from before it existed read as false")
    func coding() throws {
        let kept = PartReplacement(partPath: "2", rawPart: [1], reason: "converted", keepsOriginal: true)
        #expect(try JSONDecoder().decode(PartReplacement.self, from: JSONEncoder().encode(kept)) == kept)
        let old = Data(#"{"partPath":"2","rawPart":[1],"reason":"macros"}"#.utf8)
        #expect(try JSONDecoder().decode(PartReplacement.self, from: old).keepsOriginal == false)
    }
}
