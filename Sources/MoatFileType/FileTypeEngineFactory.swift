import MoatCore

/// Builds `FileTypeEngine`s from manifests with `adapter = "filetype"`.
///
/// Options (defaults): `policy` ("filetype/policy.toml", relative to the rules directory),
/// `max_depth` (5), `max_members` (1000), `max_expanded_bytes` (134217728), `max_member_bytes`
/// (33554432), `max_ratio` (100), `ratio_min_bytes` (4194304), `blocked_category` ("policy"),
/// `category` ("suspicious"), `magic_database` (libmagic's default).
public struct FileTypeEngineFactory: EngineFactory {
    public init() {}

    public var adapter: String { "filetype" }

    public func makeEngine(_ manifest: EngineManifest, context: EngineBuildContext) async throws -> any ScanEngine {
        // Option parsing stays out of the async function: Swift 6.3's optimizer crashed splitting this
        // coroutine when the throwing local helpers lived in it.
        let (policy, policyPath, chosenLimits, chosenCategories, database) = try Self.settings(manifest, context: context)
        do {
            return try await context.blocking.run {
                try FileTypeEngine(policy: policy, policyPath: policyPath, limits: chosenLimits,
                                   categories: chosenCategories, magicDatabase: database)
            }
        } catch let error as FileTypeError {
            throw context.invalid(database == nil ? "policy" : "magic_database", error.description)
        }
    }

    private static func settings(
        _ manifest: EngineManifest, context: EngineBuildContext
    ) throws -> (FileTypePolicy, String, ArchiveLimits, FileTypeEngine.Categories, String?) {
        let options = manifest.options
        let known: Set<String> = ["policy", "max_depth", "max_members", "max_expanded_bytes", "max_member_bytes",
                                  "max_ratio", "ratio_min_bytes", "blocked_category", "category", "magic_database"]
        let reader = EngineOptions(options, context: context)
        try reader.rejectUnknown(known)
        func positive(_ key: String, _ fallback: Int) throws -> Int {
            try reader.integer(key, in: 1...Int.max) ?? fallback
        }
        let policyPath = try reader.path("policy") ?? context.resolve("filetype/policy.toml")
        var limits = ArchiveLimits()
        limits.maxDepth = try positive("max_depth", limits.maxDepth)
        limits.maxMembers = try positive("max_members", limits.maxMembers)
        limits.maxExpandedBytes = try positive("max_expanded_bytes", limits.maxExpandedBytes)
        limits.maxMemberBytes = try positive("max_member_bytes", limits.maxMemberBytes)
        limits.ratioMinBytes = try positive("ratio_min_bytes", limits.ratioMinBytes)
        limits.maxRatio = try reader.number("max_ratio", in: 1...Double.greatestFiniteMagnitude) ?? limits.maxRatio
        var categories = FileTypeEngine.Categories()
        categories.blocked = try reader.choice("blocked_category", VerdictCategory.self) ?? categories.blocked
        categories.other = try reader.choice("category", VerdictCategory.self) ?? categories.other
        let database = try reader.path("magic_database")
        let policy = try FileTypePolicy.load(path: policyPath)
        return (policy, policyPath, limits, categories, database)
    }
}
