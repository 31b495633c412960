import Foundation
import Logging
import MoatCore
import MoatMessage

/// Builds pipelines with every manifest of an engines folder, or only the named ones, cached per set,
/// so a fixture that names `engines = ["clamav"]` never waits for the spam engine's rules to compile.
public actor ManifestPipelineProvider {
    public let enginesDirectory: String
    public let rulesDirectory: String
    public let policy: Policy
    private let loader: EngineLoader
    private let blocking: BlockingWorkPool
    private let logger: Logger
    private var cache: [String: ScanPipeline] = [:]

    public init(factories: [any EngineFactory], enginesDirectory: String, rulesDirectory: String, policy: Policy = Policy(),
                blocking: BlockingWorkPool, logger: Logger) {
        self.enginesDirectory = enginesDirectory
        self.rulesDirectory = rulesDirectory
        self.policy = policy
        self.blocking = blocking
        self.logger = logger
        self.loader = EngineLoader(factories: factories, blocking: blocking, logger: logger)
    }

    /// A pipeline with the named engines (nil: all); throws `ConfigurationError` for unknown names or bad manifests.
    public func pipeline(engines names: [String]?) async throws -> ScanPipeline {
        let key = names.map { Set($0).sorted().joined(separator: ",") } ?? "*"
        if let cached = cache[key] { return cached }
        let (all, problems) = EngineLoader.manifests(in: enginesDirectory)
        if let problem = problems.first { throw problem }
        let manifests = names.map { names in all.filter { names.contains($0.manifest.name) } } ?? all
        if let names {
            let missing = Set(names).subtracting(manifests.map(\.manifest.name))
            if !missing.isEmpty {
                throw ConfigurationError(file: enginesDirectory, reason: "no engine named \(missing.sorted().joined(separator: ", "))")
            }
        }
        let result = await loader.build(manifests, rulesDirectory: rulesDirectory)
        if let problem = result.problems.first { throw problem }
        // A fixture that names a few engines tests their rules under the hand-set policy: the
        // learned combiner was trained on every engine's findings and does not fit a subset.
        var policy = self.policy
        if policy.model?.mismatch(configuredEngines: Set(result.engines.map(\.name)), path: policy.modelPath) != nil {
            policy.model = nil
        }
        let pipeline = ScanPipeline(
            registry: EngineRegistry(EngineSnapshot(engines: result.engines, policy: policy, generation: 1)),
            blocking: blocking, logger: logger
        )
        cache[key] = pipeline
        return pipeline
    }
}

/// One fixture's outcome.
public struct FixtureResult: Sendable, Hashable {
    public var fixture: Fixture
    /// Empty when the fixture passed; otherwise what differed, one line each.
    public var problems: [String]
    /// Every finding the scan produced, `engine  code  detail  score`.
    public var actualHits: [String]
    public var action: Action?
    public var category: VerdictCategory?
    public var score: Double

    public var passed: Bool { problems.isEmpty }
}

/// Runs rule fixtures through a pipeline and reports pass/fail with a diff.
public struct RuleTestRunner: Sendable {
    /// Gives the pipeline for a fixture's `engines` list (nil: every engine).
    public var pipelineFor: @Sendable ([String]?) async throws -> ScanPipeline

    public init(pipelineFor: @escaping @Sendable ([String]?) async throws -> ScanPipeline) {
        self.pipelineFor = pipelineFor
    }

    public init(provider: ManifestPipelineProvider) {
        self.pipelineFor = { try await provider.pipeline(engines: $0) }
    }

    public init(pipeline: ScanPipeline) {
        self.pipelineFor = { _ in pipeline }
    }

    /// Every fixture under `paths`, in order.
    public func run(_ paths: [String]) async -> [FixtureResult] {
        var results: [FixtureResult] = []
        for fixture in Fixture.discover(paths).fixtures {
            results.append(await run(fixture))
        }
        return results
    }

    public func run(_ fixture: Fixture) async -> FixtureResult {
        var result = FixtureResult(fixture: fixture, problems: [], actualHits: [], action: nil, category: nil, score: 0)
        let expectation: FixtureExpectation
        do {
            expectation = try FixtureExpectation.load(path: fixture.expectationPath)
        } catch {
            result.problems.append("expectation: \(error)")
            return result
        }
        guard let data = FileManager.default.contents(atPath: fixture.messagePath) else {
            result.problems.append("cannot read \(fixture.messagePath)")
            return result
        }
        let pipeline: ScanPipeline
        do {
            pipeline = try await pipelineFor(expectation.engines)
        } catch {
            result.problems.append("engines: \(error)")
            return result
        }
        let decision = await pipeline.scan(ScanInput(message: Message(parsing: Array(data))))
        return Self.compare(decision, expectation, fixture: fixture)
    }

    /// All findings of a decision with the engine that reported them (`message` for parser findings).
    static func hits(_ decision: Decision) -> [(engine: String, finding: Finding)] {
        decision.verdicts.flatMap { verdict in verdict.findings.map { (verdict.engine, $0) } }
            + decision.messageFindings.map { ("message", $0) }
    }

    /// Whether `spec` (`code` or `code:detail-substring`) matches a finding.
    static func matches(_ spec: String, _ finding: Finding) -> Bool {
        guard let colon = spec.firstIndex(of: ":") else { return finding.code == spec }
        let code = String(spec[..<colon])
        let detail = String(spec[spec.index(after: colon)...])
        return finding.code == code && (detail.isEmpty || finding.detail.range(of: detail, options: .caseInsensitive) != nil)
    }

    public static func compare(_ decision: Decision, _ expectation: FixtureExpectation, fixture: Fixture) -> FixtureResult {
        let hits = hits(decision)
        var problems: [String] = []
        if let action = expectation.action, action != decision.action {
            problems.append("action:   expected \(action.rawValue), got \(decision.action.rawValue)")
        }
        if let category = expectation.category {
            let actual = decision.category?.rawValue ?? "none"
            if actual != category { problems.append("category: expected \(category), got \(actual)") }
        }
        if let minimum = expectation.scoreMin, decision.score < minimum {
            problems.append("score:    expected >= \(String(format: "%.2f", minimum)), got \(String(format: "%.2f", decision.score))")
        }
        if let maximum = expectation.scoreMax, decision.score > maximum {
            problems.append("score:    expected <= \(String(format: "%.2f", maximum)), got \(String(format: "%.2f", decision.score))")
        }
        for spec in expectation.mustHit where !hits.contains(where: { matches(spec, $0.finding) }) {
            problems.append("- must_hit     \(spec)   (not found)")
        }
        for spec in expectation.mustNotHit {
            for hit in hits where matches(spec, hit.finding) {
                problems.append("+ must_not_hit \(spec)   (found: \(hit.engine) \(hit.finding.code) \(hit.finding.detail))")
            }
        }
        for engine in expectation.engines ?? [] {
            guard let verdict = decision.verdicts.first(where: { $0.engine == engine }) else {
                problems.append("engine:   \(engine) did not run")
                continue
            }
            if case .error(let message) = verdict.outcome { problems.append("engine:   \(engine) failed: \(message)") }
            if case .timeout = verdict.outcome { problems.append("engine:   \(engine) timed out") }
        }
        let actualHits = hits.map { hit in
            "\(hit.engine)  \(hit.finding.code)  \(hit.finding.detail.prefix(80))  \(String(format: "%.2f", hit.finding.score))"
        }
        return FixtureResult(fixture: fixture, problems: problems, actualHits: actualHits, action: decision.action,
                             category: decision.category, score: decision.score)
    }

    /// A test-runner report: one line per fixture, a diff under each failure, and a last line exactly `N passed, N failed`.
    public static func report(_ results: [FixtureResult], withoutExpectation: [String] = []) -> String {
        var lines: [String] = []
        for result in results {
            if result.passed {
                lines.append("PASS  \(result.fixture.messagePath)")
                continue
            }
            lines.append("FAIL  \(result.fixture.messagePath)")
            lines += result.problems.map { "      \($0)" }
            let summary = "\(result.action?.rawValue ?? "-") category=\(result.category?.rawValue ?? "none") score=\(String(format: "%.2f", result.score))"
            lines.append("      actual: \(summary)")
            if result.actualHits.isEmpty {
                lines.append("      actual hits: (none)")
            } else {
                lines.append("      actual hits:")
                lines += result.actualHits.map { "        \($0)" }
            }
        }
        for path in withoutExpectation {
            lines.append("SKIP  \(path) (no \((path as NSString).lastPathComponent.dropLast(4)).expect.toml)")
        }
        let passed = results.filter(\.passed).count
        lines.append("\(passed) passed, \(results.count - passed) failed")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Modification times of every file under `paths`, for `--watch` polling.
    public static func fingerprint(_ paths: [String]) -> [String: Date] {
        var result: [String: Date] = [:]
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            var files = [path]
            if isDirectory.boolValue {
                let enumerator = FileManager.default.enumerator(atPath: path)
                files = []
                while let relative = enumerator?.nextObject() as? String { files.append(path + "/" + relative) }
            }
            for file in files {
                if let date = (try? FileManager.default.attributesOfItem(atPath: file))?[.modificationDate] as? Date {
                    result[file] = date
                }
            }
        }
        return result
    }
}
