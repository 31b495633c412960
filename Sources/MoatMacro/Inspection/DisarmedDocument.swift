/// A document with its macros removed, ready to be attached in place of the original.
public struct DisarmedDocument: Sendable, Hashable {
    public var bytes: [UInt8]
    /// New file extension (`docx` for a `docm`), or nil to keep the name.
    public var newExtension: String?
    /// New MIME type, or nil to keep the part's.
    public var newMediaType: String?
    /// What was taken out, one line each.
    public var removed: [String]
}
