import MoatCore
@testable import MoatStore
import Testing

/// The verdict log's content hash, and the store benchmark's records keyed as the daemon keys its
/// own (outside the benchmark suite, which runs only with MOAT_BENCH=1).
@Suite struct ContentHashTests {
    @Test("content hashes are SHA-256 in lower-case hex")
    func sha256() {
        #expect(ContentHash.of(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(ContentHash.of([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("the synthetic records are distinct, with the daemon's ids in order and its content hashes")
    func records() {
        let records = StoreBenchmark.makeRecords(count: 100, enginesPerRecord: 9)
        #expect(Set(records.map(\.id)).count == 100)
        #expect(records.allSatisfy { $0.engines.count == 9 && $0.id.utf8.count == 32 })
        #expect(Set(records.map(\.contentHash)).count == 100)
        #expect(records[7].contentHash == ContentHash.of(Array("bench-7".utf8)))
        // Made in order: the ids' time part never goes back.
        let times = records.map { $0.id.prefix(12) }
        #expect(times == times.sorted())
    }
}
