import Synchronization

/// One message's share of DNS: at most `limit` queries, then `budgetExhausted` for the rest, so a
/// message built to fan out (SPF includes, hundreds of links for URI block lists) cannot turn the
/// gateway into a DNS amplifier or hold a scan for its whole deadline.
public final class BudgetedLookup: DNSLookup {
    private let upstream: any DNSLookup
    private let limit: Int
    private let used = Mutex(0)

    public init(_ upstream: any DNSLookup, limit: Int) {
        self.upstream = upstream
        self.limit = limit
    }

    /// Queries asked so far (including those refused for the budget).
    public var queries: Int { used.withLock { $0 } }

    /// Whether some query was refused for the budget.
    public var exhausted: Bool { used.withLock { $0 > limit } }

    public func lookup(_ name: String, _ type: DNSRecordType) async -> DNSAnswer {
        let allowed = used.withLock { count -> Bool in
            count += 1
            return count <= limit
        }
        guard allowed else { return .budgetExhausted }
        return await upstream.lookup(name, type)
    }
}
