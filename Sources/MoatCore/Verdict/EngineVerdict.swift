/// One engine's verdict on one message, as recorded by the pipeline.
///
/// An engine failure is an explicit `.error` or `.timeout` outcome that the policy sees;
/// it never reads as clean.
public struct EngineVerdict: Sendable, Hashable {
    /// The outcome of one engine run.
    public enum Outcome: Sendable, Hashable {
        case clean
        case detected(VerdictCategory)
        case error(String)
        case timeout
        /// The engine is still starting (its rules compile in the background): no answer, no vote.
        case notReady(String)
    }

    /// Engine instance name (the manifest's `name`).
    public var engine: String
    public var outcome: Outcome
    /// The engine's unweighted score (0 for clean, error and timeout).
    public var score: Double
    public var findings: [Finding]
    public var replacements: [PartReplacement]
    /// Headers the engine asks to add (see `EngineReport.headers`).
    public var headers: [Decision.Header] = []
    /// The engine's own action for a policy or malware detection (see `EngineReport.requestedAction`).
    public var requestedAction: Action?
    /// Wall-clock time from start of the engine's run to its answer (or to the deadline).
    public var elapsed: Duration
    /// The engine's state when it ran: a shadow engine is recorded but does not vote.
    public var state: EngineState

    public init(
        engine: String,
        outcome: Outcome,
        score: Double = 0,
        findings: [Finding] = [],
        replacements: [PartReplacement] = [],
        elapsed: Duration = .zero,
        state: EngineState = .active
    ) {
        self.engine = engine
        self.outcome = outcome
        self.score = score
        self.findings = findings
        self.replacements = replacements
        self.elapsed = elapsed
        self.state = state
    }

    /// Whether this verdict counts toward the decision.
    public var votes: Bool { state == .active }

    /// Short, stable label for logs, headers and JSON (`clean`, `malware`, `error`, `timeout`, ...).
    public var label: String {
        switch outcome {
        case .clean: "clean"
        case .detected(let category): category.rawValue
        case .error: "error"
        case .timeout: "timeout"
        case .notReady: "not_ready"
        }
    }

    /// The largest score magnitude an engine may report. SpamAssassin's scores stay within a few
    /// hundred; beyond this a score is garbage from a broken engine or peer, and weighted sums of
    /// such numbers overflow to infinity.
    public static let maximumScore = 1e9

    /// This verdict, or an error in its place when its score or a finding's is not a finite number
    /// within ±`maximumScore`. Scores come from engines that parse other programs' answers (a
    /// spamd `Spam: True ; nan / 5.0`) and from worker processes a message may have broken; a NaN
    /// or an infinity must not reach the decision, whose score is summed, compared and printed.
    /// The engine's failure policy then applies, as for any engine that could not answer.
    public func withCheckedScores() -> EngineVerdict {
        let inRange = { (value: Double) in value.isFinite && abs(value) <= Self.maximumScore }
        guard !inRange(score) || findings.contains(where: { !inRange($0.score) }) else { return self }
        var checked = self
        checked.outcome = .error("reported a score that is not a finite number within ±1e9 (\(score))")
        checked.score = 0
        checked.findings = findings.map { finding in
            var finding = finding
            if !inRange(finding.score) { finding.score = 0 }
            return finding
        }
        return checked
    }

    /// Whether the engine failed to give an answer.
    public var isFailure: Bool {
        switch outcome {
        case .error, .timeout: true
        case .clean, .detected, .notReady: false
        }
    }
}
