import MoatCore

/// Builds `PDFEngine`s from manifests with `adapter = "pdf"`.
///
/// Options: `mode` (`detect` | `disarm` | `reject`, default `disarm`), `scores` (a weight per kind:
/// `javascript`, `open_action`, `additional_actions`, `launch`, `submit_form`, `import_data`,
/// `embedded_file`, `file_attachment`, `rich_media`, `xfa`, `remote_goto`, `uri`),
/// `encrypted_score`, `malformed_score`, `disarmed_score_factor`, `reject_score`, `attach_note`,
/// `max_document_bytes`, `max_objects`.
public struct PDFEngineFactory: EngineFactory {
    public init() {}

    public var adapter: String { "pdf" }

    public func makeEngine(_ manifest: EngineManifest, context: EngineBuildContext) async throws -> any ScanEngine {
        PDFEngine(settings: try PDFSettings(options: manifest.options, context: context))
    }
}
