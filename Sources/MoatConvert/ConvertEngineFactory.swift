import Foundation
import MoatCore

/// Builds `ConvertEngine`s from manifests with `adapter = "convert"` (options: `ConvertSettings`).
///
/// Refuses to build when LibreOffice (or `unshare`, with `isolate_network`) is not there, so a
/// gateway configured to deliver documents converted never delivers them unconverted silently.
public struct ConvertEngineFactory: EngineFactory {
    public init() {}

    public var adapter: String { "convert" }

    public func makeEngine(_ manifest: EngineManifest, context: EngineBuildContext) async throws -> any ScanEngine {
        let settings = try ConvertSettings(options: manifest.options, context: context)
        let files = FileManager.default
        guard files.isExecutableFile(atPath: settings.soffice) else { throw context.invalid("soffice", "\(settings.soffice) is not an executable (Debian: libreoffice-core)") }
        if settings.extensions.contains("pdf"), !files.isExecutableFile(atPath: settings.pdftotext) {
            throw context.invalid("pdftotext", "\(settings.pdftotext) is not an executable (Debian: poppler-utils)")
        }
        if !settings.extensions.isDisjoint(with: ConvertSettings.imageExtensions), !files.isExecutableFile(atPath: "/usr/bin/pnmtopng") {
            throw context.invalid("extensions", "pictures are re-encoded with netpbm, which is missing (Debian: netpbm)")
        }
        if settings.isolateNetwork, !files.isExecutableFile(atPath: ConvertSettings.unshare) {
            throw context.invalid("isolate_network", "\(ConvertSettings.unshare) is missing (Debian: util-linux)")
        }
        ScratchDirectories.removeAbandoned(beside: settings.workDirectory, prefix: "moat-convert-")
        do {
            try files.createDirectory(atPath: settings.workDirectory, withIntermediateDirectories: true)
        } catch {
            throw context.invalid("work_directory", "cannot create \(settings.workDirectory): \(error)")
        }
        return ConvertEngine(settings: settings)
    }
}
