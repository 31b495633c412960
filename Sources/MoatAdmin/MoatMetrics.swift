import CoreMetrics
import MoatCore
import Synchronization

/// Moat's metrics, through swift-metrics (the daemon bootstraps the Prometheus backend).
///
/// Names follow Prometheus conventions: `moat_scans_total`, `moat_decisions_total{action}`,
/// `moat_engine_verdicts_total{engine,verdict}`, `moat_engine_scan_duration_seconds{engine}`,
/// `moat_engine_precision{engine,category}`, `moat_engine_state{engine,state}`,
/// `moat_tenant_decisions_total{tenant,action}`.
public struct MoatMetrics: Sendable {
    /// The tenant label values in use: the first `maxTenantLabels` tenants to get mail since start
    /// keep their own series, later ones share `other`, so 10,000 tenants cannot blow up the
    /// scrape (a provider's largest tenants are the first to get mail after a restart).
    let tenantLabels: TenantLabels

    public init(maxTenantLabels: Int = 100) {
        tenantLabels = TenantLabels(limit: maxTenantLabels)
    }

    func decided(_ decision: Decision) {
        Counter(label: "moat_scans_total").increment()
        Counter(label: "moat_decisions_total", dimensions: [("action", decision.action.rawValue)]).increment()
        for outcome in decision.tenants where outcome.tenant != nil {
            Counter(label: "moat_tenant_decisions_total", dimensions: [("tenant", tenantLabels.label(outcome.tenant ?? "")), ("action", outcome.action.rawValue)])
                .increment()
        }
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

/// A bounded set of metric label values: known values pass, new ones while there is room, the rest
/// read `other`.
final class TenantLabels: Sendable {
    let limit: Int
    private let known = Mutex<Set<String>>([])

    init(limit: Int) {
        self.limit = max(0, limit)
    }

    func label(_ tenant: String) -> String {
        known.withLock { known in
            if known.contains(tenant) { return tenant }
            guard known.count < limit else {
                // Reported: how much mail the bound folded into `other` ([admin] max_tenant_metric_labels).
                Counter(label: "moat_tenant_label_overflow_total").increment()
                return "other"
            }
            known.insert(tenant)
            return tenant
        }
    }
}

extension Timer {
    func record(duration: Duration) {
        recordNanoseconds(duration.wholeNanoseconds)
    }
}
