import Foundation
import Testing
@testable import MoatCore

@Suite("Scan ids")
struct ScanIDTests {
    @Test("32 lower-case hex digits, distinct even when made in one millisecond")
    func format() {
        let now = Date()
        let ids = (0..<10_000).map { _ in ScanInput.makeID(now: now) }
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { id in id.utf8.count == 32 && id.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) } })
        // The same millisecond: the first 12 digits agree, the random rest tells them apart.
        #expect(Set(ids.map { $0.prefix(12) }).count == 1)
    }

    @Test("sort in the order their scans started, a millisecond apart or more")
    func ordered() {
        let start = Date(timeIntervalSince1970: 1_796_000_000)
        let ids = (0..<2_000).map { ScanInput.makeID(now: start.addingTimeInterval(Double($0) / 1000)) }
        #expect(ids == ids.sorted())
        // The time part reads back as the milliseconds it was made from.
        #expect(UInt64(ids[0].prefix(12), radix: 16) == 1_796_000_000_000)
    }

    @Test("a clock before 1970 or past the 48-bit range still makes an id")
    func clamped() {
        #expect(ScanInput.makeID(now: Date(timeIntervalSince1970: -5)).hasPrefix("000000000000"))
        #expect(ScanInput.makeID(now: Date(timeIntervalSince1970: 1e15)).hasPrefix("ffffffffffff"))
    }
}
