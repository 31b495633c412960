import Foundation
import MoatClamAV
import MoatCore
import Testing

/// Why the raw message is matched on every message, besides the parts Moat decoded: libclamav
/// types a file by magic at fixed offsets, even with its mail parser off. A sender who writes a
/// valid ustar header across the first header lines turns the message into a tar archive whose
/// member (here EICAR, written into a later header field) exists for ClamAV and for no MIME part.
/// A screen that skipped the raw pass for "ordinary" messages (tried, then reverted: see
/// `bench/results/profile-2026-12-05-e.md`) would let this through; this test keeps it out.
@Suite("ClamAV raw message pass")
struct ClamAVRawMessagePassTests {
    /// A message whose first 512 bytes are a POSIX tar header (`ustar` at offset 257, a valid
    /// checksum, a 68-byte member) and also two header fields; the member's bytes, right after
    /// the block, end the second field. The body says nothing.
    static func tarShapedMessage(member: [UInt8]) -> [UInt8] {
        func padded(_ text: String, _ length: Int) -> [UInt8] {
            let bytes = Array(text.utf8)
            precondition(bytes.count <= length)
            return bytes + [UInt8](repeating: 0x20, count: length - bytes.count)
        }
        var block = padded("X-Pad-A: " + String(repeating: "a", count: 40), 100)   // name
        block += Array("0000644 0000000 0000000 ".utf8)                                   // mode, uid, gid
        block += Array(String(format: "%011o ", member.count).utf8)                       // size, octal
        block += Array("00000000000 ".utf8)                                               // mtime
        block += Array("        ".utf8)                                                   // checksum, spaces while summed
        block += Array("0".utf8)                                                          // a regular file
        block += padded(String(repeating: " b", count: 10), 99) + [0x0A]                  // link name; the first field ends
        block += padded("ustar-pad: " + String(repeating: "d", count: 10), 512 - block.count)
        precondition(block.count == 512 && Array(block[257..<262]) == Array("ustar".utf8))
        let sum = block.reduce(0) { $0 + Int($1) }
        block.replaceSubrange(148..<156, with: Array(String(format: "%07o ", sum).utf8))
        return block + member + Array("\nFrom: a@example.org\nTo: b@example.net\nSubject: quarterly figures\n\nHello.\n".utf8)
    }

    static func signatures(_ report: EngineReport) -> [String] {
        report.findings.filter { $0.code == "clamav.signature" }.map(\.detail)
    }

    @Test func aTarShapedMessageIsFoundByTheRawPassAlone() async throws {
        let raw = Self.tarShapedMessage(member: Fixtures.eicar)
        // The member is in no part Moat decodes: without the raw pass nothing is found, so the
        // test proves the pass, not the part scans.
        let partsOnly = try await Fixtures.engine(["raw_message": .string("off")])
        #expect(Self.signatures(try await Fixtures.scan(partsOnly, raw)).isEmpty)
        let defaults = try await Fixtures.engine()
        let report = try await Fixtures.scan(defaults, raw)
        #expect(report.category == .malware)
        #expect(Self.signatures(report).contains { $0.contains("EICAR") }, "\(report.findings)")
    }

    /// The same message with a harmless member: the tar is read, nothing is found.
    @Test func aHarmlessMemberIsClean() async throws {
        let raw = Self.tarShapedMessage(member: Array(String(repeating: "harmless ", count: 7).prefix(68).utf8))
        let report = try await Fixtures.scan(try await Fixtures.engine(), raw)
        #expect(Self.signatures(report).isEmpty, "\(report.findings)")
    }
}
