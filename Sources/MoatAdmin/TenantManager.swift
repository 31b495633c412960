import Foundation
import Logging
import MoatCore
import MoatStore
import Synchronization

/// Changes tenants one at a time: each change is checked (ids, domains, no domain owned twice),
/// written to the store with who made it, and then put in force for the next scan by swapping the
/// registry's tenant directory; no restart.
public actor TenantManager {
    public enum TenantError: Error, CustomStringConvertible, Equatable {
        case invalid(String)
        case notFound(String)
        case conflict(String)

        public var description: String {
            switch self {
            case .invalid(let reason), .conflict(let reason): reason
            case .notFound(let id): "no tenant named \(id)"
            }
        }
    }

    let registry: EngineRegistry
    let store: any ScanStore
    let logger: Logger
    private let changeHandler = Mutex<(@Sendable () async -> Void)?>(nil)

    /// Called after every change this node makes (the cluster tells the other nodes).
    public nonisolated func onChange(_ handler: @escaping @Sendable () async -> Void) {
        changeHandler.withLock { $0 = handler }
    }

    private nonisolated func changed() async {
        await changeHandler.withLock { $0 }?()
    }

    /// Puts the stored tenants in force if they differ from those in force (another node changed
    /// them); true when they did.
    @discardableResult
    public func refresh() async throws -> Bool {
        try await oneAtATime {
            let stored = try await self.store.tenants()
            guard Set(stored) != Set(self.current.values) else { return false }
            self.registry.replace(tenants: stored)
            self.logger.notice("tenants changed by another node", metadata: ["tenant.count": "\(stored.count)"])
            return true
        }
    }

    public init(registry: EngineRegistry, store: any ScanStore, logger: Logger) {
        self.registry = registry
        self.store = store
        self.logger = logger
    }

    /// Puts the stored tenants in force (at start).
    public func load() async throws {
        let tenants = try await store.tenants()
        registry.replace(tenants: tenants)
        logger.info("tenants loaded", metadata: ["tenant.count": "\(tenants.count)"])
    }

    /// The tenants in force, by id.
    public nonisolated var current: [String: Tenant] { registry.snapshot.tenants.tenants }

    /// The change running now: every change waits for the one before it, because a change reads
    /// the tenants, awaits the store, then swaps them in, and an actor lets another call in at that
    /// await (two changes at once could each lose the other's work, or give one domain twice).
    private var lastChange: Task<Void, Never>?

    private func oneAtATime<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let previous = lastChange
        let task = Task<T, any Error> {
            await previous?.value
            return try await body()
        }
        lastChange = Task { _ = try? await task.value }
        return try await task.value
    }

    public func create(_ tenant: Tenant, actor: String) async throws -> Tenant {
        try await oneAtATime {
            guard Tenant.isValidID(tenant.id) else {
                throw TenantError.invalid("'\(tenant.id)' is not a tenant id (1–64 of a-z, 0-9, '-' and '_')")
            }
            guard self.current[tenant.id] == nil else { throw TenantError.conflict("tenant \(tenant.id) exists") }
            return try await self.save(tenant, actor: actor,
                                       change: "created: domains \(tenant.domains.joined(separator: ", ")); addresses \(tenant.addresses.joined(separator: ", "))")
        }
    }

    /// Applies `edit` to a tenant; `edit` returns what changed, in words, for the change log.
    public func update(_ id: String, actor: String, _ edit: @escaping @Sendable (inout Tenant) throws -> String) async throws -> Tenant {
        try await oneAtATime {
            guard var tenant = self.current[id] else { throw TenantError.notFound(id) }
            let change = try edit(&tenant)
            return try await self.save(tenant, actor: actor, change: change)
        }
    }

    public func delete(_ id: String, actor: String) async throws {
        try await oneAtATime {
            guard self.current[id] != nil else { throw TenantError.notFound(id) }
            guard try await self.store.deleteTenant(id: id, change: TenantChange(tenant: id, actor: actor, change: "deleted")) else {
                throw TenantError.notFound(id)
            }
            self.registry.replace(tenants: Array(self.current.values.filter { $0.id != id }))
            self.logger.notice("tenant deleted", metadata: ["tenant.id": "\(id)", "admin.actor": "\(actor)"])
            await self.changed()
        }
    }

    private nonisolated func save(_ tenant: Tenant, actor: String, change: String) async throws -> Tenant {
        var tenant = Tenant(id: tenant.id, name: tenant.name, domains: tenant.domains, addresses: tenant.addresses, policy: tenant.policy,
                            updatedAt: Date(), updatedBy: actor)
        tenant.domains = Array(Set(tenant.domains)).sorted()
        tenant.addresses = Array(Set(tenant.addresses)).sorted()
        for domain in tenant.domains where !Tenant.isValidDomain(domain) {
            throw TenantError.invalid("'\(domain)' is not a mail domain")
        }
        for address in tenant.addresses {
            let parts = address.split(separator: "@", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, Tenant.isValidDomain(String(parts[1])) else {
                throw TenantError.invalid("'\(address)' is not an address")
            }
        }
        for other in current.values where other.id != tenant.id {
            if let domain = tenant.domains.first(where: other.domains.contains) {
                throw TenantError.conflict("\(domain) belongs to tenant \(other.id)")
            }
            if let address = tenant.addresses.first(where: other.addresses.contains) {
                throw TenantError.conflict("\(address) belongs to tenant \(other.id)")
            }
        }
        try await store.saveTenant(tenant, change: TenantChange(tenant: tenant.id, actor: actor, change: change, at: tenant.updatedAt ?? Date()))
        var all = current
        all[tenant.id] = tenant
        registry.replace(tenants: Array(all.values))
        logger.notice("tenant changed", metadata: ["tenant.id": "\(tenant.id)", "admin.actor": "\(actor)", "tenant.change": "\(change)"])
        await changed()
        return tenant
    }
}
