import Foundation
import Hummingbird
import MoatCore
import MoatStore

/// Decisions and tenants over the admin API. A tenant token sees its own tenant's decisions and
/// may change its own tenant's policy; creating tenants and giving them domains or addresses is
/// the global operator's (a domain's owner is vouched for by the gateway, not by the tenant).
extension AdminAPI {
    /// A tenant as the API shows it: what it owns, its own overrides, the policy in force for its
    /// mail, and how that differs from the global policy.
    struct TenantView: Encodable {
        var tenant: Tenant
        var effectivePolicy: Policy
        var differences: [String]

        enum CodingKeys: String, CodingKey {
            case tenant
            case effectivePolicy = "effective_policy"
            case differences
        }
    }

    struct CreateTenantRequest: Decodable {
        var id: String
        var name: String?
        var domains: [String]?
        var addresses: [String]?
        var policy: TenantPolicy?
        var actor: String?
    }

    struct MemberRequest: Decodable {
        var domain: String?
        var address: String?
        var actor: String?
    }

    func view(_ tenant: Tenant) -> TenantView {
        let directory = runtime.registry.snapshot.tenants
        return TenantView(tenant: tenant, effectivePolicy: directory.policy(for: tenant.id), differences: directory.difference(for: tenant.id))
    }

    /// A scoped caller may give feedback on a scan only if its tenant had recipients of it.
    func requireScanAccess(_ caller: AdminCaller, id: String) async throws {
        guard let record = try await supervisor.scanRecord(id: id) else { throw HTTPError(.notFound, message: "no scan with id \(id) in the verdict log") }
        try caller.requireAccess(to: record.tenants, "scan \(id)")
    }

    /// Returns the id of the scan checked.
    func requireScanAccess(_ caller: AdminCaller, raw: [UInt8]) async throws -> String {
        guard let record = try await supervisor.scanRecord(raw: raw) else { throw HTTPError(.notFound, message: "no logged scan matches this message") }
        try caller.requireAccess(to: record.tenants, "scan \(record.id)")
        return record.id
    }

    /// What a tenant caller may see of other tenants' recipients: nothing.
    func ownRecipients(_ recipients: [String], for caller: AdminCaller) -> [String] {
        guard let own = caller.tenant else { return recipients }
        let directory = runtime.registry.snapshot.tenants
        return recipients.filter { directory.tenant(of: $0)?.id == own }
    }

    /// The entry as `caller` may see it: a tenant operator sees only its own recipients and tenant.
    public func scoped(_ entry: QuarantineEntry, for caller: AdminCaller) -> QuarantineEntry {
        var entry = entry
        entry.recipients = ownRecipients(entry.recipients, for: caller)
        if caller.tenant != nil { entry.tenants = entry.tenants.filter { $0 == caller.tenant } }
        return entry
    }

    /// The record as `caller` may see it: a tenant operator sees only its own recipients and tenant.
    public func scoped(_ record: ScanRecord, for caller: AdminCaller) -> ScanRecord {
        var record = record
        record.recipients = ownRecipients(record.recipients, for: caller)
        if caller.tenant != nil { record.tenants = record.tenants.filter { $0 == caller.tenant } }
        return record
    }

    func addDecisionRoutes(_ api: RouterGroup<AdminRequestContext>) {
        api.get("/decisions") { request, context in
            let limit = min(request.uri.queryParameters["limit"].flatMap { Int($0) } ?? 100, 10_000)
            let tenant = context.caller.tenant ?? request.uri.queryParameters["tenant"].map(String.init)
            let scans = try await self.supervisor.store.recentScans(limit: limit, tenant: tenant)
            return try Self.json(scans.map { self.scoped($0, for: context.caller) })
        }
        api.get("/decisions/:id") { _, context in
            let id = try context.parameters.require("id")
            guard let record = try await self.supervisor.scanRecord(id: id) else { throw HTTPError(.notFound, message: "no scan with id \(id)") }
            try context.caller.requireAccess(to: record.tenants, "decision \(id)")
            return try Self.json(self.scoped(record, for: context.caller))
        }
    }

    func addTenantRoutes(_ api: RouterGroup<AdminRequestContext>) {
        api.get("/tenants") { _, context in
            if let own = context.caller.tenant {
                return try Self.json(self.tenants.current[own].map { [self.view($0)] } ?? [])
            }
            return try Self.json(self.tenants.current.values.sorted { $0.id < $1.id }.map(self.view))
        }
        api.post("/tenants") { request, context in
            try context.caller.requireGlobal("creating a tenant")
            let body = try await Self.decodeTenantBody(CreateTenantRequest.self, request)
            let tenant = Tenant(id: body.id, name: body.name ?? "", domains: body.domains ?? [], addresses: body.addresses ?? [],
                                policy: body.policy ?? TenantPolicy())
            return try Self.json(self.view(try await self.tenantCall { try await self.tenants.create(tenant, actor: context.caller.actor(body.actor)) }))
        }
        api.get("/tenants/:id") { _, context in
            let id = try context.parameters.require("id")
            try context.caller.requireAccess(to: [id], "tenant \(id)")
            guard let tenant = self.tenants.current[id] else { throw HTTPError(.notFound, message: "no tenant named \(id)") }
            return try Self.json(self.view(tenant))
        }
        api.put("/tenants/:id/policy") { request, context in
            let id = try context.parameters.require("id")
            try context.caller.requireAccess(to: [id], "tenant \(id)")
            let policy = try await Self.decodeTenantBody(TenantPolicy.self, request)
            let actor = context.caller.actor(request.uri.queryParameters["actor"].map(String.init))
            let directory = self.runtime.registry.snapshot.tenants
            return try Self.json(self.view(try await self.tenantCall {
                try await self.tenants.update(id, actor: actor) { tenant in
                    // Against the global policy in force, as `moat tenants diff` shows it.
                    let before = directory.difference(of: tenant.policy)
                    tenant.policy = policy
                    let after = directory.difference(of: policy)
                    return "policy: " + (after == before ? "unchanged" : after.isEmpty ? "global defaults" : after.joined(separator: "; "))
                }
            }))
        }
        for (member, path) in [("domain", "domains"), ("address", "addresses")] {
            api.post("/tenants/:id/\(path)") { request, context in
                try context.caller.requireGlobal("giving a tenant a \(member)")
                let id = try context.parameters.require("id")
                let body = try await Self.decodeTenantBody(MemberRequest.self, request)
                guard let value = (member == "domain" ? body.domain : body.address)?.lowercased(), !value.isEmpty else {
                    throw HTTPError(.badRequest, message: "give {\"\(member)\": ...}")
                }
                return try Self.json(self.view(try await self.tenantCall {
                    try await self.tenants.update(id, actor: context.caller.actor(body.actor)) { tenant in
                        if member == "domain" { tenant.domains.append(Tenant.normalizedDomain(value)) } else { tenant.addresses.append(value) }
                        return "\(member) added: \(value)"
                    }
                }))
            }
            api.delete("/tenants/:id/\(path)/:value") { request, context in
                try context.caller.requireGlobal("taking a \(member) from a tenant")
                let id = try context.parameters.require("id")
                let value = try context.parameters.require("value").lowercased()
                return try Self.json(self.view(try await self.tenantCall {
                    try await self.tenants.update(id, actor: context.caller.actor(request.uri.queryParameters["actor"].map(String.init))) { tenant in
                        let before = tenant.domains.count + tenant.addresses.count
                        tenant.domains.removeAll { $0 == Tenant.normalizedDomain(value) }
                        tenant.addresses.removeAll { $0 == value }
                        guard tenant.domains.count + tenant.addresses.count < before else {
                            throw TenantManager.TenantError.notFound("\(id) has no \(member) \(value)")
                        }
                        return "\(member) removed: \(value)"
                    }
                }))
            }
        }
        api.delete("/tenants/:id") { request, context in
            try context.caller.requireGlobal("deleting a tenant")
            let id = try context.parameters.require("id")
            try await self.tenantCall { try await self.tenants.delete(id, actor: context.caller.actor(request.uri.queryParameters["actor"].map(String.init))) }
            return try Self.json(["deleted": id])
        }
        api.get("/tenants/:id/statistics") { _, context in
            let id = try context.parameters.require("id")
            try context.caller.requireAccess(to: [id], "tenant \(id)")
            guard self.tenants.current[id] != nil else { throw HTTPError(.notFound, message: "no tenant named \(id)") }
            return try Self.json(self.supervisor.tenantTrackers.statistics(tenant: id))
        }
        api.get("/tenants/:id/changes") { request, context in
            let id = try context.parameters.require("id")
            try context.caller.requireAccess(to: [id], "tenant \(id)")
            let limit = min(request.uri.queryParameters["limit"].flatMap { Int($0) } ?? 100, 10_000)
            return try Self.json(try await self.supervisor.store.tenantChanges(tenant: id, limit: limit))
        }
    }

    /// Maps the manager's refusals to HTTP: 404 unknown, 409 taken, 422 invalid.
    func tenantCall<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as TenantManager.TenantError {
            switch error {
            case .notFound: throw HTTPError(.notFound, message: error.description)
            case .conflict: throw HTTPError(.conflict, message: error.description)
            case .invalid: throw HTTPError(.unprocessableContent, message: error.description)
            }
        }
    }

    /// A JSON body decoded strictly: an unknown key or a wrong type is a 422 that names it.
    static func decodeTenantBody<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T {
        var request = request
        let body = try await request.collectBody(upTo: 1 << 20)
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer: body))
        } catch let error as DecodingError {
            throw HTTPError(.unprocessableContent, message: Self.describe(error))
        } catch {
            throw HTTPError(.badRequest, message: "invalid JSON body: \(error)")
        }
    }

    /// A decoding error as `key.path: what is wrong`.
    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context):
            return context.debugDescription + (context.codingPath.isEmpty ? "" : " (at \(context.codingPath.map(\.stringValue).joined(separator: ".")))")
        case .typeMismatch(let type, let context):
            return "\(context.codingPath.map(\.stringValue).joined(separator: ".")): expected \(type)"
        case .valueNotFound(let type, let context):
            return "\(context.codingPath.map(\.stringValue).joined(separator: ".")): expected \(type)"
        case .keyNotFound(let key, let context):
            return (context.codingPath.map(\.stringValue) + [key.stringValue]).joined(separator: ".") + ": missing"
        @unknown default:
            return "\(error)"
        }
    }
}
