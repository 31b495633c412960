import Foundation
import MoatCore
import MoatMessage
import Testing
@testable import MoatClamAV

/// The raw-message pass runs where a loaded signature can match the message as received, and is
/// skipped where none can.
@Suite("Raw-message pass screen")
struct RawMessageNeedTests {
    private static func directory(_ files: [String: String]) throws -> String {
        let directory = try Fixtures.temporaryDirectory()
        for (name, text) in files { try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8) }
        return directory
    }

    private static func hex(_ text: String) -> String { text.utf8.map { String(format: "%02x", $0) }.joined() }

    @Test("Moat's shipped signatures need the pass only for EICAR-sized, EICAR- or MZ-led messages")
    func shipped() {
        let need = RawMessageNeed.reading([Fixtures.rulesDirectory + "/clamav"])
        #expect(need.always == nil)
        #expect(need.hashSizes == [68, 544])
        #expect(need.prefixes.contains(Array("MZ".utf8)))
        #expect(need.prefixes.contains { Fixtures.eicar.starts(with: $0) && $0.count > 8 })
        #expect(!need.wants(Fixtures.message(attachments: [("a.txt", Array("hello".utf8))])))
        #expect(need.wants(Fixtures.eicar))
        #expect(need.wants(Array(repeating: 0x41, count: 544)))
    }

    @Test("Signatures that can match headers, encoded bodies or any message make it run always", arguments: [
        ("a.ndb", "Floating:0:*:414243"),
        ("a.ndb", "Wild:0:0:??4142"),
        ("a.ndb", "Text:7:0:616263"),
        ("a.ldb", "Logical;Engine:51-255,Target:0;0;414243"),
        ("a.ldb", "InMail;Engine:51-255,Container:CL_TYPE_MAIL;0;414243"),
        ("a.cdb", "AnyContainer:*:*:x\\.exe$:*:*:*:*:*:*"),
        ("a.hsb", "0123456789abcdef0123456789abcdef:*:AnySize:73"),
        ("a.cvd", "not read"),
        ("a.yar", "rule x { condition: true }"),
    ])
    func always(file: String, line: String) throws {
        let directory = try Self.directory([file: line + "\n"])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let need = RawMessageNeed.reading([directory])
        #expect(need.always != nil, "\(file): \(line)")
    }

    @Test("A configured file is read whatever its name; one that cannot be read makes the pass run always")
    func configuredFiles() throws {
        let directory = try Self.directory(["local.sigs": "Moat.Test.Floating:0:*:414243\n", "anchored.ndb": "A:0:0:414243\n"])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        #expect(RawMessageNeed.reading([directory]).always == nil, "a directory's file without a database suffix is not loaded")
        #expect(RawMessageNeed.reading([directory + "/local.sigs"]).always != nil)
        #expect(RawMessageNeed.reading([directory + "/anchored.ndb"]).always == nil)
        #expect(RawMessageNeed.reading([directory + "/gone.ndb"]).always != nil)
    }

    @Test("Bytes outside the scanned bodies that libclamav could open send the message to the pass", arguments: [
        ("a PDF in the epilogue", "%PDF-1.4\r\n1 0 obj << /Length 68 >> stream\r\n", true),
        ("HTML in the epilogue", "<HTML><body>hello</body></html>\r\n", true),
        ("a data URI in the epilogue", "see data:text/plain;base64,WDVPIVA=\r\n", true),
        ("EICAR in the epilogue", "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*\r\n", true),
        ("8-bit bytes in the epilogue", "caf\u{E9}\r\n", true),
        ("a plain note in the epilogue", "This is the end of the message.\r\n", false),
    ])
    func outsideTheParts(_ label: String, epilogue: String, wanted: Bool) {
        let message = Array(("From: a@example.org\r\nSubject: s\r\nMIME-Version: 1.0\r\n"
            + "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\nThis is a multi-part message in MIME format.\r\n"
            + "--b\r\nContent-Type: text/html\r\n\r\n<html><body><p>Hello <a href=\"https://example.org/\">there</a></p></body></html>\r\n"
            + "--b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\nTVqQAAMAAAAEAAAA//8AALgAAAAA\r\n"
            + "--b--\r\n" + epilogue).utf8)
        let need = RawMessageNeed.reading([Fixtures.rulesDirectory + "/clamav"])
        #expect(need.wants(Message(parsing: message), sizeLimit: 1 << 20) == wanted, "\(label)")
        // Over the size limit, every message gets the pass (its limit finding is the pass's).
        #expect(need.wants(Message(parsing: message), sizeLimit: 64))
    }

    @Test("Archive-member signatures, allow lists and files libclamav does not load leave the screen on")
    func screened() throws {
        let directory = try Self.directory([
            "a.ldb": "InZip;Engine:51-255,Container:CL_TYPE_ZIP,Target:0;0;414243\n",
            "a.cdb": "ZipName:CL_TYPE_ZIP:*:x\\.exe$:*:*:*:*:*:*\n",
            "a.ign2": "Some.Signature\n",
            "a.fp": "0123456789abcdef0123456789abcdef:10:Some.Signature\n",
            "README.md": "Floating:0:*:414243\n",
            "b.ndb": "# comment\nAnchored:0:0:\(Self.hex("%PDF-1.7 evil"))??41\n",
        ])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let need = RawMessageNeed.reading([directory])
        #expect(need.always == nil)
        #expect(need.prefixes.contains(Array("%PDF-1.7 evil".utf8)))
        #expect(need.wants(Array("%PDF-1.7 evil and more".utf8)))
        #expect(!need.wants(Array("Subject: x\r\n\r\n%PDF-1.7 evil\r\n".utf8)))
    }

    @Test("A header-only signature is still found, through the raw pass, and the shipped set skips it")
    func headerSignature() async throws {
        let marker = "X-Moat-Raw-Marker: 7f3a9c"
        let shipped = try FileManager.default.contentsOfDirectory(atPath: Fixtures.rulesDirectory + "/clamav")
            .filter { $0.hasSuffix("db") }
        var files: [String: String] = [:]
        for name in shipped { files[name] = try String(contentsOfFile: Fixtures.rulesDirectory + "/clamav/" + name, encoding: .utf8) }
        files["header.ndb"] = "Moat.Test.RawHeader:0:*:\(Self.hex(marker))\n"
        let directory = try Self.directory(files)
        defer { try? FileManager.default.removeItem(atPath: directory) }

        let message = Array("From: a@example.org\r\nTo: b@example.net\r\n\(marker)\r\nSubject: s\r\n\r\nhello\r\n".utf8)
        let withHeaderSignature = try await Fixtures.engine(["databases": .array([.string(directory)])])
        let found = try await Fixtures.scan(withHeaderSignature, message)
        #expect(found.findings.contains { $0.detail.contains("Moat.Test.RawHeader") }, "\(found.findings)")
        #expect(withHeaderSignature.status["raw_passes_skipped"] == "0")
        #expect(withHeaderSignature.status["raw_message_pass"]?.hasPrefix("every message") == true)

        // Without the pass the signature cannot be found: the pass is what finds it.
        let off = try await Fixtures.engine(["databases": .array([.string(directory)]), "raw_message": .string("off")])
        #expect(try await Fixtures.scan(off, message).findings.isEmpty)

        let moatOnly = try await Fixtures.engine()
        #expect(moatOnly.status["raw_message_pass"]?.hasPrefix("screened") == true)
        #expect(try await Fixtures.scan(moatOnly, message).findings.isEmpty)
        #expect(moatOnly.status["raw_passes_skipped"] == "1")
        let eicar = try await Fixtures.scan(moatOnly, Fixtures.message(attachments: [("eicar.com", Fixtures.eicar)]))
        #expect(eicar.findings.contains { $0.detail.contains("Moat.Test.EICAR") })
        #expect(moatOnly.status["raw_passes_skipped"] == "2")
    }

    @Test("A hash of a whole message still matches it: the screen lets that size through")
    func wholeMessageHash() async throws {
        let message = Array("From: a@example.org\r\nSubject: known\r\n\r\nthe same bytes every time\r\n".utf8)
        let digest = try #require(LibClamAV.sha256(message)).description
        #expect(digest.count == 64)
        let directory = try Self.directory(["message.hsb": "\(digest):\(message.count):Moat.Test.WholeMessage\n"])
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let engine = try await Fixtures.engine(["databases": .array([.string(directory)])])
        let report = try await Fixtures.scan(engine, message)
        #expect(report.findings.contains { $0.detail.contains("Moat.Test.WholeMessage") }, "\(report.findings)")
        #expect(engine.status["raw_passes_skipped"] == "0")
        #expect(try await Fixtures.scan(engine, message + Array("x".utf8)).findings.isEmpty)
        #expect(engine.status["raw_passes_skipped"] == "1")
    }

    @Test("A file after the last part still reaches libclamav through the raw pass, as it did unscreened")
    func epilogueFile() async throws {
        let eicar = String(decoding: Fixtures.eicar, as: UTF8.self)
        let pdf = "%PDF-1.4\r\n1 0 obj\r\n<< /Length 68 >>\r\nstream\r\n\(eicar)\r\nendstream\r\nendobj\r\ntrailer\r\n<< /Root 1 0 R >>\r\n%%EOF\r\n"
        let head = "From: a@example.org\r\nSubject: s\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
            + "--b\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--\r\n"
        // The shipped files plus a floating signature that matches nothing: the pass then runs on
        // every message, as it did before the screen.
        let shipped = try FileManager.default.contentsOfDirectory(atPath: Fixtures.rulesDirectory + "/clamav").filter { $0.hasSuffix("db") }
        var files: [String: String] = ["never.ndb": "Moat.Test.Never:0:*:\(Self.hex("no such bytes 7f3a9c5e"))\n"]
        for name in shipped { files[name] = try String(contentsOfFile: Fixtures.rulesDirectory + "/clamav/" + name, encoding: .utf8) }
        let directory = try Self.directory(files)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let unscreened = try await Fixtures.engine(["databases": .array([.string(directory)])])
        let screened = try await Fixtures.engine()
        for tail in [pdf, eicar + "\r\n", "<html><body>\(eicar)</body></html>\r\n", "The end.\r\n"] {
            let message = Array((head + tail).utf8)
            let expected = try await Fixtures.scan(unscreened, message).findings.map(\.detail).sorted()
            let found = try await Fixtures.scan(screened, message).findings.map(\.detail).sorted()
            #expect(found == expected, "\(tail.prefix(20))")
        }
        #expect(unscreened.status["raw_passes_skipped"] == "0")
        // Only the plain note was screened out.
        #expect(screened.status["raw_passes_skipped"] == "1")
    }
}
