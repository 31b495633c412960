import Logging
@testable import MoatCore
import MoatMessage
import Testing

@Suite("ScanPipeline")
struct ScanPipelineTests {
    let pool = BlockingWorkPool(threads: 4)

    func pipeline(_ engines: [RegisteredEngine], policy: Policy = Policy()) -> ScanPipeline {
        ScanPipeline(registry: EngineRegistry(EngineSnapshot(engines: engines, policy: policy)), blocking: pool)
    }

    @Test("a slow engine hits its deadline and yields a timeout verdict while the others decide")
    func slowEngineTimesOut() async {
        let detection = EngineReport(category: .malware, score: 10, findings: [Finding(code: "test.hit", detail: "x")])
        let pipeline = pipeline([
            Fixtures.engine("slow", SleepingEngine(delay: .seconds(120)), timeoutMilliseconds: 100),
            Fixtures.engine("av", FixedEngine(report: detection)),
        ])
        let clock = ContinuousClock()
        let start = clock.now
        let decision = await pipeline.scan(ScanInput(message: Fixtures.plain))
        #expect(clock.now - start < .seconds(60))
        #expect(decision.verdicts.first { $0.engine == "slow" }?.outcome == .timeout)
        #expect(decision.action == .reject)
        #expect(decision.category == .malware)
    }

    @Test("an engine stuck in blocking C work still times out at its deadline")
    func blockingEngineTimesOut() async {
        // The C call blocks a pool thread for 60 s; the deadline is 100 ms. The scan must answer while
        // the call is still blocked (checked by order, not by wall-clock time).
        let engine = BlockingEngine(milliseconds: 60_000)
        let pipeline = pipeline([Fixtures.engine("stuck", engine, timeoutMilliseconds: 100)])
        let decision = await pipeline.scan(ScanInput(message: Fixtures.plain))
        #expect(!engine.finished.isSet)
        #expect(decision.verdicts.first?.outcome == .timeout)
        #expect(decision.action == .accept)
        #expect(decision.headers.contains { $0.name == "X-Moat-Verdict" && $0.value.contains("unscanned-by=stuck") })
    }

    @Test("a throwing engine yields an error verdict; on_error=tempfail tempfails the message")
    func throwingEngine() async {
        let ignoring = await pipeline([Fixtures.engine("broken", ThrowingEngine())]).scan(ScanInput(message: Fixtures.plain))
        #expect(ignoring.verdicts.first?.outcome == .error("database unavailable"))
        #expect(ignoring.action == .accept)
        #expect(ignoring.reasons.first?.counted == false)

        let strict = await pipeline([Fixtures.engine("broken", ThrowingEngine(), onError: .tempfail)]).scan(ScanInput(message: Fixtures.plain))
        #expect(strict.action == .tempfail)
        #expect(strict.smtpReply?.hasPrefix("451") == true)
    }

    @Test("a score that is no finite number is an engine error, and the decision and its headers are still written",
          arguments: [Double.nan, .infinity, -.infinity, 1e300])
    func nonFiniteScore(score: Double) async {
        let garbage = EngineReport(category: .spam, score: score, findings: [Finding(code: "test.hit", detail: "x", score: score)])
        let decision = await pipeline([
            Fixtures.engine("broken", FixedEngine(report: garbage)),
            Fixtures.engine("av", FixedEngine(report: EngineReport(category: .malware, score: 10))),
        ]).scan(ScanInput(message: Fixtures.plain))
        let broken = decision.verdicts.first { $0.engine == "broken" }
        #expect(broken?.label == "error")
        #expect(broken?.score == 0)
        #expect(broken?.findings.map(\.score) == [0])
        #expect(decision.score.isFinite)
        #expect(decision.action == .reject)
        #expect(decision.headers.contains { $0.name == "X-Moat-Engines" && $0.value.contains("broken=error") })
    }

    @Test("scores print with two decimals, and numbers past that print as Swift writes them, never a trap")
    func formatting() {
        #expect(String(format2: 1.005) == "1.00" || String(format2: 1.005) == "1.01")
        #expect(String(format2: -2.5) == "-2.50")
        #expect(String(format2: 0.07) == "0.07")
        #expect(String(format2: .nan) == "nan")
        #expect(String(format2: .infinity) == "inf")
        #expect(String(format2: -.infinity) == "-inf")
        #expect(String(format2: 1e300) == "1e+300")
        #expect(String(format2: Double(Int.max)) == "9.223372036854776e+18")
    }

    @Test("a shadow engine runs and is recorded but does not vote")
    func shadowDoesNotVote() async {
        let detection = EngineReport(category: .malware, score: 50)
        let decision = await pipeline([
            Fixtures.engine("trial", FixedEngine(report: detection), state: .shadow),
            Fixtures.engine("clean", FixedEngine(report: .clean)),
        ]).scan(ScanInput(message: Fixtures.plain))
        #expect(decision.verdicts.count == 2)
        #expect(decision.verdicts.first { $0.engine == "trial" }?.label == "malware")
        #expect(decision.action == .accept)
        #expect(decision.score == 0)
        #expect(decision.category == nil)
        #expect(decision.headers.first { $0.name == "X-Moat-Engines" }?.value.contains("trial=malware score=50.00 shadow") == true)
    }

    @Test("disabled engines do not run")
    func disabledDoesNotRun() async {
        let counter = CountingEngine(report: .clean)
        _ = await pipeline([Fixtures.engine("off", counter, state: .disabled)]).scan(ScanInput(message: Fixtures.plain))
        #expect(counter.count.withLock { $0 } == 0)
    }

    @Test("a registry swap during 1,000 concurrent scans: each scan sees one whole snapshot")
    func swapDuringConcurrentScans() async throws {
        // Snapshot A: two engines that both say spam. Snapshot B: two engines that both say clean.
        // A scan that mixed snapshots would show exactly one spam verdict.
        let spam = EngineReport(category: .spam, score: 3)
        let a = [Fixtures.engine("one", CountingEngine(report: spam)), Fixtures.engine("two", CountingEngine(report: spam))]
        let b = [Fixtures.engine("one", CountingEngine(report: .clean)), Fixtures.engine("two", CountingEngine(report: .clean))]
        let registry = EngineRegistry(EngineSnapshot(engines: a))
        let pipeline = ScanPipeline(registry: registry, blocking: pool)
        let results = await withTaskGroup(of: [String].self, returning: [[String]].self) { group in
            for index in 0..<1000 {
                group.addTask {
                    if index % 50 == 25 {
                        registry.replace(engines: index % 100 == 25 ? b : a, policy: Policy())
                    }
                    return await pipeline.scan(ScanInput(message: Fixtures.plain)).verdicts.map(\.label)
                }
            }
            var all: [[String]] = []
            for await labels in group { all.append(labels) }
            return all
        }
        #expect(results.count == 1000)
        for labels in results {
            #expect(labels == ["spam", "spam"] || labels == ["clean", "clean"])
        }
        #expect(registry.snapshot.generation == 20)
        #expect(Set(results.map { $0.first ?? "" }).count == 2)
    }

    @Test("cancelling a scan cancels its engines and yields the failsafe decision")
    func cancellation() async {
        let pipeline = pipeline([Fixtures.engine("slow", SleepingEngine(delay: .seconds(30)), timeoutMilliseconds: 60_000)])
        let task = Task { await pipeline.scan(ScanInput(message: Fixtures.plain)) }
        try? await Task.sleep(for: .milliseconds(50))
        task.cancel()
        let decision = await task.value
        #expect(decision.action == .tempfail)
    }

    @Test("parser findings reach the decision")
    func parserFindings() async {
        let raw = Array("Content-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\nContent-Type: text/plain\r\n\r\nno close\r\n".utf8)
        let decision = await pipeline([]).scan(ScanInput(message: Message(parsing: raw)))
        #expect(decision.messageFindings.contains { $0.code == "mime.missing_close_boundary" })
    }
}
