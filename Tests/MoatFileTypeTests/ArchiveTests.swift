import MoatCore
@testable import MoatFileType
import Testing

/// An archive fixture holding `pe.exe`, and the inner path it must be reported under.
struct ArchiveCase: CustomTestStringConvertible, Sendable {
    var fixture: String
    var name: String
    var member: String
    var testDescription: String { fixture }
}

@Suite("FileTypeEngine: archives", .enabled(if: TestSupport.fixtureDirectory != nil, "fixture script failed"))
struct ArchiveTests {
    static let formats: [ArchiveCase] = [
        ArchiveCase(fixture: "exe.zip", name: "invoice.zip", member: "2/invoice.zip/docs/a.exe"),
        ArchiveCase(fixture: "exe.7z", name: "invoice.7z", member: "2/invoice.7z/pe.exe"),
        ArchiveCase(fixture: "exe.rar", name: "invoice.rar", member: "2/invoice.rar/docs/a.exe"),
        ArchiveCase(fixture: "exe.tar", name: "invoice.tar", member: "2/invoice.tar/pe.exe"),
        ArchiveCase(fixture: "exe.tar.gz", name: "invoice.tar.gz", member: "2/invoice.tar.gz/pe.exe"),
        ArchiveCase(fixture: "pe.exe.gz", name: "invoice.exe.gz", member: "2/invoice.exe.gz/invoice.exe"),
        ArchiveCase(fixture: "pe.exe.bz2", name: "invoice.pdf.bz2", member: "2/invoice.pdf.bz2/invoice.pdf"),
        ArchiveCase(fixture: "pe.exe.xz", name: "invoice.xz", member: "2/invoice.xz/invoice"),
        ArchiveCase(fixture: "exe.cab", name: "invoice.cab", member: "2/invoice.cab/pe.exe"),
        ArchiveCase(fixture: "exe.iso", name: "invoice.iso", member: "2/invoice.iso/pe.exe"),
        ArchiveCase(fixture: "exe.lzh", name: "invoice.lzh", member: "2/invoice.lzh/pe.exe"),
    ]

    @Test("each format is opened and its executable member found, with its inner path", arguments: formats)
    func eachFormat(_ row: ArchiveCase) async throws {
        guard let bytes = TestSupport.fixture(row.fixture) else {
            // The tool that makes this format is missing (see make-fixtures.sh); nothing to check.
            return
        }
        let report = try await TestSupport.scan([TestSupport.attachment(row.name, bytes: bytes)])
        let blocked = report.findings.filter { $0.code == FindingCode.blockedType }
        #expect(blocked.contains { $0.detail.hasPrefix(row.member + ":") }, "\(report.findings)")
        #expect(report.findings.allSatisfy { $0.partPath == "2" })
        #expect(report.category == .policy)
    }

    @Test("zip in zip in 7z", .enabled(if: TestSupport.hasFixture("nested.7z"), "7z not installed"))
    func nested() async throws {
        let bytes = try #require(TestSupport.fixture("nested.7z"))
        let report = try await TestSupport.scan([TestSupport.attachment("docs.7z", bytes: bytes)])
        #expect(report.details(FindingCode.blockedType).contains { $0.hasPrefix("2/docs.7z/middle.zip/inner.zip/a.exe:") })
    }

    @Test("a clean archive is clean")
    func clean() async throws {
        let bytes = try #require(TestSupport.fixture("plain.zip"))
        let report = try await TestSupport.scan([TestSupport.attachment("notes.zip", type: "application/zip", bytes: bytes)])
        #expect(report.findings.isEmpty)
        #expect(report.category == nil)
    }

    @Test("encrypted zip: reported with the member names that can be read")
    func encryptedZip() async throws {
        let bytes = try #require(TestSupport.fixture("encrypted.zip"))
        let report = try await TestSupport.scan([TestSupport.attachment("secure.zip", bytes: bytes)])
        let detail = try #require(report.details(FindingCode.encryptedArchive).first)
        #expect(detail.contains("\"pe.exe\"") && detail.contains("\"notes.txt\""))
        #expect(report.details(FindingCode.blockedExtension).contains { $0.hasPrefix("2/secure.zip/pe.exe:") })
        #expect(report.category == .policy)
    }

    @Test("7z with encrypted headers: no names readable", .enabled(if: TestSupport.hasFixture("encrypted-headers.7z"), "7z not installed"))
    func encryptedHeaders() async throws {
        let bytes = try #require(TestSupport.fixture("encrypted-headers.7z"))
        let report = try await TestSupport.scan([TestSupport.attachment("secure.7z", bytes: bytes)])
        #expect(report.codes.contains(FindingCode.encryptedArchive), "\(report.findings)")
    }

    @Test("a 42-style bomb (200 MB of zeros, nested) stops at the ratio limit")
    func bomb() async throws {
        let bytes = try #require(TestSupport.fixture("bomb.zip"))
        let report = try await TestSupport.scan([TestSupport.attachment("bomb.zip", bytes: bytes)])
        let detail = try #require(report.details(FindingCode.zipBomb).first)
        #expect(detail.hasPrefix("2/bomb.zip/layer/zeros.zip/zeros.bin:"))
        #expect(report.category == .suspicious)
    }

    @Test("the bomb also stops at max_expanded_bytes when the ratio is not reached first")
    func totalLimit() async throws {
        let bytes = try #require(TestSupport.fixture("bomb.zip"))
        let engine = try await TestSupport.engine(["max_expanded_bytes": .integer(1 << 20), "max_ratio": .integer(100_000)])
        let report = try await TestSupport.scan([TestSupport.attachment("bomb.zip", bytes: bytes)], engine: engine)
        #expect(report.details(FindingCode.archiveLimit).contains { $0.contains("max_expanded_bytes=1048576") })
        #expect(!report.codes.contains(FindingCode.zipBomb))
    }

    @Test("members with .. or absolute paths")
    func traversal() async throws {
        let bytes = try #require(TestSupport.fixture("traversal.zip"))
        let report = try await TestSupport.scan([TestSupport.attachment("update.zip", bytes: bytes)])
        let details = report.details(FindingCode.pathTraversal)
        #expect(details.contains { $0.hasPrefix("2/update.zip/../../evil.sh:") })
        #expect(details.contains { $0.hasPrefix("2/update.zip//etc/cron.d/x:") })
    }

    @Test("nesting deeper than max_depth is a finding")
    func depth() async throws {
        let bytes = try #require(TestSupport.fixture("deep.zip"))
        let report = try await TestSupport.scan([TestSupport.attachment("deep.zip", bytes: bytes)])
        #expect(report.details(FindingCode.archiveLimit).contains { $0.contains("max_depth=5") })
        #expect(!report.codes.contains(FindingCode.blockedType))
        let deeper = try await TestSupport.engine(["max_depth": .integer(8)])
        let all = try await TestSupport.scan([TestSupport.attachment("deep.zip", bytes: bytes)], engine: deeper)
        #expect(all.codes.contains(FindingCode.blockedType))
    }

    @Test("member count and member size limits")
    func memberLimits() async throws {
        let plain = try #require(TestSupport.fixture("plain.zip"))
        let few = try await TestSupport.engine(["max_members": .integer(2)])
        let counted = try await TestSupport.scan([TestSupport.attachment("a.zip", bytes: plain)], engine: few)
        #expect(counted.details(FindingCode.archiveLimit).contains { $0.contains("max_members=2") })

        let big = try #require(TestSupport.fixture("big.zip"))
        let small = try await TestSupport.engine(["max_member_bytes": .integer(100_000)])
        let sized = try await TestSupport.scan([TestSupport.attachment("b.zip", bytes: big)], engine: small)
        #expect(sized.details(FindingCode.archiveLimit).contains { $0.hasPrefix("2/b.zip/noise.bin:") })
        #expect(!sized.codes.contains(FindingCode.zipBomb))
    }

    @Test("a truncated archive is an archive error, not a crash")
    func truncated() async throws {
        let bytes = try #require(TestSupport.fixture("exe.zip"))
        let report = try await TestSupport.scan([TestSupport.attachment("cut.zip", bytes: Array(bytes.prefix(bytes.count / 2)))])
        #expect(report.codes.contains(FindingCode.archiveError) || report.codes.contains(FindingCode.blockedType))
    }
}
