/// Archive and compression formats Moat opens.
///
/// Each case enables only the libarchive readers it needs, which keeps the parser attack surface to
/// what mail actually carries.
public enum ArchiveFormat: String, Sendable, CaseIterable {
    case zip, sevenZip = "7z", rar, tar, cab, iso9660 = "iso", lha = "lzh"
    /// gzip, bzip2, xz or lzma: a tarball or one bare compressed file.
    case compressed
}
