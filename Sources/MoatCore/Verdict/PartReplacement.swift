/// New bytes for one MIME part, produced by an engine that disarmed it (e.g. removed macros).
///
/// The replacement carries the whole part (its MIME headers and body) so the engine can change the
/// part's declared type or filename along with the content. The daemon splices it into the message
/// and hands the new body to the MTA.
public struct PartReplacement: Sendable, Hashable, Codable {
    /// Path of the part to replace, as in `MessagePart.path`.
    public var partPath: String
    /// The complete replacement part: MIME header lines, a blank line, then the encoded body.
    public var rawPart: [UInt8]
    /// Why the part was replaced, for the recipient note and the logs.
    public var reason: String

    public init(partPath: String, rawPart: [UInt8], reason: String) {
        self.partPath = partPath
        self.rawPart = rawPart
        self.reason = reason
    }
}
