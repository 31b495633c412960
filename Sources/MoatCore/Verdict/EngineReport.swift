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
    /// Set when the engine could not look at the message yet (rules still compiling at start-up):
    /// the verdict is `not_ready`, which neither votes nor counts as a failure or a claim.
    public var notReady: String?
    /// Headers the engine asks the gateway to add to delivered mail (the auth engine's
    /// `Authentication-Results`).
    public var headers: [Decision.Header] = []
    /// For a `policy` or `malware` detection: the action the engine's own configuration asks for
    /// (a DMARC `p=quarantine` honoured), instead of the policy's `on_detect` for the category.
    public var requestedAction: Action?

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

    /// The report of an engine still warming up; `reason` says what it is waiting for.
    public static func notReady(_ reason: String) -> EngineReport {
        var report = EngineReport()
        report.notReady = reason
        return report
    }
}
