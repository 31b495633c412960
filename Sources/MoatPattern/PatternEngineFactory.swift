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
        guard let patterns = options["patterns"]?.stringArray, !patterns.isEmpty, !patterns.contains("") else {
            throw context.invalid("patterns", "a non-empty list of non-empty strings is required")
        }
        let scope = try options["scope"].map { value -> PatternEngine.Scope in
            guard let text = value.stringValue, let scope = PatternEngine.Scope(rawValue: text) else {
                throw context.invalid("scope", "expected \"raw\", \"headers\" or \"parts\"")
            }
            return scope
        } ?? .raw
        let category = try options["category"].map { value -> VerdictCategory in
            guard let text = value.stringValue, let category = VerdictCategory(rawValue: text) else {
                throw context.invalid("category", "expected one of \(VerdictCategory.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return category
        } ?? .suspicious
        let score = try options["score"].map { value -> Double in
            guard let score = value.doubleValue else { throw context.invalid("score", "expected a number") }
            return score
        } ?? 1
        let disarm = options["disarm"]?.boolValue ?? false
        let delay = options["delay_ms"]?.intValue ?? 0
        guard delay >= 0 else { throw context.invalid("delay_ms", "must not be negative") }
        return PatternEngine(patterns: patterns, scope: scope, category: category, score: score,
                             disarm: disarm, delay: .milliseconds(delay))
    }
}
