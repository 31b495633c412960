/// New bytes for one MIME part, produced by an engine that disarmed it (removed macros) or
/// converted it (a document delivered as a PDF).
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
    /// The message as received is kept in quarantine, so an operator can release the original
    /// (conversion mode promises the recipient that).
    public var keepsOriginal: Bool

    public init(partPath: String, rawPart: [UInt8], reason: String, keepsOriginal: Bool = false) {
        self.partPath = partPath
        self.rawPart = rawPart
        self.reason = reason
        self.keepsOriginal = keepsOriginal
    }

    private enum CodingKeys: String, CodingKey {
        case partPath, rawPart, reason, keepsOriginal
    }

    /// Records written before `keepsOriginal` existed read as not keeping the original.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        partPath = try container.decode(String.self, forKey: .partPath)
        rawPart = try container.decode([UInt8].self, forKey: .rawPart)
        reason = try container.decode(String.self, forKey: .reason)
        keepsOriginal = try container.decodeIfPresent(Bool.self, forKey: .keepsOriginal) ?? false
    }
}
