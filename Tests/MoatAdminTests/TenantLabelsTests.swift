import Testing
@testable import MoatAdmin

/// Metric labels for tenants stay bounded: the first tenants keep their own series, later ones share `other`.
@Suite("Tenant metric labels")
struct TenantLabelsTests {
    @Test func boundedLabels() {
        let labels = TenantLabels(limit: 2)
        #expect(labels.label("acme") == "acme")
        #expect(labels.label("globex") == "globex")
        #expect(labels.label("initech") == "other")
        #expect(labels.label("acme") == "acme")
        #expect(TenantLabels(limit: 0).label("acme") == "other")
    }
}
