import Foundation
import MoatCore
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
        #expect(need.wants(Array("Subject: x\r\n\r\nbody\r\n".utf8)))
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
}
