import Foundation
import Logging
import MoatCore
import MoatMessage
@testable import MoatPDF
import Testing

/// The pdf engine on documents whose content the test chose, with the results checked by tools
/// that are not Moat: `qpdf --check` must pass on every rewritten file and poppler's `pdftoppm`
/// must render as many pages as before.
@Suite("PDF active content")
struct PDFEngineTests {
    static let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("moat-pdf-tests-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// Runs a program; returns its exit status and output.
    @discardableResult
    static func run(_ program: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    static func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Pages pdftoppm renders (one image file per page).
    static func renderedPages(_ path: String) throws -> Int {
        let prefix = directory.appendingPathComponent("render-\(UUID().uuidString)").path
        let result = try run("/usr/bin/pdftoppm", ["-r", "10", "-png", path, prefix])
        #expect(result.status == 0, "pdftoppm: \(result.output)")
        let base = URL(fileURLWithPath: prefix).lastPathComponent
        return try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix(base) }.count
    }

    func scan(_ raw: [UInt8], settings: PDFSettings = PDFSettings()) async throws -> EngineReport {
        let pool = BlockingWorkPool(threads: 1)
        let context = ScanContext(blocking: pool, logger: Logger(label: "test"))
        let report = try await PDFEngine(settings: settings).scan(ScanInput(message: Message(parsing: raw)), context: context)
        try await pool.shutdown()
        return report
    }

    @Test("every kind of active content is counted, and nothing in a plain document")
    func inspection() throws {
        let disarmer = PDFDisarmer()
        let plain = disarmer.inspect(PDFFixtures.clean(), disarm: false)
        #expect(plain.inspection.failure == nil)
        #expect(!plain.inspection.hasActiveContent)
        #expect(plain.inspection.pages == 1)
        #expect(plain.disarmed == nil)

        let active = disarmer.inspect(PDFFixtures.active(), disarm: false).inspection
        #expect(active.pages == 2)
        #expect(active.count(.javascript) == 4, "open action, catalog /AA, page /AA, name tree entry")
        #expect(active.count(.openAction) == 1)
        #expect(active.count(.additionalActions) == 2)
        #expect(active.count(.launch) == 1)
        #expect(active.count(.embeddedFile) == 1)
        #expect(active.count(.fileAttachment) == 1)
        #expect(active.count(.xfa) == 1)
        #expect(active.count(.uri) == 1)
    }

    @Test("disarmed: qpdf --check passes, pdftoppm renders the same pages, nothing active is left, links stay")
    func disarm() throws {
        let disarmer = PDFDisarmer()
        let original = PDFFixtures.active()
        let (before, disarmed) = disarmer.inspect(original, disarm: true)
        let output = try #require(disarmed)
        let after = disarmer.inspect(output, disarm: false).inspection
        #expect(!after.hasActiveContent)
        #expect(after.count(.uri) == 1, "web links are the url engine's business")
        #expect(after.pages == before.pages)
        let path = try Self.write(output, "disarmed.pdf")
        let check = try Self.run("/usr/bin/qpdf", ["--check", path])
        #expect(check.status == 0, "qpdf --check: \(check.output)")
        #expect(try Self.renderedPages(path) == 2)
        #expect(try Self.renderedPages(try Self.write(original, "original.pdf")) == 2)
        let text = String(decoding: output, as: UTF8.self)
        #expect(!text.contains("app.launchURL") && !text.contains("cmd.exe") && !text.contains("/JavaScript"))
        try Self.independentlyInert(path)
        // The launch link lost its action key altogether; the web link kept its own.
        let json = try Self.run("/usr/bin/qpdf", ["--json=2", "--json-key=qpdf", path]).output
        #expect(json.components(separatedBy: "\"/A\"").count - 1 == 1, "one /A left (the web link's)")
    }

    static let activeNames = ["/JS", "/JavaScript", "/AA", "/OpenAction", "/Launch", "/EmbeddedFile", "/XFA", "/RichMedia", "/SubmitForm", "/ImportData"]

    /// Checks by tools that are not Moat: qpdf's JSON dump of every object names none of the active
    /// keys, and Didier Stevens' pdfid (the Python in MOAT_PDFID, else the virtualenv `make deps`
    /// builds: missing is a failure, not a skipped check) counts none of them and no object streams
    /// that could hide them.
    static func independentlyInert(_ path: String) throws {
        let json = try run("/usr/bin/qpdf", ["--json=2", "--json-key=qpdf", path])
        #expect(json.status == 0, "qpdf --json: \(json.output.prefix(300))")
        for name in activeNames {
            #expect(!json.output.contains("\"\(name)\""), "qpdf --json still shows \(name)")
        }
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let python = ProcessInfo.processInfo.environment["MOAT_PDFID"] ?? repository.appendingPathComponent(".venv-oletools/bin/python").path
        try #require(FileManager.default.isExecutableFile(atPath: python), "no Python with pdfid at \(python): run make deps")
        let pdfid = try run(python, ["-m", "pdfid.pdfid", path])
        #expect(pdfid.status == 0, "pdfid: \(pdfid.output)")
        let counts = Dictionary(pdfid.output.split(separator: "\n").compactMap { line -> (String, Int)? in
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count == 2, let count = Int(fields[1]) else { return nil }
            return (String(fields[0]), count)
        }, uniquingKeysWith: { a, _ in a })
        #expect(counts["/Page"] != nil, "pdfid read the file: \(pdfid.output)")
        for name in activeNames + ["/ObjStm"] where counts[name] != nil {
            #expect(counts[name] == 0, "pdfid counts \(name) \(counts[name] ?? -1)")
        }
    }

    @Test("a damaged cross-reference table is repaired by qpdf and the document still disarmed")
    func repaired() throws {
        let (inspection, disarmed) = PDFDisarmer().inspect(PDFFixtures.active(brokenXref: true), disarm: true)
        #expect(inspection.warnings > 0)
        #expect(inspection.count(.launch) == 1)
        let output = try #require(disarmed)
        let check = try Self.run("/usr/bin/qpdf", ["--check", try Self.write(output, "repaired.pdf")])
        #expect(check.status == 0, "qpdf --check: \(check.output)")
    }

    @Test("unreadable and truncated files are findings, never crashes", arguments: [
        Array("%PDF-1.4\nnot really a document".utf8),
        Array(PDFFixtures.active().prefix(700)),
        Array("%PDF-".utf8),
        Array("%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 1 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF".utf8),
    ])
    func malformed(_ bytes: [UInt8]) async throws {
        let report = try await scan(PDFFixtures.message(attaching: bytes))
        #expect(report.replacements.isEmpty || report.findings.contains { $0.code == "pdf.disarmed" })
        let condition = report.findings.filter { ["pdf.malformed", "pdf.repaired"].contains($0.code) }
        #expect(!condition.isEmpty, "an unreadable or repaired PDF is reported: \(report.findings.map(\.code))")
    }

    @Test("a user password: reported, delivered as it is; an owner password only: disarmed and still encrypted")
    func encrypted() throws {
        let source = try Self.write(PDFFixtures.active(), "to-encrypt.pdf")
        let locked = Self.directory.appendingPathComponent("locked.pdf").path
        let restricted = Self.directory.appendingPathComponent("restricted.pdf").path
        try #require(try Self.run("/usr/bin/qpdf", ["--encrypt", "user", "owner", "256", "--", source, locked]).status == 0)
        try #require(try Self.run("/usr/bin/qpdf", ["--encrypt", "", "owner", "256", "--print=none", "--", source, restricted]).status == 0)
        let disarmer = PDFDisarmer()
        let lockedResult = disarmer.inspect(Array(try Data(contentsOf: URL(fileURLWithPath: locked))), disarm: true)
        #expect(lockedResult.inspection.needsPassword)
        #expect(lockedResult.disarmed == nil)
        let open = disarmer.inspect(Array(try Data(contentsOf: URL(fileURLWithPath: restricted))), disarm: true)
        #expect(open.inspection.encrypted && !open.inspection.needsPassword)
        #expect(open.inspection.count(.javascript) == 4)
        let output = try #require(open.disarmed)
        let path = try Self.write(output, "restricted-disarmed.pdf")
        let check = try Self.run("/usr/bin/qpdf", ["--check", path])
        #expect(check.status == 0 && check.output.contains("R = 6"), "still encrypted (AES-256, R 6): \(check.output)")
        #expect(!disarmer.inspect(output, disarm: false).inspection.hasActiveContent)
        let json = try Self.run("/usr/bin/qpdf", ["--json=2", "--json-key=qpdf", path])
        for name in Self.activeNames { #expect(!json.output.contains("\"\(name)\""), "qpdf --json (decrypted) still shows \(name)") }
    }

    @Test("the engine replaces the attachment with the disarmed document and a note; detect mode only reports")
    func engine() async throws {
        let raw = PDFFixtures.message(attaching: PDFFixtures.active())
        let report = try await scan(raw)
        #expect(report.category == .suspicious)
        let codes = Set(report.findings.map(\.code))
        #expect(codes.isSuperset(of: ["pdf.javascript", "pdf.launch", "pdf.open_action", "pdf.embedded_file", "pdf.xfa", "pdf.disarmed"]))
        let replacement = try #require(report.replacements.first)
        #expect(replacement.partPath == "2")
        let part = Message(parsing: Array("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n".utf8) + replacement.rawPart + Array("\r\n--x--\r\n".utf8))
        let pdf = try #require(part.leaves.first { $0.contentType.essence == "application/pdf" })
        #expect(pdf.filename == "invoice.pdf")
        #expect(!PDFDisarmer().inspect(pdf.decoded, disarm: false).inspection.hasActiveContent)
        #expect(part.leaves.contains { $0.text?.contains("removed active content") == true })

        var detect = PDFSettings()
        detect.mode = .detect
        let detected = try await scan(raw, settings: detect)
        #expect(detected.replacements.isEmpty)
        #expect(detected.score > report.score, "disarmed findings weigh less")
        var reject = PDFSettings()
        reject.mode = .reject
        #expect(try await scan(raw, settings: reject).category == .malware)
        let clean = try await scan(PDFFixtures.message(attaching: PDFFixtures.clean(pages: 3)))
        #expect(clean.category == nil && clean.findings.isEmpty && clean.replacements.isEmpty)
    }

    @Test("documents are found by content, not by name")
    func recognition() {
        #expect(PDFDisarmer.isPDF(Array("junk before\n%PDF-1.4\n".utf8)))
        #expect(!PDFDisarmer.isPDF(Array("PK\u{3}\u{4} a zip named invoice.pdf".utf8)))
        #expect(!PDFDisarmer.isPDF([]))
    }
}

@Suite("PDF and HTML engine options")
struct DisarmOptionsTests {
    let context = EngineBuildContext(blocking: BlockingWorkPool(threads: 1), logger: Logger(label: "test"), rulesDirectory: "rules", manifestPath: "engines/pdf.toml")

    @Test("the shipped manifest's options are read; typos and wrong types are refused with the key")
    func options() throws {
        let settings = try PDFSettings(options: ["mode": .string("detect"), "scores": .table(["launch": .double(7)]), "max_objects": .integer(10)], context: context)
        #expect(settings.mode == .detect && settings.scores[.launch] == 7 && settings.maxObjects == 10)
        for bad: [String: ConfigValue] in [["mdoe": .string("detect")], ["mode": .string("strip")], ["scores": .table(["lauch": .double(1)])],
                                           ["disarmed_score_factor": .double(2)], ["attach_note": .string("yes")]] {
            #expect(throws: ConfigurationError.self) { try PDFSettings(options: bad, context: context) }
        }
        #expect(try PDFSettings(options: ["note_language": .string("ja")], context: context).noteLanguage == .ja)
        #expect(throws: ConfigurationError.self) { try PDFSettings(options: ["note_language": .string("fr")], context: context) }
    }

    @Test("the notes say what was done, in English or Japanese")
    func notes() {
        let pdfEn = PDFEngine.note(.en, name: "a.pdf", removed: ["JavaScript (2)"], reference: "R1")
        let pdfJa = PDFEngine.note(.ja, name: "a.pdf", removed: ["JavaScript (2)"], reference: "R1")
        #expect(pdfEn.contains("a.pdf") && pdfEn.contains("JavaScript (2)") && pdfEn.contains("R1"))
        #expect(pdfJa.contains("「a.pdf」") && pdfJa.contains("JavaScript (2)") && pdfJa.contains("R1") && pdfJa.contains("削除"))
    }
}
