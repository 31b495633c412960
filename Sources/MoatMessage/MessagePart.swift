/// One node of the MIME tree: a multipart, an embedded message, a leaf, or an extracted uuencode file.
///
/// Paths: the root is `""`; children of a multipart at path `P` are `P.1`, `P.2`, … (`1`, `2`, … under
/// the root). A `message/rfc822` (or `message/global`) part `P` has one child, the embedded message's
/// root: if that root's type is `multipart/*` its path is `P.0` and *its* children are `P.1`, `P.2`, …
/// (IMAP style); otherwise the embedded root is `P.1`. Files extracted from uuencode blocks in a text
/// leaf `P` are `P.u1`, `P.u2`, … (`u1` under the root).
///
/// Ranges index `Message.raw`. `rawRange` is the part's headers and body (the whole parsed message for
/// the root) without the line break that precedes the next delimiter; `headerRange` includes the blank
/// separator line; `bodyRange` follows it. Parts that exist only after transfer-decoding a container
/// (a base64 `message/rfc822`, an encoded multipart, uuencode inside base64 text) cannot be addressed
/// in the raw bytes: their ranges are the container's body range and `isRawAddressable` is false.
public struct MessagePart: Sendable {
    /// Position in the tree (see the type's documentation).
    public internal(set) var path: String
    /// MIME part or extracted uuencode block.
    public internal(set) var origin: PartOrigin
    /// The part's header fields (empty for uuencode extractions).
    public internal(set) var headers: HeaderList
    /// Effective content type (defaults: `text/plain; charset=us-ascii`, or `message/rfc822` in a digest).
    public internal(set) var contentType: MediaType
    /// The first Content-Type header's raw value, if present.
    public internal(set) var declaredContentType: String?
    /// Content-Transfer-Encoding (default 7bit).
    public internal(set) var transferEncoding: TransferEncoding
    /// Lowercased `charset` parameter, if any.
    public internal(set) var charset: String?
    /// Lowercased Content-Disposition type (`attachment`, `inline`), if present.
    public internal(set) var disposition: String?
    /// Best-guess decoded filename: Content-Disposition `filename*`, `filename`, then Content-Type `name*`, `name`.
    public internal(set) var filename: String?
    /// Every distinct decoded name seen in those sources (more than one raises `mime.filename_mismatch`).
    public internal(set) var filenameCandidates: [String]
    /// Headers and body of this part in `Message.raw`.
    public internal(set) var rawRange: Range<Int>
    /// Header section (with its blank separator line) in `Message.raw`.
    public internal(set) var headerRange: Range<Int>
    /// Body in `Message.raw`.
    public internal(set) var bodyRange: Range<Int>
    /// Nesting level: 0 for the root, +1 per multipart, embedded message or uuencode level.
    public internal(set) var depth: Int
    /// Multipart children, the embedded message root, or uuencode extractions.
    public internal(set) var children: [MessagePart]
    /// Transfer-decoded body bytes of leaves (empty for multiparts and embedded-message containers).
    public internal(set) var decoded: [UInt8]
    /// Bytes before the first delimiter of a multipart (scan them: payloads hide there).
    public internal(set) var preamble: [UInt8]
    /// Bytes after the close delimiter of a multipart.
    public internal(set) var epilogue: [UInt8]
    /// True if this part was split into children at its boundary.
    public internal(set) var isMultipart: Bool
    /// True if this part's content is its `decoded` bytes (not a container).
    public internal(set) var isLeaf: Bool
    /// True if `rawRange` covers exactly this part's own bytes in `Message.raw`.
    public internal(set) var isRawAddressable: Bool

    /// Disposition `attachment`, or a filename from any source.
    public var isAttachment: Bool { disposition == "attachment" || filename != nil }

    /// For `text/*` MIME leaves: `decoded` converted from `charset` (unknown charsets read as Latin-1).
    ///
    /// Converted on first use and shared by every copy of the part (every engine scanning the
    /// message), so the spam and url engines do not each convert the same part.
    public var text: String? {
        guard isLeaf, origin == .mime, contentType.type == "text" else { return nil }
        let (decoded, charset) = (self.decoded, self.charset)
        return sharedText.value { Charsets.decode(decoded, charset: charset).text }
    }

    /// Holds ``text`` once computed; parts are built before anyone reads it, and its inputs
    /// (`decoded`, `charset`) do not change after parsing.
    private let sharedText = SharedValue<String>()

    init(path: String, origin: PartOrigin, range: Range<Int>, depth: Int) {
        self.path = path
        self.origin = origin
        self.headers = HeaderList()
        self.contentType = .textPlain
        self.declaredContentType = nil
        self.transferEncoding = .sevenBit
        self.charset = nil
        self.disposition = nil
        self.filename = nil
        self.filenameCandidates = []
        self.rawRange = range
        self.headerRange = range.lowerBound..<range.lowerBound
        self.bodyRange = range
        self.depth = depth
        self.children = []
        self.decoded = []
        self.preamble = []
        self.epilogue = []
        self.isMultipart = false
        self.isLeaf = true
        self.isRawAddressable = true
    }

    /// Points this part and its descendants at `range` of the raw message (they came from decoded bytes).
    mutating func relocate(to range: Range<Int>) {
        rawRange = range
        headerRange = range
        bodyRange = range
        isRawAddressable = false
        for k in headers.fields.indices { headers.fields[k].byteRange = range }
        for k in children.indices { children[k].relocate(to: range) }
    }

    /// Path of the `index`-th (1-based) child under `base`.
    static func childPath(_ base: String, _ index: Int) -> String {
        base.isEmpty ? "\(index)" : "\(base).\(index)"
    }
}
