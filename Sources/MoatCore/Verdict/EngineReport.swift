/// What an engine's `scan` returns: its own view of the message, before the pipeline adds timing.
public struct EngineReport: Sendable, Hashable {
    /// The category of harm detected, or `nil` when the engine found the message clean.
    public var category: VerdictCategory?
    /// The engine's own score (the policy multiplies it by the engine's weight).
    public var score: Double
    /// Every observation, including informational ones on a clean message.
    public var findings: [Finding]
    /// Parts the engine disarmed and wants delivered in place of the originals.
    public var replacements: [PartReplacement]

    public init(
        category: VerdictCategory? = nil,
        score: Double = 0,
        findings: [Finding] = [],
        replacements: [PartReplacement] = []
    ) {
        self.category = category
        self.score = score
        self.findings = findings
        self.replacements = replacements
    }

    /// A clean report with no findings.
    public static let clean = EngineReport()
}
