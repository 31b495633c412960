import Foundation
import MoatClamAV
import MoatCore
import Testing

/// The default clamav engine scans the parts Moat's MIME parser decoded and only matches the raw
/// message against the signatures (ClamAV's mail parser stays off unless Moat's parse looked
/// doubtful). It must find every signature that ClamAV's own whole-message scan (`scan_parts =
/// false`, what clamd does) finds.
@Suite("ClamAV decoded-part scanning", .enabled(if: Fixtures.zipInstalled))
struct ClamAVDecodedPartsTests {
    static func signatures(_ report: EngineReport) -> Set<String> {
        Set(report.findings.filter { $0.code == "clamav.signature" }.map(\.detail))
    }

    /// EICAR where attackers put it: besides `DetectionCase.all` (attachment, zips, uuencode),
    /// forwarded messages, deep nesting, and a broken structure that only ClamAV's parser reads.
    static let cases: [DetectionCase] = DetectionCase.all + [
        DetectionCase(description: "EICAR in a forwarded message (message/rfc822)", expectedPath: nil) {
            forwarded(Fixtures.message(attachments: [("eicar.com", Fixtures.eicar)]))
        },
        DetectionCase(description: "EICAR uuencoded in a forwarded message", expectedPath: nil) {
            forwarded(Fixtures.message(text: "See below.\r\n\r\n" + Fixtures.uuencode(Fixtures.eicar, name: "eicar.com"), attachments: []))
        },
        DetectionCase(description: "a zipped EICAR in a forwarded message in a forwarded message", expectedPath: nil) {
            forwarded(forwarded(Fixtures.message(attachments: [("eicar.zip", try Fixtures.zip([("eicar.com", Fixtures.eicar)]))])))
        },
        // mbox files start with a From_ line, which both parsers skip (ClamAV's mail parser is not
        // asked for it); a second message in the file is ClamAV's mbox parser's to find.
        DetectionCase(description: "EICAR attached to a message that starts with an mbox From_ line", expectedPath: nil) {
            Array("From sender@example.org  Thu Aug 22 12:36:23 2002\n".utf8) + Fixtures.message(attachments: [("eicar.com", Fixtures.eicar)])
        },
        DetectionCase(description: "EICAR attached to the second message of an mbox file", expectedPath: nil) {
            Array("From a@example.org  Thu Aug 22 12:36:23 2002\n".utf8) + Fixtures.message(attachments: [])
                + Array("\nFrom b@example.org  Thu Aug 22 12:40:00 2002\n".utf8) + Fixtures.message(attachments: [("eicar.com", Fixtures.eicar)])
        },
        DetectionCase(description: "a zipped EICAR after the close delimiter of a reused boundary", expectedPath: nil) {
            let zip = Data(try Fixtures.zip([("eicar.com", Fixtures.eicar)])).base64EncodedString(options: .lineLength76Characters)
            return Array("""
                From: a@example.org\r
                To: b@example.net\r
                Subject: invoice\r
                MIME-Version: 1.0\r
                Content-Type: multipart/mixed; boundary="same"\r
                \r
                --same\r
                Content-Type: multipart/alternative; boundary="same"\r
                \r
                --same\r
                Content-Type: text/plain\r
                \r
                see attached\r
                --same--\r
                \r
                --same\r
                Content-Type: application/zip; name="invoice.zip"\r
                Content-Transfer-Encoding: base64\r
                \r
                \(zip)\r
                --same--\r

                """.utf8)
        },
    ]

    /// `inner` attached as a message/rfc822 part.
    static func forwarded(_ inner: [UInt8]) -> [UInt8] {
        Array("""
            From: forwarder@example.org\r
            To: rcpt@example.net\r
            Subject: Fwd: fixture\r
            MIME-Version: 1.0\r
            Content-Type: multipart/mixed; boundary="fwd-\(inner.count)"\r
            \r
            --fwd-\(inner.count)\r
            Content-Type: text/plain\r
            \r
            Forwarding this.\r
            --fwd-\(inner.count)\r
            Content-Type: message/rfc822\r
            \r

            """.utf8) + inner + Array("\r\n--fwd-\(inner.count)--\r\n".utf8)
    }

    @Test("Everything whole-message scanning finds in EICAR fixtures is found in the decoded parts", arguments: cases)
    func eicarFixtures(_ fixture: DetectionCase) async throws {
        let whole = try await Fixtures.engine(["scan_parts": .bool(false)])
        let parts = try await Fixtures.engine()
        let message = try fixture.make()
        let expected = Self.signatures(try await Fixtures.scan(whole, message))
        let found = Self.signatures(try await Fixtures.scan(parts, message))
        #expect(expected.isSubset(of: found), "whole message: \(expected), decoded parts: \(found)")
        if fixture.description != "a clean message" {
            #expect(!expected.isEmpty, "the fixture must be one ClamAV detects")
        }
    }

    @Test("Everything whole-message scanning finds in the ClamAV test files is found in the decoded parts",
          .enabled(if: FileManager.default.fileExists(atPath: Fixtures.corpus + "/clamav_test_files")))
    func corpus() async throws {
        let database = Fixtures.corpus + "/clamav_test_sigs"
        let limits: [String: ConfigValue] = [
            "databases": .array([.string(database)]), "max_file_size": .string("100M"), "max_scan_size": .string("400M"),
            "max_recursion": .integer(17), "max_scan_time_ms": .integer(120_000)
        ]
        let whole = try await Fixtures.engine(limits.merging(["scan_parts": .bool(false)]) { $1 })
        let parts = try await Fixtures.engine(limits)
        let root = Fixtures.corpus + "/clamav_test_files"
        let files = (FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? [])
            .map { root + "/" + $0 }
            .filter { var isDirectory: ObjCBool = false
                      return FileManager.default.fileExists(atPath: $0, isDirectory: &isDirectory) && !isDirectory.boolValue }
            .sorted()
        #expect(files.count > 50)
        var detectedWhole = 0
        for file in files {
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
            let name = (file as NSString).lastPathComponent
            // As received (mbox and .eml samples are messages) and as an attachment.
            for (form, message) in [("as received", bytes), ("attached", Fixtures.message(attachments: [(name, bytes)]))] {
                let expected = Self.signatures(try await Fixtures.scan(whole, message))
                let found = Self.signatures(try await Fixtures.scan(parts, message))
                if !expected.isEmpty { detectedWhole += 1 }
                #expect(expected.isSubset(of: found), "\(name) \(form): whole message \(expected), decoded parts \(found)")
            }
        }
        #expect(detectedWhole > 50, "whole-message scanning detected \(detectedWhole) samples")
    }
}
