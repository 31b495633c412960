import Foundation

/// One organisation behind the gateway: the domains and single addresses whose mail it owns, and
/// the parts of the policy it sets for that mail.
public struct Tenant: Sendable, Hashable, Codable {
    /// Short stable name (`acme`): letters, digits, `-` and `_`.
    public var id: String
    public var name: String
    /// Recipient domains, lower-case; a domain also covers its subdomains unless another tenant
    /// claims the subdomain.
    public var domains: [String]
    /// Single addresses, lower-case; an address outranks its domain (`ceo@example.org` may belong
    /// to another tenant than `example.org`).
    public var addresses: [String]
    public var policy: TenantPolicy
    public var updatedAt: Date?
    public var updatedBy: String?

    public init(id: String, name: String = "", domains: [String] = [], addresses: [String] = [], policy: TenantPolicy = TenantPolicy(),
                updatedAt: Date? = nil, updatedBy: String? = nil) {
        self.id = id
        self.name = name.isEmpty ? id : name
        self.domains = domains.map { Self.normalizedDomain($0) }
        self.addresses = addresses.map { $0.lowercased() }
        self.policy = policy
        self.updatedAt = updatedAt
        self.updatedBy = updatedBy
    }

    enum CodingKeys: String, CodingKey {
        case id, name, domains, addresses, policy
        case updatedAt = "updated_at"
        case updatedBy = "updated_by"
    }

    /// Whether `id` can name a tenant (it appears in URLs, logs and metric labels).
    public static func isValidID(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 64 && id.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D || $0 == 0x5F }
    }

    /// A domain as the directory keys it: lower-case, no trailing dot, no leading `@`.
    public static func normalizedDomain(_ domain: String) -> String {
        var domain = domain.lowercased()
        if domain.hasPrefix("@") { domain.removeFirst() }
        while domain.hasSuffix(".") { domain.removeLast() }
        return domain
    }

    /// Whether `domain` could be a mail domain (labels of letters, digits and hyphens).
    public static func isValidDomain(_ domain: String) -> Bool {
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 2 && domain.utf8.count <= 253 && labels.allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63 && label.utf8.allSatisfy {
                ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D
            }
        }
    }
}
