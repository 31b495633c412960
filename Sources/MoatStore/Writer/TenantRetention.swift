import Foundation
import MoatCore

/// Tenants' own quarantine retention (`quarantine_retention_days`): a held message is kept as long
/// as the longest retention among the tenants it was held for (a tenant without one keeps the
/// store's `retention_days`), so one tenant's short retention never deletes another's evidence.
enum TenantRetention {
    /// The entries past every one of their tenants' retention (a tenant deleted since keeps the
    /// store's); entries of no tenant are left to the store's own prune.
    static func expired(_ entries: [QuarantineEntry], tenants: [String: Tenant], defaultDays: Int, now: Date = Date()) -> [QuarantineEntry] {
        entries.filter { entry in
            guard !entry.tenants.isEmpty else { return false }
            let days = entry.tenants.map { tenants[$0]?.policy.quarantineRetentionDays ?? defaultDays }.max() ?? defaultDays
            return entry.at < now.addingTimeInterval(-Double(days) * 86_400)
        }
    }

    /// Deletes what `expired` selects among the newest `scanLimit` held messages; returns how many.
    static func prune(_ store: any ScanStore, defaultDays: Int, scanLimit: Int = 100_000) async throws -> Int {
        let tenants = Dictionary(uniqueKeysWithValues: try await store.tenants().map { ($0.id, $0) })
        var removed = 0
        let entries = try await store.quarantined(limit: scanLimit, tenant: nil)
        for entry in expired(entries, tenants: tenants, defaultDays: defaultDays) where try await store.deleteQuarantined(scanID: entry.scanID) {
            removed += 1
        }
        return removed
    }
}
