import MoatArchive

/// Which archive format a part is, chosen from its true type (never from its name).
extension ArchiveFormat {
    /// The format to open a member or part as, if any.
    ///
    /// libmagic 5.44 reports Microsoft Cabinet files as `application/octet-stream`, so `MSCF`
    /// is recognised from the first bytes too.
    static func detect(trueType: String, prefix: ArraySlice<UInt8>) -> ArchiveFormat? {
        switch trueType {
        case "application/zip", "application/x-zip-compressed": return .zip
        case "application/x-7z-compressed": return .sevenZip
        case "application/x-rar", "application/vnd.rar", "application/x-rar-compressed": return .rar
        case "application/x-tar", "application/x-gtar", "application/x-ustar": return .tar
        case "application/vnd.ms-cab-compressed": return .cab
        case "application/x-iso9660-image": return .iso9660
        case "application/x-lzh-compressed", "application/x-lha", "application/x-lzh": return .lha
        case "application/gzip", "application/x-gzip", "application/x-bzip2", "application/x-xz", "application/x-lzma":
            return .compressed
        default:
            let cabinet: [UInt8] = [0x4D, 0x53, 0x43, 0x46, 0, 0, 0, 0]
            return prefix.starts(with: cabinet) ? .cab : nil
        }
    }
}
