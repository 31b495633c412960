import Logging

/// What an adapter gets when it builds an engine from a manifest.
public struct EngineBuildContext: Sendable {
    public var blocking: BlockingWorkPool
    public var logger: Logger
    /// Directory that relative rule and signature paths in options resolve against.
    public var rulesDirectory: String
    /// The manifest file, for error messages.
    public var manifestPath: String

    public init(blocking: BlockingWorkPool, logger: Logger, rulesDirectory: String, manifestPath: String) {
        self.blocking = blocking
        self.logger = logger
        self.rulesDirectory = rulesDirectory
        self.manifestPath = manifestPath
    }

    /// Resolves a path from a manifest option against the rules directory.
    public func resolve(_ path: String) -> String {
        path.hasPrefix("/") ? path : rulesDirectory + "/" + path
    }

    /// An error about option `key` of this manifest.
    public func invalid(_ key: String, _ reason: String) -> ConfigurationError {
        ConfigurationError(file: manifestPath, key: "options.\(key)", reason: reason)
    }
}

/// Builds engines of one adapter kind from manifests.
public protocol EngineFactory: Sendable {
    /// The `adapter` value in manifests that selects this factory.
    var adapter: String { get }
    /// Builds an engine; throws `ConfigurationError` for bad options.
    func makeEngine(_ manifest: EngineManifest, context: EngineBuildContext) async throws -> any ScanEngine
}
