import Foundation
import Testing
@testable import MoatSpam

@Suite("Hyperscan prefilter cache")
struct PrefilterCacheTests {
    static let rules = """
        body     LOOKS_LIKE_A   /look(?:s|ing) like a \\w+/i
        body     LONG_ONE       /x{1,70000}y/
        body     ANCHORED       /\\Astart/
        rawbody  RAW_LINK       /<a\\s[^>]{0,64}href=/i
        uri      URI_HOST       /^https?:\\/\\/[^\\/]*example\\.com/
        """

    @Test func cachedDatabaseMatchesAFreshCompile() throws {
        let directory = FileManager.default.temporaryDirectory.path + "/moat-spam-cache-test-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let parsed = Fixtures.parse(Self.rules)
        let fresh = CompiledRuleSet(parsed)
        let first = CompiledRuleSet(parsed, cacheDirectory: directory)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".hsdb") }
        #expect(files.count == 3)
        let second = CompiledRuleSet(parsed, cacheDirectory: directory)
        for set in [first, second] {
            #expect(set.summary == fresh.summary)
            #expect(set.prefilterRejections.map(\.0) == fresh.prefilterRejections.map(\.0))
        }
        let message = Fixtures.message("""
            Subject: hi

            This is looking like a test.
            <a class=x href="http://www.example.com/">here</a>
            """)
        let subjects = RuleSubjects(message: message, envelope: .init(), maxBodyBytes: 1 << 20)
        let expected = fresh.evaluate(subjects, bayesProbability: nil, scoreSet: 0).map(\.name).sorted()
        #expect(expected.contains("LOOKS_LIKE_A"))
        #expect(second.evaluate(subjects, bayesProbability: nil, scoreSet: 0).map(\.name).sorted() == expected)
        // A damaged file is ignored and rewritten.
        for name in files { try Data("MOATHSDB1\ngarbage".utf8).write(to: URL(fileURLWithPath: directory + "/" + name)) }
        let third = CompiledRuleSet(parsed, cacheDirectory: directory)
        #expect(third.summary == fresh.summary)
        #expect(third.evaluate(subjects, bayesProbability: nil, scoreSet: 0).map(\.name).sorted() == expected)
    }

    /// A database Hyperscan refused outright is kept too, so a start does not try (and fail) to
    /// build it again: the answer read back is the same refusal.
    @Test func aRefusalIsCached() throws {
        let directory = FileManager.default.temporaryDirectory.path + "/moat-spam-refusal-test-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // Lookarounds exist only in prefilter mode.
        let pattern = HyperscanPrefilter.Pattern(id: 7, expression: "a(?=b)c", caseless: false, dotAll: false, everyEnd: true, exact: true)
        #expect(!HyperscanPrefilter.compilesAlone(pattern, cacheDirectory: directory))
        let files = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".hsdb") }
        #expect(files.count == 1)
        let loaded = try #require(PrefilterCache(directory: directory, patterns: [pattern], flags: HyperscanPrefilter.flags(for:)).load())
        #expect(loaded.0 == nil)
        #expect(loaded.1.keys.sorted() == [7])
        #expect(!HyperscanPrefilter.compilesAlone(pattern, cacheDirectory: directory))
        var accepted = pattern
        accepted.expression = "abc"
        #expect(HyperscanPrefilter.compilesAlone(accepted, cacheDirectory: directory))
    }

    /// Where stock-rule load time goes (MOAT_SPAM_PROFILE=1; MOAT_SPAM_CACHE_DIR to time a cached load).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["MOAT_SPAM_PROFILE"] != nil && Fixtures.stockAvailable))
    func loadProfile() {
        var start = Date()
        var parser = RuleFileParser()
        parser.load(paths: [Fixtures.stockRules])
        let parsed = parser.finish()
        print("[profile] parse + tags: \(Date().timeIntervalSince(start)) s")
        start = Date()
        let set = CompiledRuleSet(parsed, cacheDirectory: ProcessInfo.processInfo.environment["MOAT_SPAM_CACHE_DIR"])
        print("[profile] compile: \(Date().timeIntervalSince(start)) s; loaded=\(set.summary.loaded) skipped=\(set.summary.skipped.count) prefiltered=\(set.summary.prefiltered) pcre-only=\(set.summary.pcreOnly)")
    }
}
