/// The admin HTTP API: where it listens and how callers prove they may use it.
public struct AdminSettings: Sendable, Hashable, Codable {
    /// `HOST:PORT`; loopback by default, since the API can release quarantined mail.
    public var listen: String
    /// Bearer token; when absent one is generated on first start and kept in `tokenFile`.
    public var token: String?
    /// Where the generated token is kept (mode 0600), so `moat` on the same host can read it.
    public var tokenFile: String
    /// Command that releases a held message from the MTA, with `{queue_id}` replaced
    /// (e.g. `["postsuper", "-H", "{queue_id}"]`); nil: release only marks the entry.
    public var releaseCommand: [String]?
    /// `HOST:PORT` of an MTA listener (without Moat's milter) to which a released message is sent
    /// over SMTP from the store's copy, with its original envelope: any node of a cluster can then
    /// release any message. With it, `release_command` runs only after a successful re-injection
    /// (to drop the MTA's held copy, e.g. `["postsuper", "-d", "{queue_id}", "hold"]`).
    public var releaseSMTP: String?
    /// The name re-injection gives in EHLO.
    public var releaseHelo = "moat.localdomain"
    /// Largest request body accepted (messages posted to `/scan` and `/feedback`).
    public var maxBodyBytes: Int
    /// Set false to run without the admin API.
    public var enabled: Bool
    /// Where `POST /model/train` writes the models it trains (never put in force by itself).
    public var modelsDirectory: String
    /// Tokens that give one tenant's operators access to that tenant's mail only.
    public var tenantTokens: [TenantToken] = []
    /// Tenants with their own `moat_tenant_decisions_total` series (the rest share `other`).
    public var maxTenantMetricLabels = 100
    /// The web console under `/console/`.
    public var console = ConsoleSettings()

    /// A token scoped to one tenant, given inline or in a file (mode 0600).
    public struct TenantToken: Sendable, Hashable, Codable {
        public var tenant: String
        public var token: String?
        public var tokenFile: String?

        public init(tenant: String, token: String? = nil, tokenFile: String? = nil) {
            self.tenant = tenant
            self.token = token
            self.tokenFile = tokenFile
        }

        enum CodingKeys: String, CodingKey {
            case tenant, token
            case tokenFile = "token_file"
        }
    }

    public init(listen: String = "127.0.0.1:7358", token: String? = nil, tokenFile: String = "var/admin.token",
                releaseCommand: [String]? = nil, maxBodyBytes: Int = 64 << 20, enabled: Bool = true,
                modelsDirectory: String = "var/models") {
        self.modelsDirectory = modelsDirectory
        self.listen = listen
        self.token = token
        self.tokenFile = tokenFile
        self.releaseCommand = releaseCommand
        self.maxBodyBytes = maxBodyBytes
        self.enabled = enabled
    }

    enum CodingKeys: String, CodingKey {
        case listen, token, enabled
        case tokenFile = "token_file"
        case releaseCommand = "release_command"
        case releaseSMTP = "release_smtp"
        case releaseHelo = "release_helo"
        case maxBodyBytes = "max_body_bytes"
        case modelsDirectory = "models_directory"
        case tenantTokens = "tenant_tokens"
        case maxTenantMetricLabels = "max_tenant_metric_labels"
        case console
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = AdminSettings()
        listen = try c.decodeIfPresent(String.self, forKey: .listen) ?? d.listen
        token = try c.decodeIfPresent(String.self, forKey: .token)
        tokenFile = try c.decodeIfPresent(String.self, forKey: .tokenFile) ?? d.tokenFile
        releaseCommand = try c.decodeIfPresent([String].self, forKey: .releaseCommand)
        releaseSMTP = try c.decodeIfPresent(String.self, forKey: .releaseSMTP).flatMap { $0.isEmpty ? nil : $0 }
        releaseHelo = try c.decodeIfPresent(String.self, forKey: .releaseHelo) ?? d.releaseHelo
        if let releaseSMTP, SMTPReinjector(address: releaseSMTP) == nil {
            throw DecodingError.dataCorruptedError(forKey: .releaseSMTP, in: c, debugDescription: "expected HOST:PORT, e.g. 127.0.0.1:10025")
        }
        maxBodyBytes = try c.decodeIfPresent(Int.self, forKey: .maxBodyBytes) ?? d.maxBodyBytes
        enabled = try c.decodeIfPresent(Bool.self, forKey: .enabled) ?? d.enabled
        modelsDirectory = try c.decodeIfPresent(String.self, forKey: .modelsDirectory) ?? d.modelsDirectory
        tenantTokens = try c.decodeIfPresent([TenantToken].self, forKey: .tenantTokens) ?? []
        maxTenantMetricLabels = try c.decodeIfPresent(Int.self, forKey: .maxTenantMetricLabels) ?? d.maxTenantMetricLabels
        console = try c.decodeIfPresent(ConsoleSettings.self, forKey: .console) ?? d.console
        for scoped in tenantTokens {
            guard (scoped.token == nil) != (scoped.tokenFile == nil) else {
                throw DecodingError.dataCorruptedError(forKey: .tenantTokens, in: c,
                                                       debugDescription: "tenant '\(scoped.tenant)': give exactly one of token and token_file")
            }
            if let token = scoped.token, token.count < 16 {
                throw DecodingError.dataCorruptedError(forKey: .tenantTokens, in: c, debugDescription: "tenant '\(scoped.tenant)': a token needs at least 16 characters")
            }
        }
        guard hostAndPort != nil else {
            throw DecodingError.dataCorruptedError(forKey: .listen, in: c, debugDescription: "expected HOST:PORT, e.g. 127.0.0.1:7358")
        }
        if let token, token.count < 16 {
            throw DecodingError.dataCorruptedError(forKey: .token, in: c, debugDescription: "a token needs at least 16 characters")
        }
    }

    /// The listen address split into host and port.
    public var hostAndPort: (host: String, port: Int)? {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65535).contains(port) else {
            return nil
        }
        let host = String(listen[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return (host.isEmpty ? "127.0.0.1" : host, port)
    }

    /// Whether `listen` keeps the API and console on this machine (127.0.0.0/8, ::1, localhost).
    public var listensOnLoopback: Bool {
        guard let host = hostAndPort?.host.lowercased() else { return false }
        return host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}

import Foundation
