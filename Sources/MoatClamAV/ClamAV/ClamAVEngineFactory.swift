import MoatCore

/// Builds `ClamAVEngine`s from manifests with `adapter = "clamav"`; see `ClamAVSettings` for the options.
public struct ClamAVEngineFactory: EngineFactory {
    public init() {}

    public var adapter: String { "clamav" }

    public func makeEngine(_ manifest: EngineManifest, context: EngineBuildContext) async throws -> any ScanEngine {
        let settings = try ClamAVSettings(options: manifest.options, context: context)
        var logger = context.logger
        logger[metadataKey: "engine.name"] = "\(manifest.name)"
        return try await ClamAVEngine.start(settings: settings, blocking: context.blocking, logger: logger)
    }
}
