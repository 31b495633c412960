/// One explainable observation by an engine: a rule hit, a signature, a limit reached.
///
/// Findings are what make a verdict explainable line by line (as rspamd's symbols do):
/// each carries a stable code, the part it concerns and the score it contributed.
public struct Finding: Sendable, Hashable, Codable {
    /// Stable dotted identifier, e.g. `clamav.signature`, `mime.missing_close_boundary`, `spam.BAYES_99`.
    public var code: String
    /// Human-readable detail: a signature name, the matched text excerpt, the limit and its value.
    public var detail: String
    /// Contribution to the engine's score (0 for purely informational findings).
    public var score: Double
    /// MIME part path the finding concerns (`""` is the whole message, `"2.1"` a nested part).
    public var partPath: String?

    enum CodingKeys: String, CodingKey {
        case code, detail, score
        case partPath = "part_path"
    }

    public init(code: String, detail: String, score: Double = 0, partPath: String? = nil) {
        self.code = code
        self.detail = detail
        self.score = score
        self.partPath = partPath
    }
}
