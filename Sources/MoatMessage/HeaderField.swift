/// One header field, in raw and decoded form.
///
/// `rawValue` is unfolded (CRLF/LF before SP/HT deleted) but otherwise the bytes as sent, with
/// surrounding whitespace trimmed; `value` is additionally RFC 2047 decoded and converted to a
/// String (8-bit bytes: UTF-8 if valid, else Latin-1). `byteRange` spans the field in
/// `Message.raw` from the name through its last line ending; for fields of a part that only exists
/// after transfer decoding (e.g. a base64 `message/rfc822`) it is the encoded container's body range.
public struct HeaderField: Sendable, Hashable {
    /// Field name as sent (case kept, whitespace before the colon removed).
    public let name: String
    /// Unfolded, undecoded value bytes.
    public let rawValue: [UInt8]
    /// Unfolded, RFC 2047 decoded, charset-converted value.
    public let value: String
    /// Where the field lies in `Message.raw`.
    public internal(set) var byteRange: Range<Int>

    /// Creates a field.
    public init(name: String, rawValue: [UInt8], value: String, byteRange: Range<Int>) {
        self.name = name
        self.rawValue = rawValue
        self.value = value
        self.byteRange = byteRange
    }
}
