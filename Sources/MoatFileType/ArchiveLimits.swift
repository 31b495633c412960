/// Bounds on archive expansion for one MIME part, including everything nested in it.
///
/// Worst-case memory per part is about twice `min(maxDepth × maxMemberBytes, maxExpandedBytes)`:
/// each open level keeps the member it is reading and libarchive's copy of the archive.
public struct ArchiveLimits: Sendable, Equatable {
    /// Archive nesting levels opened (a zip in a zip is 2).
    public var maxDepth = 5
    /// Members read across all levels.
    public var maxMembers = 1000
    /// Bytes decompressed across all levels.
    public var maxExpandedBytes = 128 << 20
    /// Bytes read from one member; reading stops there.
    public var maxMemberBytes = 32 << 20
    /// Decompressed bytes per byte of the part that make a bomb…
    public var maxRatio = 100.0
    /// …once at least this many bytes were decompressed (small, very compressible files are normal).
    public var ratioMinBytes = 4 << 20

    public init() {}
}
