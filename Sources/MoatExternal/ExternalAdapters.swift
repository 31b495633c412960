import MoatCore

/// The adapters of this target, for the catalogue: `icap`, `spamd`, `rspamd` and `command`.
public enum ExternalAdapters {
    public static var factories: [any EngineFactory] {
        [ICAPEngineFactory(), SpamdEngineFactory(), RspamdEngineFactory(), CommandEngineFactory()]
    }
}
