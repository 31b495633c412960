import Foundation
import Logging
import MoatAdmin
import MoatCore
import MoatStore
import Testing

/// Tenant changes made at the same time all land, and a domain never ends up with two owners.
@Suite("Tenant manager")
struct TenantManagerTests {
    func manager() async throws -> (TenantManager, EngineRegistry, any ScanStore) {
        var configuration = StoreConfiguration()
        configuration.path = NSTemporaryDirectory() + "moat-tenants-\(UUID().uuidString).sqlite"
        let store = try await StoreFactory.open(configuration, logger: Logger(label: "test"))
        let registry = EngineRegistry()
        return (TenantManager(registry: registry, store: store, logger: Logger(label: "test")), registry, store)
    }

    @Test func concurrentChangesAllLand() async throws {
        let (tenants, registry, store) = try await manager()
        _ = try await tenants.create(Tenant(id: "acme", domains: ["acme.example"]), actor: "t")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 0..<20 {
                group.addTask {
                    _ = try await tenants.update("acme", actor: "t") { tenant in
                        tenant.domains.append("d\(n).example")
                        return "domain added"
                    }
                }
            }
            group.addTask {
                _ = try await tenants.update("acme", actor: "t") { tenant in
                    tenant.policy.rejectScore = 7
                    return "policy"
                }
            }
            try await group.waitForAll()
        }
        let inForce = try #require(registry.snapshot.tenants.tenants["acme"])
        #expect(inForce.domains.count == 21)
        #expect(inForce.policy.rejectScore == 7)
        #expect(try await store.tenants().first?.domains.count == 21)
        try await store.close()
    }

    @Test func oneDomainOneOwnerUnderRace() async throws {
        let (tenants, registry, store) = try await manager()
        let outcomes = await withTaskGroup(of: Bool.self, returning: [Bool].self) { group in
            for n in 0..<6 {
                group.addTask { (try? await tenants.create(Tenant(id: "t\(n)", domains: ["shared.example"]), actor: "t")) != nil }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 }.count == 1)
        #expect(registry.snapshot.tenants.tenants.count == 1)
        try await store.close()
    }
}
