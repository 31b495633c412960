@testable import MoatClamAV
import Testing

@Suite("Verdict cache")
struct VerdictCacheTests {
    static func key(_ n: UInt8) -> ContentDigest { ContentDigest([UInt8](repeating: n, count: 32)) }

    @Test("Bounded, second-chance eviction keeps a recently used entry")
    func eviction() {
        let cache = VerdictCache(capacity: 2, generation: 1)
        cache.insert(Self.key(1), ScanOutcome(alerts: ["A"]), generation: 1)
        cache.insert(Self.key(2), ScanOutcome(), generation: 1)
        #expect(cache.lookup(Self.key(1), generation: 1)?.alerts == ["A"])
        cache.insert(Self.key(3), ScanOutcome(), generation: 1)
        #expect(cache.statistics.entries == 2)
        #expect(cache.lookup(Self.key(1), generation: 1) != nil)
        #expect(cache.lookup(Self.key(2), generation: 1) == nil)
    }

    @Test("A reload empties it; the old generation can neither read nor write")
    func generations() {
        let cache = VerdictCache(capacity: 10, generation: 1)
        cache.insert(Self.key(1), ScanOutcome(alerts: ["A"]), generation: 1)
        cache.reset(generation: 2)
        #expect(cache.lookup(Self.key(1), generation: 2) == nil)
        cache.insert(Self.key(1), ScanOutcome(alerts: ["A"]), generation: 1)
        #expect(cache.lookup(Self.key(1), generation: 2) == nil)
        #expect(cache.lookup(Self.key(1), generation: 1) == nil)
        cache.reset(generation: 1)
        cache.insert(Self.key(1), ScanOutcome(), generation: 2)
        #expect(cache.statistics.entries == 1)
    }

    @Test("SHA-256 through libclamav")
    func digest() {
        #expect(LibClamAV.sha256(Array("abc".utf8))?.description == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(LibClamAV.sha256([])?.description == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}
