/// An engine instance together with the manifest it was built from.
public struct RegisteredEngine: Sendable {
    public var manifest: EngineManifest
    public var engine: any ScanEngine

    public init(manifest: EngineManifest, engine: any ScanEngine) {
        self.manifest = manifest
        self.engine = engine
    }

    public var name: String { manifest.name }
    public var state: EngineState { manifest.state }
}
