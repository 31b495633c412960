/// libclamav's scan limits (`CL_ENGINE_MAX_*`), with defaults sized for mail.
///
/// A limit reached is never a crash nor a clean pass in disguise: it becomes a `clamav.limit`
/// finding. Sizes are bytes.
public struct ClamAVLimits: Sendable, Hashable {
    /// Most bytes scanned per message part, summed over everything extracted from it.
    public var maxScanSize = 100 * 1024 * 1024
    /// Files larger than this (after extraction) are not scanned.
    public var maxFileSize = 25 * 1024 * 1024
    /// Deepest archive and container nesting followed.
    public var maxRecursion = 16
    /// Most files extracted from one part.
    public var maxFiles = 10_000
    /// Largest embedded PE examined.
    public var maxEmbeddedPE = 10 * 1024 * 1024
    /// Longest one scan call may take; libclamav stops it there.
    public var maxScanTimeMilliseconds = 20_000

    public init() {}
}
