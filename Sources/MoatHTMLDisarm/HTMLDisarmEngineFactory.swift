import MoatCore

/// Builds `HTMLDisarmEngine`s from manifests with `adapter = "html"`.
///
/// Options: `mode` (`detect` | `disarm` | `reject`, default `disarm`), `deliver` (`html` | `text`),
/// `scores` (`script`, `event_handler`, `javascript_url`, `data_url`, `form`, `meta_refresh`,
/// `embedded_object`, `base`, `blob_download`, `smuggling`), `disarmed_score_factor`,
/// `reject_score`, `attach_note`, `max_document_bytes`.
public struct HTMLDisarmEngineFactory: EngineFactory {
    public init() {}

    public var adapter: String { "html" }

    public func makeEngine(_ manifest: EngineManifest, context: EngineBuildContext) async throws -> any ScanEngine {
        HTMLDisarmEngine(settings: try HTMLDisarmSettings(options: manifest.options, context: context))
    }
}
