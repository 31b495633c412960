import Foundation
import MoatCore

/// The options of a `clamav` manifest, validated once when the engine is built.
///
/// | key | default | meaning |
/// |---|---|---|
/// | `databases` | `["clamav"]` | signature files or directories, relative to the rules directory |
/// | `system_database` | `true` | also load `/var/lib/clamav` when it holds files |
/// | `scan_parts` | `true` | scan each decoded leaf part (findings get its path) |
/// | `raw_message` | `"signatures"` | with `scan_parts`, what ClamAV does with the message as received: `"signatures"` matches it against the signatures (mail-target ones included) without ClamAV's own MIME decoding, which Moat has done; `"parse"` lets ClamAV decode it again too (BinHex, TNEF, its mail phishing checks; about twice the work); `"off"` skips it. Without `scan_parts` the message is always parsed by ClamAV, as clamd does |
/// | `heuristics` | `true` | report `Heuristics.*` alerts (encrypted archives, broken executables, macros, phishing) |
/// | `all_matches` | `false` | keep scanning after the first alert (slower, more findings) |
/// | `signature_score` | `10` | score of a signature hit (category malware) |
/// | `heuristic_score` | `3` | score of a heuristic alert (category suspicious) |
/// | `limit_score` | `1` | score of a limit reached (category suspicious) |
/// | `max_file_size`, `max_scan_size`, `max_embedded_pe` | 25M, 100M, 10M | bytes; `"25M"`-style strings accepted |
/// | `max_recursion`, `max_files`, `max_scan_time_ms` | 16, 10000, 20000 | |
/// | `cache_entries` | `10000` | verdict cache size (0 disables it) |
/// | `temporary_directory` | `/dev/shm/moat-clamav-<pid>` when that tmpfs has room for 4 × `max_scan_size`, else system temp + `/moat-clamav-<pid>` | where libclamav extracts files: it makes a directory per scan and a file per extracted object, which on a disk file system cost more than the scan itself (measured 2.5× slower on /tmp, ext4) |
public struct ClamAVSettings: Sendable, Hashable {
    public var databases: [String] = ["clamav"]
    public var systemDatabase = true
    public var scanParts = true
    public var rawMessage = RawMessageScan.signatures
    public var heuristics = true
    public var allMatches = false
    public var signatureScore = 10.0
    public var heuristicScore = 3.0
    public var limitScore = 1.0
    public var limits = ClamAVLimits()
    public var cacheEntries = 10_000
    /// nil: chosen when the engine starts (``resolvedTemporaryDirectory``).
    public var temporaryDirectory: String?
    /// Where the system database lives (`cl_retdbdir()` on Debian).
    public var systemDatabasePath = "/var/lib/clamav"

    public init() {}

    static let knownKeys: Set<String> = [
        "databases", "system_database", "scan_parts", "raw_message", "heuristics", "all_matches",
        "signature_score", "heuristic_score", "limit_score",
        "max_file_size", "max_scan_size", "max_embedded_pe", "max_recursion", "max_files", "max_scan_time_ms",
        "cache_entries", "temporary_directory",
    ]

    /// Reads a manifest's options; `databases` are resolved against the rules directory.
    public init(options: [String: ConfigValue], context: EngineBuildContext) throws(ConfigurationError) {
        let reader = EngineOptions(options, context: context)
        try reader.rejectUnknown(Self.knownKeys)
        if let value = options["databases"] {
            guard let list = value.stringArray, !list.contains("") else {
                throw context.invalid("databases", "expected a list of paths")
            }
            databases = list
        }
        databases = databases.map(context.resolve)
        systemDatabase = try reader.bool("system_database") ?? systemDatabase
        scanParts = try reader.bool("scan_parts") ?? scanParts
        if let value = options["raw_message"] {
            guard let name = value.stringValue, let mode = RawMessageScan(rawValue: name) else {
                throw context.invalid("raw_message", "expected \"signatures\", \"parse\" or \"off\"")
            }
            rawMessage = mode
        }
        heuristics = try reader.bool("heuristics") ?? heuristics
        allMatches = try reader.bool("all_matches") ?? allMatches
        signatureScore = try reader.score("signature_score") ?? signatureScore
        heuristicScore = try reader.score("heuristic_score") ?? heuristicScore
        limitScore = try reader.score("limit_score") ?? limitScore
        limits.maxFileSize = try reader.size("max_file_size") ?? limits.maxFileSize
        limits.maxScanSize = try reader.size("max_scan_size") ?? limits.maxScanSize
        limits.maxEmbeddedPE = try reader.size("max_embedded_pe") ?? limits.maxEmbeddedPE
        limits.maxRecursion = try reader.integer("max_recursion", in: 1...64) ?? limits.maxRecursion
        limits.maxFiles = try reader.integer("max_files", in: 1...1_000_000) ?? limits.maxFiles
        limits.maxScanTimeMilliseconds = try reader.integer("max_scan_time_ms", in: 1...3_600_000) ?? limits.maxScanTimeMilliseconds
        cacheEntries = try reader.integer("cache_entries", in: 0...10_000_000) ?? cacheEntries
        if let value = options["temporary_directory"] {
            guard let path = value.stringValue, !path.isEmpty else {
                throw context.invalid("temporary_directory", "expected a path")
            }
            temporaryDirectory = context.resolve(path)
        }
    }

    /// The configured directory, else tmpfs (`/dev/shm`) when it has room for four messages at
    /// `max_scan_size` (a small container tmpfs does not), else the system temporary directory.
    public var resolvedTemporaryDirectory: String {
        if let temporaryDirectory { return temporaryDirectory }
        let leaf = "/moat-clamav-\(ProcessInfo.processInfo.processIdentifier)"
        var stats = statvfs()
        if statvfs("/dev/shm", &stats) == 0, access("/dev/shm", W_OK) == 0 {
            let available = UInt64(stats.f_bavail).multipliedReportingOverflow(by: UInt64(stats.f_frsize))
            let needed = UInt64(clamping: limits.maxScanSize).multipliedReportingOverflow(by: 4)
            if !available.overflow, !needed.overflow, available.partialValue >= needed.partialValue { return "/dev/shm" + leaf }
        }
        return FileManager.default.temporaryDirectory.path + leaf
    }

    /// Everything `cl_load` is given, in order: configured databases, then the system one.
    var sources: [SignatureSource] {
        databases.map { SignatureSource(path: $0) }
            + (systemDatabase ? [SignatureSource(path: systemDatabasePath, isSystem: true)] : [])
    }

    var scanOptions: ClamAVScanOptions {
        ClamAVScanOptions(heuristics: heuristics, allMatches: allMatches)
    }
}

/// What the clamav engine does with the message as received when it also scans the decoded parts.
public enum RawMessageScan: String, Sendable, Hashable {
    /// Signature matching only (ClamAV's mail parser off): mail-target signatures still apply, and
    /// the attachments Moat already decoded are not decoded and scanned a second time.
    case signatures
    /// ClamAV parses the message itself as well (what clamd does), for what only its mail parser
    /// reaches: BinHex, TNEF, and its phishing checks on HTML in mail.
    case parse
    /// Only the decoded parts are scanned.
    case off
}
