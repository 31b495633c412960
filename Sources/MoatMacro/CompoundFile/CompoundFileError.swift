/// Why a compound file (MS-CFB) could not be read.
///
/// Every structural defect of a hostile or damaged file ends here; the engine reports it as
/// `macro.malformed_container` instead of trusting a half-read document.
public enum CompoundFileError: Error, Hashable, CustomStringConvertible {
    /// The bytes do not start with the CFB signature `D0 CF 11 E0 A1 B1 1A E1`.
    case notCompoundFile
    /// Shorter than the 512-byte header.
    case truncatedHeader(size: Int)
    /// Sector shift not 9 (v3) or 12 (v4), or mini sector shift not 6.
    case unsupportedGeometry(sectorShift: UInt16, miniSectorShift: UInt16)
    /// A chain names a sector past the end of the file or of its allocation table.
    case sectorOutOfRange(sector: UInt32, chain: String)
    /// A chain visits a sector twice.
    case chainCycle(sector: UInt32, chain: String)
    /// A chain ends before the bytes its entry claims.
    case chainTooShort(chain: String, needed: Int, found: Int)
    /// An entry claims more bytes than the file (or the limit) allows.
    case sizeTooLarge(entry: Int, size: UInt64, limit: Int)
    /// The directory tree names an entry that does not exist or is reached twice.
    case directoryCorrupt(entry: UInt32, reason: String)
    /// The file has more directory entries or sectors than the limit.
    case limitExceeded(what: String, limit: Int)

    public var description: String {
        switch self {
        case .notCompoundFile: "not a compound file"
        case .truncatedHeader(let size): "header truncated (\(size) bytes)"
        case .unsupportedGeometry(let s, let m): "unsupported sector shift \(s) / mini sector shift \(m)"
        case .sectorOutOfRange(let sector, let chain): "sector \(sector) out of range in \(chain) chain"
        case .chainCycle(let sector, let chain): "cycle at sector \(sector) in \(chain) chain"
        case .chainTooShort(let chain, let needed, let found): "\(chain) chain holds \(found) of \(needed) bytes"
        case .sizeTooLarge(let entry, let size, let limit): "entry \(entry) claims \(size) bytes (limit \(limit))"
        case .directoryCorrupt(let entry, let reason): "directory entry \(entry): \(reason)"
        case .limitExceeded(let what, let limit): "\(what) exceeds limit \(limit)"
        }
    }
}
