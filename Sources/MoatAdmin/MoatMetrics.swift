import CoreMetrics
import MoatCore

/// Moat's metrics, through swift-metrics (the daemon bootstraps the Prometheus backend).
///
/// Names follow Prometheus conventions: `moat_scans_total`, `moat_decisions_total{action}`,
/// `moat_engine_verdicts_total{engine,verdict}`, `moat_engine_scan_duration_seconds{engine}`,
/// `moat_engine_precision{engine,category}`, `moat_engine_state{engine,state}`.
public struct MoatMetrics: Sendable {
    public init() {}

    func decided(_ decision: Decision) {
        Counter(label: "moat_scans_total").increment()
        Counter(label: "moat_decisions_total", dimensions: [("action", decision.action.rawValue)]).increment()
        var slowest: Duration = .zero
        for verdict in decision.verdicts {
            Counter(label: "moat_engine_verdicts_total", dimensions: [("engine", verdict.engine), ("verdict", verdict.label)]).increment()
            Timer(label: "moat_engine_scan_duration_seconds", dimensions: [("engine", verdict.engine)], preferredDisplayUnit: .seconds)
                .record(duration: verdict.elapsed)
            slowest = max(slowest, verdict.elapsed)
        }
        Timer(label: "moat_scan_duration_seconds", preferredDisplayUnit: .seconds).record(duration: slowest)
    }

    func feedback(_ truth: TrueClass) {
        Counter(label: "moat_feedback_total", dimensions: [("class", truth.rawValue)]).increment()
    }

    func precision(engine: String, category: String, value: Double) {
        Gauge(label: "moat_engine_precision", dimensions: [("engine", engine), ("category", category)]).record(value)
    }

    func engineState(_ engine: String, _ state: EngineState) {
        for candidate in EngineState.allCases {
            Gauge(label: "moat_engine_state", dimensions: [("engine", engine), ("state", candidate.rawValue)])
                .record(candidate == state ? 1 : 0)
        }
    }

    func supervisorDropped() {
        Counter(label: "moat_supervisor_dropped_total").increment()
    }
}

extension Timer {
    func record(duration: Duration) {
        let (seconds, attoseconds) = duration.components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
