import Foundation
import MoatCore
import Testing

@Suite("PrecisionTracker")
struct PrecisionTrackerTests {
    func record(_ id: String, _ entries: [(String, String)], state: EngineState = .active) -> ScanRecord {
        ScanRecord(id: id, contentHash: id, action: .accept, score: 0, category: nil, engines: entries.map {
            ScanRecord.EngineEntry(engine: $0.0, label: $0.1, score: 0, state: state, elapsedMilliseconds: 1)
        })
    }

    @Test("confusion counts, precision, recall and a Wilson interval from labelled scans")
    func counts() throws {
        let tracker = PrecisionTracker()
        for index in 0..<8 { tracker.label(record("s\(index)", [("av", "spam")]), truth: .spam) }
        for index in 0..<2 { tracker.label(record("h\(index)", [("av", "spam")]), truth: .ham) }
        for index in 0..<2 { tracker.label(record("m\(index)", [("av", "clean")]), truth: .spam) }
        let spam = try #require(tracker.statistics(engine: "av").categories["spam"])
        #expect(spam.counts == ConfusionCounts(truePositives: 8, falsePositives: 2, trueNegatives: 0, falseNegatives: 2))
        #expect(spam.precision == 0.8)
        #expect(spam.recall == 0.8)
        let interval = try #require(spam.precisionInterval)
        #expect(interval[0] > 0.49 && interval[0] < 0.5 && interval[1] > 0.94 && interval[1] < 0.95)
        #expect(tracker.precision(engine: "av", category: .spam, minSamples: 12) == 0.8)
        #expect(tracker.precision(engine: "av", category: .spam, minSamples: 13) == nil)
    }

    @Test("the window keeps only the newest samples; failures carry no claim")
    func window() {
        var settings = PrecisionTracker.Settings()
        settings.window = 10
        let tracker = PrecisionTracker(settings: settings)
        for index in 0..<10 { tracker.label(record("h\(index)", [("av", "spam")]), truth: .ham) }
        for index in 0..<10 { tracker.label(record("s\(index)", [("av", "spam"), ("slow", "timeout")]), truth: .spam) }
        let statistics = tracker.statistics(engine: "av")
        #expect(statistics.samples == 10)
        #expect(statistics.categories["spam"]?.precision == 1)
        #expect(tracker.statistics(engine: "slow").samples == 0)
    }

    @Test("removal policy: precision and error rate, only past their minimum samples")
    func evaluate() {
        let tracker = PrecisionTracker()
        let policy = RemovalPolicy(minSamples: 4, minPrecision: 0.9, maxErrorRate: 0.2, minScansForErrorRate: 5)
        for index in 0..<3 { tracker.label(record("h\(index)", [("av", "spam")]), truth: .ham) }
        #expect(tracker.evaluate(engine: "av", policy: policy) == nil)
        tracker.label(record("h3", [("av", "spam")]), truth: .ham)
        #expect(tracker.evaluate(engine: "av", policy: policy)?.state == .shadow)
        for index in 0..<5 { tracker.observe(record("e\(index)", [("flaky", index < 2 ? "error" : "clean")])) }
        let failing = tracker.evaluate(engine: "flaky", policy: policy)
        #expect(failing?.state == .disabled)
        #expect(failing?.reason.contains("0.400") == true)
        tracker.reset(engine: "av")
        #expect(tracker.evaluate(engine: "av", policy: policy) == nil)
    }

    @Test("consensus truth is kept apart from confirmed truth")
    func consensus() {
        var settings = PrecisionTracker.Settings()
        settings.consensus = true
        settings.consensusQuorum = 2
        let tracker = PrecisionTracker(settings: settings)
        tracker.observe(record("a", [("one", "malware"), ("two", "malware"), ("three", "clean")]))
        tracker.observe(record("b", [("one", "clean"), ("two", "clean"), ("three", "clean")]))
        tracker.observe(record("c", [("one", "malware"), ("two", "clean"), ("three", "clean")]))  // no quorum: skipped
        let three = tracker.statistics(engine: "three")
        #expect(three.samples == 0)
        #expect(three.consensus["malware"]?.counts == ConfusionCounts(truePositives: 0, falsePositives: 0, trueNegatives: 1, falseNegatives: 1))
        #expect(tracker.statistics(engine: "one").consensus["any"]?.counts.samples == 2)
    }
}
