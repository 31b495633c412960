import MoatCore

/// Builds `MacroEngine`s from manifests with `adapter = "macro"`.
///
/// Options: `mode` (`detect` | `disarm` | `reject`, default `disarm`), `note_template` (path,
/// relative to the rules directory), `attach_note` (default true), `disarmed_score_factor`
/// (default 0.2), `reject_score` (default 20), `max_document_bytes` (default 64 MiB) and a
/// `scores` table (`vba`, `xlm`, `autoexec`, `suspicious_keyword`, `suspicious_cap`,
/// `rtf_object`, `encrypted`, `malformed_container`, `nesting_limit`).
public struct MacroEngineFactory: EngineFactory {
    public init() {}

    public var adapter: String { "macro" }

    public func makeEngine(_ manifest: EngineManifest, context: EngineBuildContext) async throws -> any ScanEngine {
        MacroEngine(settings: try MacroSettings(options: manifest.options, context: context))
    }
}
