/// Which rules the spam engine would refuse to load, found exactly as the engine loads them
/// (`RuleFileParser`, then every regex compiled with PCRE2 and every eval and meta resolved), but
/// without building the Hyperscan databases. `moat rules lint` reports each as an error, so a rule
/// that lints clean is a rule the engine runs.
public enum RuleAcceptance {
    /// A rule the engine does not load, where it is defined, and why.
    public struct Refusal: Sendable, Hashable {
        public var name: String
        /// `FILE:LINE`.
        public var location: String
        public var reason: String
        public var detail: String
    }

    /// The rules in `paths` (files or directories of `.cf`) the engine would refuse. Rules left out
    /// on purpose are not refusals: `net` rules offline and rules with a zero score everywhere.
    public static func refusals(paths: [String]) -> [Refusal] {
        var parser = RuleFileParser()
        parser.load(paths: paths)
        let set = CompiledRuleSet(parser.finish(), prefilter: false)
        return set.summary.skipped.filter { $0.reason != .net && $0.reason != .zeroScore }.map {
            Refusal(name: $0.name, location: $0.location, reason: $0.reason.rawValue, detail: $0.detail)
        }
    }
}
