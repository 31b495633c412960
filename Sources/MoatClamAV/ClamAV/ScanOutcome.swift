/// What libclamav said about one buffer: the alert names raised, and whether a limit stopped it.
///
/// Independent of where the buffer sits in the message, so it can be cached by content digest.
struct ScanOutcome: Sendable, Hashable {
    /// Signature and heuristic names in the order raised (`.UNOFFICIAL` kept as libclamav gives it).
    var alerts: [String] = []
    /// libclamav's text for a limit return code (`CL_EMAXFILES`, `CL_ETIMEOUT`, ...), if the scan stopped at one.
    var stoppedAtLimit: String?
    /// The limit was the scan-time limit: depends on load, so the outcome must not be cached.
    var limitIsTime = false

    /// Whether the outcome may be reused for the same bytes under the same database.
    var isCacheable: Bool { !limitIsTime && !alerts.contains { $0.hasPrefix("Heuristics.Limits.Exceeded.MaxScanTime") } }
}
