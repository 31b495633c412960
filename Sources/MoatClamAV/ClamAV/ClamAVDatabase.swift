import CClamAV
import Foundation

/// One compiled libclamav engine (`cl_engine`): the signatures, the limits, and the scanner.
///
/// The only owner of a `cl_engine` pointer in Moat: it is created, loaded and compiled in
/// `load(_:)`, freed in `deinit`, and never leaves this file. A reload builds a new instance beside
/// the old one; scans in flight hold the old instance alive through ARC, so it is freed right
/// after their last use.
///
/// `@unchecked Sendable`: after `cl_engine_compile` libclamav allows any number of concurrent scans
/// on one engine, and this type never changes an engine's settings after compiling it.
final class ClamAVDatabase: @unchecked Sendable {
    /// What a load produced, for status and logs.
    struct LoadReport: Sendable {
        var signatures: Int
        /// Paths that contributed signatures.
        var loaded: [String]
        /// Paths skipped, with why (missing, no database files).
        var skipped: [(path: String, reason: String)]
        /// Load plus compile time.
        var duration: Duration
    }

    private let engine: OpaquePointer
    let report: LoadReport

    private init(engine: OpaquePointer, report: LoadReport) {
        self.engine = engine
        self.report = report
    }

    deinit {
        cl_engine_free(engine)
    }

    /// Builds and compiles an engine from `sources` with `limits`. Blocking: run it on the pool.
    ///
    /// A source that is missing or holds no database files is skipped and reported; a malformed
    /// database or a failed compile throws (and frees what was built).
    static func load(_ sources: [SignatureSource], limits: ClamAVLimits, temporaryDirectory: String) throws(ClamAVError) -> ClamAVDatabase {
        let start = ContinuousClock.now
        guard let engine = cl_engine_new() else { throw .outOfMemory("cl_engine_new") }
        var owned = true
        defer { if owned { cl_engine_free(engine) } }

        try configure(engine, limits: limits, temporaryDirectory: temporaryDirectory)
        cl_engine_set_clcb_virus_found(engine) { _, name, context in
            guard let name, let context else { return }
            Unmanaged<AlertCollector>.fromOpaque(context).takeUnretainedValue().names.append(String(cString: name))
        }

        var signatures: UInt32 = 0
        var loaded: [String] = []
        var skipped: [(path: String, reason: String)] = []
        for source in sources {
            if let reason = source.unloadableReason() {
                skipped.append((source.path, reason))
                continue
            }
            let before = signatures
            let code = cl_load(source.path, engine, &signatures, moat_CL_DB_STDOPT)
            if code == CL_EOPEN {
                skipped.append((source.path, LibClamAV.describe(code) + " (no supported database files)"))
                continue
            }
            guard code == CL_SUCCESS else {
                throw .databaseLoad(path: source.path, reason: LibClamAV.describe(code))
            }
            if signatures > before { loaded.append(source.path) }
        }
        let compiled = cl_engine_compile(engine)
        guard compiled == CL_SUCCESS else {
            throw .compile(LibClamAV.describe(compiled))
        }
        owned = false
        let report = LoadReport(signatures: Int(signatures), loaded: loaded, skipped: skipped,
                                duration: ContinuousClock.now - start)
        return ClamAVDatabase(engine: engine, report: report)
    }

    private static func configure(_ engine: OpaquePointer, limits: ClamAVLimits, temporaryDirectory: String) throws(ClamAVError) {
        let numbers: [(cl_engine_field, Int)] = [
            (CL_ENGINE_MAX_SCANSIZE, limits.maxScanSize),
            (CL_ENGINE_MAX_FILESIZE, limits.maxFileSize),
            (CL_ENGINE_MAX_RECURSION, limits.maxRecursion),
            (CL_ENGINE_MAX_FILES, limits.maxFiles),
            (CL_ENGINE_MAX_EMBEDDEDPE, limits.maxEmbeddedPE),
            (CL_ENGINE_MAX_SCANTIME, limits.maxScanTimeMilliseconds),
            // libclamav's own clean-file cache is keyed by content alone, not by the scan options:
            // a raw message matched with the mail parser off (raw_message = "signatures") would be
            // remembered as clean, and the same bytes sent again as an attachment would not be
            // parsed. Moat's VerdictCache (content, database generation, full scans only) replaces it.
            (CL_ENGINE_DISABLE_CACHE, 1),
        ]
        for (field, value) in numbers {
            let code = cl_engine_set_num(engine, field, Int64(value))
            guard code == CL_SUCCESS else {
                throw .setting(field: Int(field.rawValue), reason: LibClamAV.describe(code))
            }
        }
        let code = cl_engine_set_str(engine, CL_ENGINE_TMPDIR, temporaryDirectory)
        guard code == CL_SUCCESS else {
            throw .setting(field: Int(CL_ENGINE_TMPDIR.rawValue), reason: LibClamAV.describe(code))
        }
    }

    /// Scans `bytes` as one file in memory. Blocking: run it on the pool.
    ///
    /// Returns every alert (signature and heuristic names, in the order libclamav raised them) and
    /// a limit return code if the scan stopped at one. Other libclamav errors throw.
    func scan(_ bytes: [UInt8], name: String?, options: ClamAVScanOptions) throws(ClamAVError) -> ScanOutcome {
        guard !bytes.isEmpty else { return ScanOutcome() }
        let collector = AlertCollector()
        let context = Unmanaged.passUnretained(collector).toOpaque()
        let result: (code: cl_error_t, virus: String?)? = withExtendedLifetime(collector) {
            bytes.withUnsafeBytes { buffer in
                guard let base = buffer.baseAddress, let map = cl_fmap_open_memory(base, buffer.count) else {
                    return nil
                }
                defer { cl_fmap_close(map) }
                var scanOptions = cl_scan_options(general: options.general, parse: options.parse,
                                                  heuristic: options.heuristic, mail: 0, dev: 0)
                var virus: UnsafePointer<CChar>?
                var scanned: UInt = 0
                let code = cl_scanmap_callback(map, name, &virus, &scanned, engine, &scanOptions, context)
                return (code, virus.map { String(cString: $0) })
            }
        }
        guard let result else { throw .outOfMemory("cl_fmap_open_memory") }
        var outcome = ScanOutcome(alerts: collector.names)
        switch result.code {
        case CL_CLEAN:
            break
        case CL_VIRUS:
            if outcome.alerts.isEmpty, let virus = result.virus { outcome.alerts = [virus] }
        case CL_EMAXREC, CL_EMAXSIZE, CL_EMAXFILES, CL_ETIMEOUT:
            outcome.stoppedAtLimit = LibClamAV.describe(result.code)
            outcome.limitIsTime = result.code == CL_ETIMEOUT
        default:
            throw .scan(code: Int(result.code.rawValue), reason: LibClamAV.describe(result.code))
        }
        return outcome
    }
}

/// Receives alert names from libclamav's `virus_found` callback during one scan on one thread.
private final class AlertCollector {
    var names: [String] = []
}
