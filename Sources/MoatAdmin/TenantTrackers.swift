import Foundation
import MoatCore
import Synchronization

/// Each tenant's own engine figures: a precision tracker per tenant, fed with the scans and the
/// feedback of mail that tenant received. Feedback on a message counts for each of its tenants and
/// (in the supervisor's global tracker) for the gateway, never for another tenant.
///
/// Trackers are made on a tenant's first scan, so a tenant without mail costs nothing; each holds
/// the same windows as the global one (`[precision]`).
public final class TenantTrackers: Sendable {
    let settings: PrecisionTracker.Settings
    private let trackers = Mutex<[String: PrecisionTracker]>([:])

    public init(settings: PrecisionTracker.Settings) {
        self.settings = settings
    }

    private func tracker(_ tenant: String) -> PrecisionTracker {
        trackers.withLock { trackers in
            if let existing = trackers[tenant] { return existing }
            let made = PrecisionTracker(settings: settings)
            trackers[tenant] = made
            return made
        }
    }

    public func observe(_ record: ScanRecord) {
        for tenant in Set(record.tenants) { tracker(tenant).observe(record) }
    }

    public func label(_ record: ScanRecord, truth: TrueClass, at: Date = Date()) {
        for tenant in Set(record.tenants) { tracker(tenant).label(record, truth: truth, at: at) }
    }

    /// A tenant's figures per engine (empty before its first scan).
    public func statistics(tenant: String) -> [EngineStatistics] {
        trackers.withLock { $0[tenant] }?.allStatistics() ?? []
    }

    public func reset(engine: String) {
        for tracker in trackers.withLock({ Array($0.values) }) { tracker.reset(engine: engine) }
    }
}
