import MailTestSupport
import Testing
@testable import MoatURL

/// The in-place public-suffix reading agrees with the list's algorithm on split labels.
@Suite struct PublicSuffixFastPathTests {
    @Test func inPlaceAgreesWithLabels() {
        let list = Support.publicSuffixes
        var random = TestRandom(seed: 0x9B1C_5FF1_0000_0003)
        // Labels from the list's own rules (wildcards and exceptions among them) and ordinary
        // ones, so that every branch of the walk is taken.
        let labels = ["www", "example", "co", "uk", "com", "ck", "www.ck", "kawasaki", "jp", "city.kawasaki", "bd", "xn--p1ai",
                      "github", "io", "s3", "amazonaws", "a", "", "b-c", "zz", "mil", "é"]
        var hosts: [String] = ["", ".", "..", "com", ".com", "com.", "a..com", "example.co.uk", "www.ck", "city.kawasaki.jp"]
        for _ in 0..<20_000 {
            let count = 1 + random.next(below: 5)
            hosts.append((0..<count).map { _ in labels[random.next(below: labels.count)] }.joined(separator: "."))
        }
        var differentFromLastLabel = 0
        var inPlace = 0
        for host in hosts {
            let suffix = list.publicSuffix(host)
            #expect(suffix == list.publicSuffixByLabels(host), "\(host)")
            if suffix.contains(".") { differentFromLastLabel += 1 }
            if let direct = list.publicSuffixInPlace(host) {
                #expect(direct == suffix)
                inPlace += 1
            }
        }
        // The in-place reading must answer most hosts itself, or its agreement proves little.
        #expect(inPlace > 10_000)
        // Multi-label suffixes must come up often, or the rule lookups were barely exercised.
        #expect(differentFromLastLabel > 1_000)
    }
}
