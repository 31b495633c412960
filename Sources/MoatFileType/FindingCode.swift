/// The stable codes of the file-type engine's findings.
public enum FindingCode {
    /// The true type (from libmagic) is in a blocked class.
    public static let blockedType = "filetype.blocked_type"
    /// The extension is in a blocked class.
    public static let blockedExtension = "filetype.blocked_extension"
    /// The true type is in a suspicious class (HTML attachments, for instance).
    public static let suspiciousType = "filetype.suspicious_type"
    /// The extension is in a suspicious class.
    public static let suspiciousExtension = "filetype.suspicious_extension"
    /// The true type is not what the extension or the declared Content-Type says.
    public static let typeMismatch = "filetype.type_mismatch"
    /// A harmless-looking extension before a dangerous one (`invoice.pdf.exe`).
    public static let doubleExtension = "filetype.double_extension"
    /// Bidi controls in a name (U+202E right-to-left override, …).
    public static let bidiControl = "filetype.bidi_control"
    /// Zero-width or other invisible characters in a name.
    public static let invisibleCharacter = "filetype.invisible_char"
    /// A long run of blanks in a name (`x.pdf<spaces>.exe`).
    public static let spacePadding = "filetype.space_padding"
    /// Trailing dots or blanks, which Windows drops (`a.exe.`).
    public static let trailingDots = "filetype.trailing_dots"
    /// NUL, CR, LF or other control characters in a name.
    public static let controlCharacter = "filetype.control_char"
    /// Directory parts or a drive in an attachment name.
    public static let pathInName = "filetype.path_in_name"
    /// `filename` and `name` (or their RFC 2231 forms) disagree.
    public static let nameMismatch = "filetype.name_mismatch"
    /// An archive member with an absolute path or `..`.
    public static let pathTraversal = "filetype.path_traversal"
    /// Encrypted archive members (content unreadable; names listed).
    public static let encryptedArchive = "filetype.encrypted_archive"
    /// Expansion far beyond the archive's size.
    public static let zipBomb = "filetype.zip_bomb"
    /// An archive limit was reached (depth, members, member size, total size): the rest is unchecked.
    public static let archiveLimit = "filetype.archive_limit"
    /// An archive could not be read to the end (corrupt, truncated or unsupported).
    public static let archiveError = "filetype.archive_error"
    /// An SVG image with script or event handlers.
    public static let svgScript = "filetype.svg_script"
}
