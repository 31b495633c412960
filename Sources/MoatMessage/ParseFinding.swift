/// One deviation from the mail RFCs noticed while parsing, tied to the part where it was seen.
///
/// Deviations are how evasions look, so the parser never fails: it records a finding and goes on.
/// `code` is a stable dotted identifier (see `ParseFinding.Code`), `detail` is for humans and may
/// change, `partPath` is the `MessagePart.path` concerned ("" for the root).
public struct ParseFinding: Sendable, Hashable, Codable {
    /// Stable dotted identifier, one of the `ParseFinding.Code` constants.
    public let code: String
    /// Human-readable explanation (offsets, values, the limit hit).
    public let detail: String
    /// Path of the part concerned; "" is the root.
    public let partPath: String

    /// Creates a finding.
    public init(code: String, detail: String, partPath: String) {
        self.code = code
        self.detail = detail
        self.partPath = partPath
    }

    enum CodingKeys: String, CodingKey {
        case code, detail
        case partPath = "part_path"
    }
}
