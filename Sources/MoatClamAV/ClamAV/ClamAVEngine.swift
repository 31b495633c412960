import Foundation
import Logging
import MoatCore
import MoatMessage
import Synchronization

/// Scans messages in process with libclamav: each decoded leaf part Moat's MIME parser found (so a
/// hit names its part, and ClamAV does not decode the message a second time), plus the message as
/// received matched against the signatures (`raw_message`); without `scan_parts`, the raw message
/// through ClamAV's own MIME and archive parsers, as clamd scans it.
///
/// One compiled database serves every scan. `refresh()` rebuilds it aside when a database file
/// changed and swaps it in under a lock; scans already running finish on the old one, which is
/// freed after their last use. Outcomes are cached by content digest per database generation.
/// With no signatures loaded the engine detects nothing: it says so in its log at start-up and in
/// `status`.
public final class ClamAVEngine: ScanEngine {
    private struct Loaded {
        var database: ClamAVDatabase
        var generation: Int
        var fingerprint: [[String]]
        var reloads = 0
        var lastReloadError: String?
    }

    public let settings: ClamAVSettings
    private let scanOptions: ClamAVScanOptions
    private let blocking: BlockingWorkPool
    private let logger: Logger
    private let loaded: Mutex<Loaded>
    private let cache: VerdictCache

    private init(settings: ClamAVSettings, database: ClamAVDatabase, fingerprint: [[String]],
                 blocking: BlockingWorkPool, logger: Logger) {
        self.settings = settings
        self.scanOptions = settings.scanOptions
        self.blocking = blocking
        self.logger = logger
        self.loaded = Mutex(Loaded(database: database, generation: 1, fingerprint: fingerprint))
        self.cache = VerdictCache(capacity: settings.cacheEntries, generation: 1)
    }

    /// Initialises libclamav, loads and compiles the databases on `blocking`, and logs the result.
    public static func start(settings: ClamAVSettings, blocking: BlockingWorkPool, logger: Logger) async throws -> ClamAVEngine {
        var resolved = settings
        // Chosen once (tmpfs or not), so a reload extracts where the first load did.
        resolved.temporaryDirectory = settings.resolvedTemporaryDirectory
        let settings = resolved
        let (database, fingerprint) = try await blocking.run { () throws -> (ClamAVDatabase, [[String]]) in
            try LibClamAV.initialise(logger: logger)
            try Self.prepareTemporaryDirectory(settings.resolvedTemporaryDirectory)
            let fingerprint = settings.sources.map { $0.fingerprint() }
            let database = try ClamAVDatabase.load(settings.sources, limits: settings.limits,
                                                   temporaryDirectory: settings.resolvedTemporaryDirectory)
            return (database, fingerprint)
        }
        Self.log(database.report, generation: 1, logger: logger)
        return ClamAVEngine(settings: settings, database: database, fingerprint: fingerprint,
                            blocking: blocking, logger: logger)
    }

    public func scan(_ input: ScanInput, context: ScanContext) async throws -> EngineReport {
        let (database, generation) = loaded.withLock { ($0.database, $0.generation) }
        let parts = settings.scanParts ? input.message.leaves.filter { !$0.decoded.isEmpty } : []
        var raw: RawMessageScan = settings.scanParts ? settings.rawMessage : .parse
        if raw == .signatures, Self.wantsClamAVMailParser(input.message) { raw = .parse }
        var targets: [ScanTarget] = []
        if raw != .off {
            // Matched without decoding: cheap, never cached (a message is not received twice, and
            // the cache holds outcomes of full scans).
            targets.append(ScanTarget(partPath: "", name: nil, bytes: input.message.raw, matchOnly: raw == .signatures))
        }
        targets += parts.map { ScanTarget(partPath: $0.path, name: $0.filename, bytes: $0.decoded, matchOnly: false) }
        let scanTargets = targets
        let options = scanOptions
        let cache = self.cache
        let outcomes = try await context.blocking.run { () throws -> [ScanOutcome] in
            try scanTargets.map { target -> ScanOutcome in
                let digest = target.matchOnly ? nil : LibClamAV.sha256(target.bytes)
                if let digest, let cached = cache.lookup(digest, generation: generation) { return cached }
                let outcome: ScanOutcome
                do {
                    outcome = try database.scan(target.bytes, name: target.name,
                                                options: target.matchOnly ? options.withoutMailParsing : options)
                } catch {
                    throw ClamAVError.partScan(partPath: target.partPath, underlying: "\(error)")
                }
                if let digest, outcome.isCacheable { cache.insert(digest, outcome, generation: generation) }
                return outcome
            }
        }
        let report = makeReport(zip(scanTargets.map(\.partPath), outcomes))
        if let category = report.category {
            context.logger.info("clamav alert", metadata: [
                "moat.scan_id": "\(input.id)",
                "clamav.category": "\(category.rawValue)",
                "clamav.findings": "\(report.findings.map { "\($0.detail)@\($0.partPath ?? "")" }.joined(separator: ","))",
            ])
        }
        return report
    }

    /// Where Moat's MIME parser found the structure doubtful (broken or duplicate boundaries, bad
    /// encodings, a limit hit, a comment in a header name) or met an encoding only ClamAV decodes
    /// (BinHex, TNEF), ClamAV's own
    /// mail parser reads the message too: two parsers that disagree on a malformed message are how
    /// attachments are smuggled past one of them (a zip after a reused boundary's close delimiter
    /// is invisible to Moat's parser and found by ClamAV's).
    static func wantsClamAVMailParser(_ message: Message) -> Bool {
        for finding in message.findings {
            let code = finding.code
            if code.hasPrefix("mime.limit.") || structuralFindings.contains(code) { return true }
            // A From_ line before the headers is how mbox files (and mail archives, and every
            // SpamAssassin corpus file) start, and both parsers skip it. Only a file holding
            // another message after it is ClamAV's mbox parser's to split.
            if code == ParseFinding.Code.mboxFromLine, holdsAnotherMboxMessage(message.raw) { return true }
            if code == ParseFinding.Code.duplicateHeader, finding.detail.lowercased().hasPrefix("content-") { return true }
        }
        // `Content-Type(comment):` is a different field to Moat's parser and Content-Type to
        // ClamAV's (and to some mail clients): the attachment behind it is only ClamAV's to find.
        // On the bytes: Foundation's substring search per field name was two thirds of this check,
        // and 4 % of the engine's CPU. (A byte search also finds a `(` that a combining mark
        // follows, which only adds ClamAV's own parse.)
        if message.parts.contains(where: { part in part.headers.contains { $0.name.utf8.contains(0x28) || $0.name.utf8.contains(0x20) } }) {
            return true
        }
        return message.leaves.contains { part in
            let essence = part.contentType.essence
            return essence == "application/ms-tnef" || essence == "application/mac-binhex40"
                || part.filename?.lowercased() == "winmail.dat"
        }
    }

    /// Whether a line after the first starts with `From ` (mbox's message separator; a body
    /// line that merely starts so counts too, which only costs a second parse).
    static func holdsAnotherMboxMessage(_ raw: [UInt8]) -> Bool {
        raw.indices.contains { raw[$0] == 0x0A && raw[($0 + 1)...].starts(with: "From ".utf8) }
    }

    private static let structuralFindings: Set<String> = [
        ParseFinding.Code.missingCloseBoundary, ParseFinding.Code.boundaryNotFound, ParseFinding.Code.missingBoundaryParameter,
        ParseFinding.Code.malformedContentType, ParseFinding.Code.illegalTransferEncoding, ParseFinding.Code.messagePartial,
        ParseFinding.Code.base64Garbage, ParseFinding.Code.base64Concatenated, ParseFinding.Code.base64Incomplete,
        ParseFinding.Code.unknownTransferEncoding, ParseFinding.Code.duplicateParameter, ParseFinding.Code.nulBytes,
        ParseFinding.Code.headerMalformed, ParseFinding.Code.missingHeaderSeparator,
        ParseFinding.Code.uuencodeMalformed, ParseFinding.Code.rfc2231Malformed,
    ]

    /// Turns outcomes per part into findings; a name found in a part is not repeated for the whole message.
    func makeReport<S: Sequence>(_ outcomes: S) -> EngineReport where S.Element == (String, ScanOutcome) {
        var findings: [Finding] = []
        var seen = Set<String>()
        var category: VerdictCategory?
        for (partPath, outcome) in outcomes {
            var alerts = outcome.alerts.map(ClamAVAlert.init(name:))
            if let stopped = outcome.stoppedAtLimit { alerts.append(.limit(stopped)) }
            for alert in alerts {
                let finding: Finding
                switch alert {
                case .signature(let name):
                    finding = Finding(code: alert.code, detail: name, score: settings.signatureScore, partPath: partPath)
                    category = .malware
                case .heuristic(let name):
                    guard settings.heuristics else { continue }
                    finding = Finding(code: alert.code, detail: name, score: settings.heuristicScore, partPath: partPath)
                    category = max(category ?? .suspicious, .suspicious)
                case .limit(let name):
                    finding = Finding(code: alert.code, detail: name, score: settings.limitScore, partPath: partPath)
                    category = max(category ?? .suspicious, .suspicious)
                }
                guard seen.insert("\(finding.code) \(finding.detail) \(partPath)").inserted else { continue }
                findings.append(finding)
            }
        }
        let elsewhere = Set(findings.filter { $0.partPath != "" }.map { "\($0.code) \($0.detail)" })
        findings.removeAll { $0.partPath == "" && elsewhere.contains("\($0.code) \($0.detail)") }
        guard let category else { return .clean }
        return EngineReport(category: category, score: findings.reduce(0) { $0 + $1.score }, findings: findings)
    }

    public var status: [String: String] {
        let (report, generation, reloads, lastError) = loaded.withLock {
            ($0.database.report, $0.generation, $0.reloads, $0.lastReloadError)
        }
        let stats = cache.statistics
        let lookups = stats.hits + stats.misses
        var status = [
            "signatures": "\(report.signatures)",
            "load_ms": "\(report.duration.wholeMilliseconds)",
            "engine_version": LibClamAV.version,
            "functionality_level": "\(LibClamAV.functionalityLevel)",
            "databases": report.loaded.isEmpty ? "none" : report.loaded.joined(separator: ", "),
            "generation": "\(generation)",
            "reloads": "\(reloads)",
            "cache_entries": "\(stats.entries)/\(cache.capacity)",
            "temporary_directory": settings.resolvedTemporaryDirectory,
            "cache_hits": "\(stats.hits)",
            "cache_misses": "\(stats.misses)",
            "cache_hit_rate": lookups == 0 ? "n/a" : String(format: "%.1f%%", Double(stats.hits) * 100 / Double(lookups)),
        ]
        if report.signatures == 0 { status["warning"] = "no signatures loaded: this engine detects nothing" }
        if let lastError { status["last_reload_error"] = lastError }
        return status
    }

    /// Reloads the databases if any file changed since the last load; the old engine serves until the swap.
    ///
    /// A failed reload throws and keeps the running database (the error also shows in `status`).
    public func refresh() async throws {
        let before = loaded.withLock { $0.fingerprint }
        let settings = self.settings
        let now = try await blocking.run { settings.sources.map { $0.fingerprint() } }
        guard now != before else { return }
        let database: ClamAVDatabase
        do {
            database = try await blocking.run {
                try ClamAVDatabase.load(settings.sources, limits: settings.limits,
                                        temporaryDirectory: settings.resolvedTemporaryDirectory)
            }
        } catch {
            loaded.withLock { $0.lastReloadError = "\(error)" }
            logger.error("clamav reload failed; keeping the running database", metadata: ["error.message": "\(error)"])
            throw error
        }
        let generation: Int? = loaded.withLock { state in
            guard state.fingerprint == before else { return nil }
            state.database = database
            state.fingerprint = now
            state.generation += 1
            state.reloads += 1
            state.lastReloadError = nil
            cache.reset(generation: state.generation)
            return state.generation
        }
        if let generation { Self.log(database.report, generation: generation, logger: logger) }
    }

    private static func log(_ report: ClamAVDatabase.LoadReport, generation: Int, logger: Logger) {
        for skipped in report.skipped {
            logger.warning("clamav database skipped", metadata: ["clamav.path": "\(skipped.path)", "clamav.reason": "\(skipped.reason)"])
        }
        let metadata: Logger.Metadata = [
            "clamav.signatures": "\(report.signatures)",
            "clamav.load_ms": "\(report.duration.wholeMilliseconds)",
            "clamav.generation": "\(generation)",
            "clamav.databases": "\(report.loaded.joined(separator: ","))",
            "clamav.version": "\(LibClamAV.version)",
        ]
        if report.signatures == 0 {
            logger.error("clamav loaded NO signatures: this engine detects nothing until databases are added", metadata: metadata)
        } else {
            logger.info("clamav database loaded", metadata: metadata)
        }
    }

    private static func prepareTemporaryDirectory(_ path: String) throws(ClamAVError) {
        // A killed worker leaves its directory behind; on tmpfs it would hold memory until a reboot.
        ScratchDirectories.removeAbandoned(beside: path, prefix: "moat-clamav-")
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw .temporaryDirectory(path: path, reason: error.localizedDescription)
        }
    }
}

/// One buffer to scan and the part it came from.
private struct ScanTarget: Sendable {
    var partPath: String
    var name: String?
    var bytes: [UInt8]
    /// The raw message under `raw_message = "signatures"`: matched with ClamAV's mail parser off.
    var matchOnly: Bool
}
