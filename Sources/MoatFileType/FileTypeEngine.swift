import Logging
import MoatArchive
import MoatCore
import MoatMessage
import Synchronization

/// Checks the true type of every attachment and inline non-text part, the names it is sent under,
/// and everything inside its archives, against an attachment policy.
///
/// The true type comes from libmagic (as `file --mime-type` says it) and is compared with the
/// declared Content-Type and each name's extension; the weight of a mismatch is what was hidden.
/// Archives (zip, 7z, rar, tar, gzip/bzip2/xz, cab, iso, lzh) are opened with libarchive, nested
/// up to `ArchiveLimits`, and each member is checked like an attachment. All libmagic and
/// libarchive work runs on the scan's blocking pool, one part per job.
public final class FileTypeEngine: ScanEngine {
    /// What the verdict is when findings fire.
    public struct Categories: Sendable, Equatable {
        /// When a blocked class was hit (default `policy`).
        public var blocked: VerdictCategory = .policy
        /// When only other findings scored (default `suspicious`).
        public var other: VerdictCategory = .suspicious

        public init() {}
    }

    private struct Loaded: Sendable {
        var policy: FileTypePolicy
        var generation: Int
    }

    /// The policy file, re-read by `refresh()`; nil for a policy given in code.
    public let policyPath: String?
    public let limits: ArchiveLimits
    public let categories: Categories
    private let detector: MagicDetector
    private let loaded: Mutex<Loaded>

    /// Builds an engine; opens one libmagic cookie now, so a broken database fails here.
    /// Call from a blocking context (the factory does it on the blocking pool).
    public init(policy: FileTypePolicy, policyPath: String? = nil, limits: ArchiveLimits = ArchiveLimits(),
                categories: Categories = Categories(), magicDatabase: String? = nil) throws {
        self.policyPath = policyPath
        self.limits = limits
        self.categories = categories
        self.detector = try MagicDetector(database: magicDatabase)
        self.loaded = Mutex(Loaded(policy: policy, generation: 1))
    }

    public func scan(_ input: ScanInput, context: ScanContext) async throws -> EngineReport {
        let policy = loaded.withLock { $0.policy }
        var findings: [Finding] = []
        var blocked = false
        for part in input.message.leaves where Self.isInspected(part) {
            let subject = PartInspection.Subject(
                location: Self.location(of: part),
                names: part.filenameCandidates.isEmpty ? part.filename.map { [$0] } ?? [] : part.filenameCandidates,
                declaredType: part.origin == .mime && part.declaredContentType != nil ? part.contentType.essence : nil,
                depth: 0
            )
            let bytes = part.decoded
            let (limits, detector, path) = (self.limits, self.detector, part.path)
            let result = try await context.blocking.run { () throws -> PartResult in
                try detector.withCookie { cookie in
                    let inspection = PartInspection(policy: policy, limits: limits, cookie: cookie, partPath: path,
                                                    partSize: bytes.count)
                    try inspection.inspectPart(subject, bytes: bytes[...])
                    return PartResult(findings: inspection.findings, blocked: inspection.blocked)
                }
            }
            findings += result.findings
            blocked = blocked || result.blocked
        }
        let score = findings.reduce(0) { $0 + $1.score }
        let category: VerdictCategory? = blocked ? categories.blocked : (score > 0 ? categories.other : nil)
        if let category {
            context.logger.info("file type verdict", metadata: [
                "scan.id": "\(input.id)",
                "filetype.category": "\(category.rawValue)",
                "filetype.score": "\(score)",
                "filetype.codes": "\(Set(findings.map(\.code)).sorted().joined(separator: ","))",
            ])
        }
        return EngineReport(category: category, score: score, findings: findings)
    }

    public var status: [String: String] {
        let (policy, generation) = loaded.withLock { ($0.policy, $0.generation) }
        var out = policy.counts
        out["libmagic"] = MagicCookie.libraryVersion
        out["libarchive"] = ArchiveReader.libraryVersion
        out["policy.path"] = policyPath ?? "(built in)"
        out["policy.generation"] = "\(generation)"
        out["limits"] = "depth \(limits.maxDepth), members \(limits.maxMembers), expanded \(limits.maxExpandedBytes) B, "
            + "member \(limits.maxMemberBytes) B, ratio \(Int(limits.maxRatio))"
        return out
    }

    /// Re-reads the policy file; a broken file throws and the running policy stays.
    public func refresh() async throws {
        guard let policyPath else { return }
        let policy = try FileTypePolicy.load(path: policyPath)
        loaded.withLock {
            $0.policy = policy
            $0.generation += 1
        }
    }

    /// The current policy.
    public var policy: FileTypePolicy { loaded.withLock { $0.policy } }

    /// Attachments (a disposition or a name) and inline parts that are not text.
    static func isInspected(_ part: MessagePart) -> Bool {
        guard part.isLeaf else { return false }
        return part.isAttachment || part.contentType.type != "text"
    }

    /// `2/invoice.zip`: the part path and its name, as the start of finding details.
    static func location(of part: MessagePart) -> String {
        let name = part.filename.map(FilenameAnalysis.printable)
        switch (part.path.isEmpty, name) {
        case (true, nil): return "(message)"
        case (true, let name?): return name
        case (false, nil): return part.path
        case (false, let name?): return part.path + "/" + name
        }
    }
}

/// One part's findings, handed back from the blocking pool.
private struct PartResult: Sendable {
    var findings: [Finding]
    var blocked: Bool
}
