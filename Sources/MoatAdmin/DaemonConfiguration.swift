import MoatCore
import MoatOutbound
import MoatStore

/// The parts of `moat.toml` only the daemon reads: `[admin]`, `[store]`, `[precision]`, `[outbound]` and `[cluster]`.
///
/// Decoded from the same parse as `MoatConfiguration` (`GatewayConfiguration.load`), so one file
/// configures everything and each target owns its own keys.
public struct DaemonConfiguration: Sendable, Codable {
    public var admin: AdminSettings
    public var store: StoreConfiguration
    public var precision: PrecisionTracker.Settings
    public var outbound = OutboundSettings()
    public var cluster = ClusterSettings()

    public init(admin: AdminSettings = AdminSettings(), store: StoreConfiguration = StoreConfiguration(),
                precision: PrecisionTracker.Settings = PrecisionTracker.Settings()) {
        self.admin = admin
        self.store = store
        self.precision = precision
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        admin = try c.decodeIfPresent(AdminSettings.self, forKey: .admin) ?? AdminSettings()
        store = try c.decodeIfPresent(StoreConfiguration.self, forKey: .store) ?? StoreConfiguration()
        precision = try c.decodeIfPresent(PrecisionTracker.Settings.self, forKey: .precision) ?? PrecisionTracker.Settings()
        outbound = try c.decodeIfPresent(OutboundSettings.self, forKey: .outbound) ?? OutboundSettings()
        cluster = try c.decodeIfPresent(ClusterSettings.self, forKey: .cluster) ?? ClusterSettings()
    }
}
