import MoatCore
@testable import MoatFileType
import Testing

@Suite("FileTypeEngine: filename tricks")
struct FilenameTrickTests {
    static let text = Array("just text\n".utf8)

    @Test("right-to-left override: the real extension is taken after removing it")
    func rtlo() async throws {
        let report = try await TestSupport.scan([TestSupport.attachment("invoice\u{202E}fdp.exe", bytes: Self.text)])
        #expect(report.codes.isSuperset(of: [FindingCode.bidiControl, FindingCode.blockedExtension]))
        #expect(report.details(FindingCode.bidiControl).first?.contains("invoice<U+202E>fdp.exe") == true)
        #expect(report.category == .policy)
    }

    @Test("double extension")
    func doubleExtension() async throws {
        let report = try await TestSupport.scan([TestSupport.attachment("invoice.pdf.exe", bytes: Self.text)])
        #expect(report.codes == [FindingCode.doubleExtension, FindingCode.blockedExtension])
    }

    @Test("blank padding before the real extension")
    func padding() async throws {
        let name = "invoice.pdf" + String(repeating: " ", count: 40) + ".scr"
        let report = try await TestSupport.scan([TestSupport.attachment(name, bytes: Self.text)])
        #expect(report.codes.isSuperset(of: [FindingCode.spacePadding, FindingCode.doubleExtension, FindingCode.blockedExtension]))
    }

    @Test("trailing dots and blanks that Windows drops")
    func trailingDots() async throws {
        let report = try await TestSupport.scan([TestSupport.attachment("payload.exe. .", bytes: Self.text)])
        #expect(report.codes == [FindingCode.trailingDots, FindingCode.blockedExtension])
    }

    @Test("filename and name disagree: both names are checked")
    func nameMismatch() async throws {
        let part = TestSupport.Part(contentType: "application/pdf; name=\"report.exe\"",
                                    disposition: "attachment; filename=\"report.pdf\"", bytes: Self.text)
        let report = try await TestSupport.scan([part])
        #expect(report.codes.isSuperset(of: [FindingCode.nameMismatch, FindingCode.blockedExtension]))
        #expect(report.findings.first { $0.code == FindingCode.nameMismatch }?.score ?? 0 > 0)
    }

    @Test("control characters and path parts in a name")
    func controlAndPath() async throws {
        let report = try await TestSupport.scan([
            TestSupport.attachment("a\u{1}b.txt", type: "text/plain", bytes: Self.text),
            TestSupport.attachment("..\\..\\startup\\run.txt", type: "text/plain", bytes: Self.text),
        ])
        #expect(report.codes == [FindingCode.controlCharacter, FindingCode.pathInName])
        #expect(Set(report.findings.map(\.partPath)) == ["2", "3"])
    }

    @Test("names decoded from any charset: RFC 2047 ISO-2022-JP with a double extension")
    func japaneseName() async throws {
        // "請求書.pdf.exe" in ISO-2022-JP: ESC $ B 40 41 35 61 3D 71 ESC ( B .pdf.exe
        let bytes: [UInt8] = [0x1B, 0x24, 0x42, 0x40, 0x41, 0x35, 0x61, 0x3D, 0x71, 0x1B, 0x28, 0x42] + Array(".pdf.exe".utf8)
        let word = "=?ISO-2022-JP?B?\(Data(bytes).base64EncodedString())?="
        let part = TestSupport.Part(contentType: "application/octet-stream; name=\"\(word)\"",
                                    disposition: "attachment; filename=\"\(word)\"", bytes: Self.text)
        let report = try await TestSupport.scan([part])
        #expect(report.codes == [FindingCode.doubleExtension, FindingCode.blockedExtension])
        #expect(report.details(FindingCode.doubleExtension).first?.contains("請求書.pdf.exe") == true)
    }
}

import Foundation
