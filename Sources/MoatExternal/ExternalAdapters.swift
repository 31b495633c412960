import MoatCore

/// The adapters of this target, for the catalogue: `icap`, `spamd`, `rspamd`, `clamd` and `command`.
public enum ExternalAdapters {
    public static var factories: [any EngineFactory] {
        [ICAPEngineFactory(), SpamdEngineFactory(), RspamdEngineFactory(), ClamdEngineFactory(), CommandEngineFactory()]
    }
}
