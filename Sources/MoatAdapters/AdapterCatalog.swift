import MoatAuth
import MoatClamAV
import MoatConvert
import MoatCore
import MoatExternal
import MoatFaultEngine
import MoatFileType
import MoatHTMLDisarm
import MoatMacro
import MoatURL
import MoatPattern
import MoatPDF
import MoatSpam

/// Every engine adapter this build of Moat knows, by the `adapter` name manifests use.
///
/// The one place that depends on all engine targets, so engines never depend on each other.
public enum AdapterCatalog {
    /// Factories for all built-in adapters.
    public static var factories: [any EngineFactory] {
        [PatternEngineFactory(), ClamAVEngineFactory(), FileTypeEngineFactory(), MacroEngineFactory(), PDFEngineFactory(), HTMLDisarmEngineFactory(), ConvertEngineFactory(), URLEngineFactory(), SpamEngineFactory(),
         AuthEngineFactory { path in
             let list = try PublicSuffixList(contentsOfFile: path)
             return { list.registrableDomain($0) }
         }]
            + ExternalAdapters.factories
            + (FaultEngineFactory.enabled ? [FaultEngineFactory()] : [])
    }
}
