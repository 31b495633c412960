import Foundation
import MoatClamAV
import MoatCore
import Testing

/// A message fixture and where the EICAR in it must be reported.
struct DetectionCase: Sendable, CustomStringConvertible {
    var description: String
    var expectedPath: String?
    var make: @Sendable () throws -> [UInt8]

    static let all: [DetectionCase] = [
        DetectionCase(description: "EICAR as a base64 attachment", expectedPath: "2") {
            Fixtures.message(attachments: [("eicar.com", Fixtures.eicar)])
        },
        DetectionCase(description: "EICAR inside a zip", expectedPath: "2") {
            Fixtures.message(attachments: [("eicar.zip", try Fixtures.zip([("eicar.com", Fixtures.eicar)]))])
        },
        DetectionCase(description: "EICAR inside a zip inside a zip", expectedPath: "2") {
            let inner = try Fixtures.zip([("eicar.com", Fixtures.eicar)])
            return Fixtures.message(attachments: [("outer.zip", try Fixtures.zip([("inner.zip", inner), ("readme.txt", Array("hi\n".utf8))]))])
        },
        DetectionCase(description: "EICAR uuencoded in a text body", expectedPath: "1.u1") {
            Fixtures.message(text: "See below.\r\n\r\n" + Fixtures.uuencode(Fixtures.eicar, name: "eicar.com"), attachments: [])
        },
        DetectionCase(description: "a clean message", expectedPath: nil) {
            Fixtures.message(attachments: [("notes.zip", try Fixtures.zip([("notes.txt", Array("nothing to see\n".utf8))]))])
        },
    ]
}

@Suite("ClamAV engine detections", .enabled(if: Fixtures.zipInstalled))
struct ClamAVDetectionTests {
    @Test("EICAR is found in the right part; a clean message is clean", arguments: DetectionCase.all)
    func detection(_ fixture: DetectionCase) async throws {
        let engine = try await Fixtures.engine()
        let report = try await Fixtures.scan(engine, try fixture.make())
        guard let path = fixture.expectedPath else {
            #expect(report == .clean)
            return
        }
        #expect(report.category == .malware)
        let hit = report.findings.first { $0.code == "clamav.signature" }
        #expect(hit?.partPath == path, "findings: \(report.findings)")
        #expect(hit?.detail.hasPrefix("Moat.Test.EICAR") == true)
        #expect(report.score >= 10)
    }

    @Test("Agrees with clamscan -d rules/clamav on the same files", .enabled(if: Fixtures.clamscanInstalled))
    func agreementWithClamscan() async throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        var files: [String: [UInt8]] = [:]
        for (index, fixture) in DetectionCase.all.enumerated() {
            files["\(directory)/case\(index).eml"] = try fixture.make()
        }
        let zipped = try Fixtures.zip([("invoice.pdf.exe", Array("MZ\u{90}\0MOAT-TEST-ZIPPED-MZ payload\n".utf8))])
        files["\(directory)/zipped-mz.eml"] = Fixtures.message(attachments: [("invoice.zip", zipped)])
        files["\(directory)/eicar.com"] = Fixtures.eicar
        for (path, bytes) in files { try Data(bytes).write(to: URL(fileURLWithPath: path)) }

        let clamscan = try Fixtures.clamscan(database: Fixtures.rulesDirectory + "/clamav", files: files.keys.sorted())
        let engine = try await Fixtures.engine(["all_matches": .bool(true)])
        for (path, bytes) in files.sorted(by: { $0.key < $1.key }) {
            let report = try await Fixtures.scan(engine, bytes)
            let names = Set(report.findings.filter { $0.code == "clamav.signature" }.map(\.detail))
            let expected = try #require(clamscan[path], "clamscan said nothing about \(path)")
            if let expected {
                #expect(names.contains(expected), "\(path): clamscan \(expected), Moat \(names)")
            } else {
                #expect(names.isEmpty, "\(path): clamscan OK, Moat \(names)")
            }
        }
    }

    @Test("The shipped .ldb and .cdb signatures fire on a zipped MZ with a double extension")
    func logicalSignature() async throws {
        let zipped = try Fixtures.zip([("invoice.pdf.exe", Array("MZ\u{90}\0MOAT-TEST-ZIPPED-MZ payload\n".utf8))])
        let engine = try await Fixtures.engine(["all_matches": .bool(true)])
        let report = try await Fixtures.scan(engine, Fixtures.message(attachments: [("invoice.zip", zipped)]))
        let names = Set(report.findings.filter { $0.partPath == "2" }.map(\.detail))
        #expect(names.contains("Moat.Test.ZippedMZ.UNOFFICIAL"))
        #expect(names.contains("Moat.Policy.DoubleExtension.Exe.UNOFFICIAL"))
    }

    @Test("An encrypted zip is a heuristic finding, not a signature; heuristics = false silences it")
    func encryptedArchive() async throws {
        let locked = try Fixtures.zip([("secret.txt", Array("secret\n".utf8))], password: "moat")
        let message = Fixtures.message(attachments: [("locked.zip", locked)])
        let report = try await Fixtures.scan(try await Fixtures.engine(), message)
        #expect(report.category == .suspicious)
        let finding = report.findings.first
        #expect(finding?.code == "clamav.heuristic")
        #expect(finding?.detail.hasPrefix("Heuristics.Encrypted") == true)
        #expect(finding?.partPath == "2")
        #expect(report.score == 3)

        let quiet = try await Fixtures.scan(try await Fixtures.engine(["heuristics": .bool(false)]), message)
        #expect(quiet == .clean)
    }

    @Test("Repeated content is answered from the verdict cache")
    func cache() async throws {
        let engine = try await Fixtures.engine()
        let message = Fixtures.message(attachments: [("eicar.com", Fixtures.eicar)])
        let first = try await Fixtures.scan(engine, message)
        let second = try await Fixtures.scan(engine, message)
        #expect(first == second)
        // The two parts are cached; the raw message is only matched (raw_message = "signatures"), never cached.
        #expect(engine.status["cache_hits"] == "2")
        #expect(engine.status["cache_misses"] == "2")
        // One signature per non-comment line of the shipped files.
        let shipped = try FileManager.default.contentsOfDirectory(atPath: Fixtures.rulesDirectory + "/clamav")
            .filter { ["ndb", "hdb", "hsb", "ldb", "cdb", "yar"].contains(($0 as NSString).pathExtension) }
            .map { try String(contentsOfFile: Fixtures.rulesDirectory + "/clamav/" + $0, encoding: .utf8) }
            .flatMap { $0.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.isEmpty } }
        #expect(engine.status["signatures"] == "\(shipped.count)")
    }
}
