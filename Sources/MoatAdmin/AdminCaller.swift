import Hummingbird

/// Who is calling the admin API: the gateway's operator (the admin token: everything), or one
/// tenant's operator (a tenant token: that tenant's decisions, quarantine, feedback and policy).
public enum AdminCaller: Sendable, Hashable {
    case global
    case tenant(String)
    /// Before the token check (only `/health` is answered).
    case anonymous

    /// The tenant a scoped caller is limited to (nil: global or anonymous).
    public var tenant: String? {
        if case .tenant(let id) = self { id } else { nil }
    }

    /// Refuses (403) a caller that is not the global operator.
    public func requireGlobal(_ what: String) throws {
        guard self == .global else { throw HTTPError(.forbidden, message: "\(what) needs the global admin token") }
    }

    /// Refuses (403) a tenant caller for data of other tenants: it may act on what belongs to its
    /// own tenant, the global operator on everything.
    public func requireAccess(to tenants: [String], _ what: String) throws {
        switch self {
        case .global: return
        case .tenant(let id) where tenants.contains(id): return
        default: throw HTTPError(.forbidden, message: "\(what) belongs to another tenant")
        }
    }

    /// Refuses (403) a tenant caller unless the item is its tenant's alone: releasing or deleting
    /// a message held for several tenants is the global operator's decision.
    public func requireSoleAccess(to tenants: [String], _ what: String) throws {
        switch self {
        case .global: return
        case .tenant(let id) where Set(tenants) == [id]: return
        case .tenant(let id) where tenants.contains(id):
            throw HTTPError(.forbidden, message: "\(what) is held for other tenants too; the global operator releases or deletes it")
        default: throw HTTPError(.forbidden, message: "\(what) belongs to another tenant")
        }
    }

    /// The actor recorded with a change: the name given, qualified by the tenant for scoped callers.
    public func actor(_ given: String?) -> String {
        let name = given.flatMap { $0.isEmpty ? nil : $0 } ?? "operator"
        if let tenant { return "\(tenant):\(name)" }
        return name
    }
}

/// The admin API's request context: Hummingbird's core storage plus the authenticated caller.
public struct AdminRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var caller: AdminCaller = .anonymous

    public init(source: Source) {
        coreContext = .init(source: source)
    }
}
