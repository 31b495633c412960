import MoatCore

/// `moat.toml` read once, as one document: the scanning core's tables (`MoatConfiguration`) and
/// the daemon's (`DaemonConfiguration`) are decoded from the same parse, and a key that neither
/// reads is an error with its line, so a typo never silently keeps a default.
public struct GatewayConfiguration: Sendable {
    public var core: MoatConfiguration
    public var daemon: DaemonConfiguration

    public init(core: MoatConfiguration = MoatConfiguration(), daemon: DaemonConfiguration = DaemonConfiguration()) {
        self.core = core
        self.daemon = daemon
    }

    /// Loads `path`, or the embedded defaults when nil. The policy's learned combiner is loaded
    /// too: a configured model that cannot be used throws.
    public static func load(path: String?) throws -> GatewayConfiguration {
        var configuration = GatewayConfiguration()
        if let path {
            let text: String
            do {
                text = try String(contentsOfFile: path, encoding: .utf8)
            } catch {
                throw ConfigurationError(file: path, reason: "cannot read: \(error.localizedDescription)")
            }
            (configuration.core, configuration.daemon) = try TOMLDocument.decode(MoatConfiguration.self, DaemonConfiguration.self, from: text, file: path)
        }
        try configuration.core.policy.loadModel()
        return configuration
    }
}
