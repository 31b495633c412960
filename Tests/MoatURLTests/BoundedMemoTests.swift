import Testing
@testable import MoatURL

/// The memo answers what its function answers, computes each key once while it is held, and
/// starts over instead of growing past its capacity.
@Suite struct BoundedMemoTests {
    @Test func startsOverAtCapacity() {
        let memo = BoundedMemo<Int>(capacity: 3)
        var calls = 0
        func value(_ key: String) -> Int { memo.value(key) { calls += 1; return key.count } }
        #expect(value("a") == 1 && value("bb") == 2 && value("ccc") == 3)
        #expect(calls == 3)
        #expect(value("bb") == 2)
        #expect(calls == 3)
        // A fourth key empties the memo: earlier keys are computed again, with the same answers.
        #expect(value("dddd") == 4)
        #expect(value("a") == 1)
        #expect(calls == 5)
    }

    /// A normaliser's host memo changes no answer: links read with a cold and a warm memo agree.
    @Test func warmHostMemoChangesNothing() {
        let links = ["http://WWW.Example.COM/a", "https://xn--80ak6aa92e.com/", "http://0x7f.1/", "http://a.b.example.co.uk:8080/x",
                     "hxxp://evil[.]example/", "http://bad host/", "www.example.org/path", "https://пример.рф/"]
        let cold = links.map { URLNormalizer(publicSuffixes: Support.publicSuffixes).normalize($0, source: .text, partPath: "", schemeless: true) }
        let shared = URLNormalizer(publicSuffixes: Support.publicSuffixes)
        for _ in 0..<2 {
            #expect(links.map { shared.normalize($0, source: .text, partPath: "", schemeless: true) } == cold)
        }
    }
}
