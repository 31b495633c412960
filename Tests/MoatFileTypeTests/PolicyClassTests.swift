import MoatCore
@testable import MoatFileType
import Testing

/// One row of the policy table: a fixture sent under a name and declared type, and what must be found.
struct PolicyCase: CustomTestStringConvertible, Sendable {
    var fixture: String
    var name: String
    var declared = "application/octet-stream"
    var codes: Set<String>
    var category: VerdictCategory?
    var testDescription: String { "\(fixture) as \(name) (\(declared))" }
}

@Suite("FileTypeEngine: policy classes", .enabled(if: TestSupport.fixtureDirectory != nil, "fixture script failed"))
struct PolicyClassTests {
    static let cases: [PolicyCase] = [
        PolicyCase(fixture: "pe.exe", name: "setup.exe", codes: [FindingCode.blockedType], category: .policy),
        PolicyCase(fixture: "pe.exe", name: "invoice.pdf", declared: "application/pdf",
                   codes: [FindingCode.blockedType, FindingCode.typeMismatch], category: .policy),
        PolicyCase(fixture: "elf.bin", name: "tool", codes: [FindingCode.blockedType], category: .policy),
        PolicyCase(fixture: "macho.bin", name: "photo.jpg", declared: "image/jpeg",
                   codes: [FindingCode.blockedType, FindingCode.typeMismatch], category: .policy),
        PolicyCase(fixture: "shortcut.lnk", name: "doc.lnk", codes: [FindingCode.blockedType], category: .policy),
        PolicyCase(fixture: "help.chm", name: "manual.chm", codes: [FindingCode.blockedType], category: .policy),
        PolicyCase(fixture: "disk.vhd", name: "disk.vhd", codes: [FindingCode.blockedType], category: .policy),
        PolicyCase(fixture: "notes.one", name: "notes.one", codes: [FindingCode.blockedExtension], category: .policy),
        PolicyCase(fixture: "java.jar", name: "app.jar", codes: [FindingCode.blockedExtension], category: .policy),
        PolicyCase(fixture: "page.html", name: "statement.html", declared: "text/html",
                   codes: [FindingCode.suspiciousType], category: .suspicious),
        PolicyCase(fixture: "page.html", name: "statement.txt", declared: "text/plain",
                   codes: [FindingCode.suspiciousType, FindingCode.typeMismatch], category: .suspicious),
        PolicyCase(fixture: "script.svg", name: "logo.svg", declared: "image/svg+xml",
                   codes: [FindingCode.svgScript], category: .suspicious),
        PolicyCase(fixture: "clean.svg", name: "logo.svg", declared: "image/svg+xml", codes: [], category: nil),
        PolicyCase(fixture: "image.png", name: "photo.jpg", declared: "image/jpeg",
                   codes: [FindingCode.typeMismatch], category: .suspicious),
        PolicyCase(fixture: "doc.pdf", name: "report.pdf", declared: "application/pdf", codes: [], category: nil),
        PolicyCase(fixture: "photo.jpg", name: "photo.jpg", declared: "image/jpeg", codes: [], category: nil),
        PolicyCase(fixture: "notes.txt", name: "notes.txt", declared: "text/plain", codes: [], category: nil),
        PolicyCase(fixture: "doc.rtf", name: "letter.doc", declared: "application/msword",
                   codes: [FindingCode.typeMismatch], category: .suspicious),
    ]

    @Test("true type, extension and declared type against the shipped policy", arguments: cases)
    func classes(_ row: PolicyCase) async throws {
        let bytes = try #require(TestSupport.fixture(row.fixture))
        let report = try await TestSupport.scan([TestSupport.attachment(row.name, type: row.declared, bytes: bytes)])
        #expect(report.codes == row.codes, "\(report.findings)")
        #expect(report.category == row.category)
        #expect(report.findings.allSatisfy { $0.partPath == "2" })
        #expect(report.score == report.findings.reduce(0) { $0 + $1.score })
    }

    @Test("script, launcher and disk-image extensions are blocked whatever the content",
          arguments: ["js", "jse", "vbs", "vbe", "wsf", "wsh", "hta", "ps1", "bat", "cmd", "lnk", "jar", "msi", "reg",
                      "iso", "img", "vhd", "vhdx", "one", "chm", "exe", "dll", "scr", "com", "pif", "cpl"])
    func blockedExtensions(_ ext: String) async throws {
        let report = try await TestSupport.scan([TestSupport.attachment("file.\(ext)", bytes: Array("plain words\n".utf8))])
        #expect(report.codes.contains(FindingCode.blockedExtension))
        #expect(report.category == .policy)
    }

    @Test("a mismatch weighs what was hidden: an executable as PDF far more than a PNG as JPEG")
    func mismatchWeights() async throws {
        let pe = try #require(TestSupport.fixture("pe.exe"))
        let png = try #require(TestSupport.fixture("image.png"))
        let exe = try await TestSupport.scan([TestSupport.attachment("a.pdf", type: "application/pdf", bytes: pe)])
        let image = try await TestSupport.scan([TestSupport.attachment("a.jpg", type: "image/jpeg", bytes: png)])
        let exeWeight = try #require(exe.findings.first { $0.code == FindingCode.typeMismatch }).score
        let imageWeight = try #require(image.findings.first { $0.code == FindingCode.typeMismatch }).score
        #expect(exeWeight >= 10 * imageWeight)
    }

    @Test("inline non-text parts without a name are checked against their declared type")
    func inlinePart() async throws {
        let pe = try #require(TestSupport.fixture("pe.exe"))
        let part = TestSupport.Part(contentType: "image/png", disposition: "inline", bytes: pe)
        let report = try await TestSupport.scan([part])
        #expect(report.codes == [FindingCode.blockedType, FindingCode.typeMismatch])
    }

    @Test("categories are configurable")
    func categories() async throws {
        let pe = try #require(TestSupport.fixture("pe.exe"))
        let engine = try await TestSupport.engine(["blocked_category": .string("malware")])
        let report = try await TestSupport.scan([TestSupport.attachment("a.exe", bytes: pe)], engine: engine)
        #expect(report.category == .malware)
    }
}
