import Foundation
import MoatMessage
import Testing
@testable import MoatSpam

/// A seed file carries a trained store to a fresh gateway: exported and imported, the counts and
/// the probabilities are the same; a store that has learned anything is never seeded over.
@Suite struct BayesSeedTests {
    static func directory() -> String {
        let path = NSTemporaryDirectory() + "moat-bayes-seed-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    @Test func exportThenSeedGivesTheSameCountsAndProbabilities() throws {
        let dir = Self.directory()
        let trained = try BayesStore(path: dir + "/trained.sqlite", minimumPerClass: 1)
        try trained.train(message: BayesCacheTests.spam1, isSpam: true)
        try trained.train(message: BayesCacheTests.spam2, isSpam: true)
        try trained.train(message: BayesCacheTests.ham1, isSpam: false)
        let tokens = try trained.export(to: dir + "/seed.tsv", comment: ["test seed"])
        let text = try String(contentsOfFile: dir + "/seed.tsv", encoding: .utf8)
        #expect(text.hasPrefix(BayesSeed.magic + "\n# test seed\nnspam\t2\nnham\t1\n"))

        let fresh = try BayesStore(path: dir + "/fresh.sqlite", minimumPerClass: 1)
        #expect(try fresh.seed(from: dir + "/seed.tsv"))
        let counts = try fresh.counts()
        #expect(counts.spamMessages == 2 && counts.hamMessages == 1 && counts.tokens == tokens)
        #expect(try fresh.spamProbability(BayesCacheTests.probe) == trained.spamProbability(BayesCacheTests.probe))
        // A second start does not add the seed again, and a store with its own learning is left alone.
        #expect(try !fresh.seed(from: dir + "/seed.tsv"))
        #expect(try fresh.counts().spamMessages == 2)
    }

    @Test("a malformed seed is a clear error naming the file and line", arguments: [
        "not a seed\n", "\(BayesSeed.magic)\nnspam\t1\n", "\(BayesSeed.magic)\nnspam\t1\nnham\t1\n12\tx\t3\n",
        "\(BayesSeed.magic)\nnspam\t1\nnham\t1\n12\t-1\t3\n",
    ])
    func malformedSeed(_ content: String) throws {
        let dir = Self.directory()
        try content.write(toFile: dir + "/seed.tsv", atomically: true, encoding: .utf8)
        let store = try BayesStore(path: dir + "/store.sqlite", minimumPerClass: 1)
        #expect {
            try store.seed(from: dir + "/seed.tsv")
        } throws: { error in
            "\(error)".contains("seed.tsv")
        }
        #expect(try store.counts().tokens == 0)
    }

    /// A store that has learned does not read its seed's lines, but a seed that is not one is
    /// still an error.
    @Test func aStoreThatLearnedChecksOnlyTheSeedsHeader() throws {
        let dir = Self.directory()
        let store = try BayesStore(path: dir + "/store.sqlite", minimumPerClass: 1)
        try store.train(message: BayesCacheTests.spam1, isSpam: true)
        try "\(BayesSeed.magic)\nnspam\t1\nnham\t1\n12\tx\t3\n".write(toFile: dir + "/lines.tsv", atomically: true, encoding: .utf8)
        #expect(try store.seed(from: dir + "/lines.tsv") == false)
        try "not a seed\n".write(toFile: dir + "/header.tsv", atomically: true, encoding: .utf8)
        #expect { try store.seed(from: dir + "/header.tsv") } throws: { "\($0)".contains("header.tsv") }
        #expect { try store.seed(from: dir + "/missing.tsv") } throws: { "\($0)".contains("missing.tsv") }
        #expect(try store.counts().spamMessages == 1)
    }

    @Test func theShippedSeedParses() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../models/bayes-seed.tsv").path
        let content = try BayesSeed.parse(path: path)
        #expect(content.spamMessages >= 200 && content.hamMessages >= 200)
        #expect(content.tokens.count > 10_000)
    }
}
