/// One message header as the MTA sent it in a HEADER command.
///
/// The value stays bytes (8-bit headers exist) and is kept exactly as given: folded lines
/// are joined with a bare LF, and the space after the colon is already stripped unless
/// `SMFIP_HDR_LEADSPC` was negotiated.
public struct MilterHeader: Hashable, Sendable {
    /// The header field name, e.g. `Subject`.
    public var name: String
    /// The raw value bytes.
    public var value: [UInt8]

    public init(name: String, value: [UInt8]) {
        self.name = name
        self.value = value
    }

    public init(name: String, value: String) {
        self.init(name: name, value: Array(value.utf8))
    }
}
