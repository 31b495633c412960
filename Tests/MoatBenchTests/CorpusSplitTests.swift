import Foundation
import MoatCore
import Testing
@testable import MoatBench

/// The labelled-corpus loader and the fixed holdout split `moat train` and `bench accuracy` share.
@Suite struct CorpusSplitTests {
    static func corpus() throws -> String {
        let root = NSTemporaryDirectory() + "moat-corpus-\(UUID().uuidString)"
        for folder in ["easy_ham", "hard_ham_2", "spam", "phishing"] {
            try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
            for index in 0..<50 {
                try "Subject: \(folder) \(index)\r\n\r\nbody\r\n".write(toFile: "\(root)/\(folder)/\(index).eml", atomically: true, encoding: .utf8)
            }
        }
        try "licence text".write(toFile: root + "/phishing/LICENSE", atomically: true, encoding: .utf8)
        try "source".write(toFile: root + "/phishing/SOURCE.txt", atomically: true, encoding: .utf8)
        return root
    }

    @Test("class folders, hard_ham_2 included, licence and source files left out")
    func loadsClassFolders() throws {
        let messages = try CorpusLoader.load(Self.corpus())
        let counts = Dictionary(grouping: messages, by: \.label).mapValues(\.count)
        #expect(counts == [.ham: 100, .spam: 50, .phishing: 50])
        #expect(!messages.contains { $0.path.hasSuffix("LICENSE") || $0.path.hasSuffix("SOURCE.txt") })
    }

    @Test("the holdout depends on the file's last two path components only, and dev and holdout partition the corpus")
    func stableSplit() throws {
        let split = CorpusSplit(percent: 20)
        #expect(split.isHoldout("/a/spam/00042.abc") == split.isHoldout("/elsewhere/corpus/spam/00042.abc"))
        let messages = try CorpusLoader.load(Self.corpus())
        let dev = split.select(messages, .dev), holdout = split.select(messages, .holdout)
        #expect(dev.count + holdout.count == messages.count)
        #expect(Set(dev.map(\.path)).isDisjoint(with: holdout.map(\.path)))
        // 200 files, 20 % in expectation: far from none and far from all.
        #expect((20...60).contains(holdout.count))
        #expect(CorpusSplit(percent: 0).select(messages, .holdout).isEmpty)
        #expect(CorpusSplit(percent: 100).select(messages, .dev).isEmpty)
        #expect(split.select(messages, .all) == messages)
    }
}
