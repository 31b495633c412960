import Logging

/// What an adapter gets when it builds an engine from a manifest.
public struct EngineBuildContext: Sendable {
    public var blocking: BlockingWorkPool
    public var logger: Logger
    /// Directory that relative rule and signature paths in options resolve against.
    public var rulesDirectory: String
    /// The manifest file, for error messages.
    public var manifestPath: String
    /// Whether an engine with a long first load may answer `not_ready` until it is loaded.
    public var warmUp: WarmUp
    /// Where an engine says what a long load is doing (the CLI prints it, the daemon logs it).
    public var progress: @Sendable (String) -> Void

    /// How an engine whose rules take long to compile (the spam engine's Hyperscan databases, up
    /// to a minute on a first start) becomes ready.
    public enum WarmUp: Sendable {
        /// Building the engine waits for the compile: one-shot commands, tests.
        case wait
        /// The engine is registered at once and answers `not_ready` until the compile is done, so
        /// a daemon serves mail with its other engines meanwhile.
        case background
    }

    public init(
        blocking: BlockingWorkPool, logger: Logger, rulesDirectory: String, manifestPath: String,
        warmUp: WarmUp = .wait, progress: @escaping @Sendable (String) -> Void = { _ in }
    ) {
        self.blocking = blocking
        self.logger = logger
        self.rulesDirectory = rulesDirectory
        self.manifestPath = manifestPath
        self.warmUp = warmUp
        self.progress = progress
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
