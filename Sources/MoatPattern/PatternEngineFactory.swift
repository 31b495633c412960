import MoatCore

/// Builds `PatternEngine`s from manifests with `adapter = "pattern"`.
///
/// Options: `patterns` (list of strings, required), `scope` (`raw`, `headers`, `parts`),
/// `category`, `score`, `disarm` (bool), `delay_ms`.
public struct PatternEngineFactory: EngineFactory {
    public init() {}

    public var adapter: String { "pattern" }

    public func makeEngine(_ manifest: EngineManifest, context: EngineBuildContext) async throws -> any ScanEngine {
        let options = manifest.options
        let reader = EngineOptions(options, context: context)
        try reader.rejectUnknown(["patterns", "scope", "category", "score", "disarm", "delay_ms"])
        guard let patterns = options["patterns"]?.stringArray, !patterns.isEmpty, !patterns.contains("") else {
            throw context.invalid("patterns", "a non-empty list of non-empty strings is required")
        }
        let scope = try reader.choice("scope", PatternEngine.Scope.self) ?? .raw
        let category = try reader.choice("category", VerdictCategory.self) ?? .suspicious
        let score = try reader.number("score", in: -1_000...1_000) ?? 1
        // `disarm = "yes"` is an error, not a silent false.
        let disarm = try reader.bool("disarm") ?? false
        let delay = try reader.integer("delay_ms", in: 0...600_000) ?? 0
        return PatternEngine(patterns: patterns, scope: scope, category: category, score: score,
                             disarm: disarm, delay: .milliseconds(delay))
    }
}
