/// Bounds on what one message parse may consume.
///
/// Every limit is a guard against hostile input (zip-bomb style nesting, part floods, giant
/// headers). Hitting one never fails the parse: it stops that piece of work and records a
/// `ParseFinding` whose code starts with `mime.limit.` and whose detail names the limit and value.
public struct MessageLimits: Sendable, Codable, Equatable {
    /// Bytes of the message that are parsed; the rest is ignored (finding `mime.limit.message_bytes`).
    public var maxMessageBytes: Int
    /// Parts created in one message, root included (finding `mime.limit.parts`).
    public var maxParts: Int
    /// Nesting depth; each multipart, `message/rfc822` or uuencode level adds one (finding `mime.limit.depth`).
    public var maxDepth: Int
    /// Bytes of one header section; beyond it the rest of the section is skipped (finding `mime.limit.header_bytes`).
    public var maxHeaderBytes: Int
    /// Total transfer-decoded bytes in one message; beyond it decoding stops (finding `mime.limit.decoded_bytes`).
    public var maxDecodedBytes: Int

    /// Creates limits; every argument defaults to the documented production value.
    public init(
        maxMessageBytes: Int = 64 << 20,
        maxParts: Int = 1000,
        maxDepth: Int = 40,
        maxHeaderBytes: Int = 1 << 20,
        maxDecodedBytes: Int = 128 << 20
    ) {
        self.maxMessageBytes = maxMessageBytes
        self.maxParts = maxParts
        self.maxDepth = maxDepth
        self.maxHeaderBytes = maxHeaderBytes
        self.maxDecodedBytes = maxDecodedBytes
    }

    enum CodingKeys: String, CodingKey {
        case maxMessageBytes = "max_message_bytes"
        case maxParts = "max_parts"
        case maxDepth = "max_depth"
        case maxHeaderBytes = "max_header_bytes"
        case maxDecodedBytes = "max_decoded_bytes"
    }

    /// Decodes limits from configuration; a missing key keeps its default.
    public init(from decoder: any Decoder) throws {
        let defaults = MessageLimits()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        maxMessageBytes = try c.decodeIfPresent(Int.self, forKey: .maxMessageBytes) ?? defaults.maxMessageBytes
        maxParts = try c.decodeIfPresent(Int.self, forKey: .maxParts) ?? defaults.maxParts
        maxDepth = try c.decodeIfPresent(Int.self, forKey: .maxDepth) ?? defaults.maxDepth
        maxHeaderBytes = try c.decodeIfPresent(Int.self, forKey: .maxHeaderBytes) ?? defaults.maxHeaderBytes
        maxDecodedBytes = try c.decodeIfPresent(Int.self, forKey: .maxDecodedBytes) ?? defaults.maxDecodedBytes
    }
}
