/// When an engine leaves the vote by itself, declared per engine in its manifest (`[removal]`).
///
/// Example: at least 50 confirmed samples and precision under 0.95 → shadow; error rate over 5 %
/// of at least 100 scans → disabled. The tracker only ever demotes; operators promote.
public struct RemovalPolicy: Sendable, Hashable, Codable {
    public var minSamples: Int
    /// Below this precision (for any category the engine claims), apply `precisionAction`.
    public var minPrecision: Double?
    public var precisionAction: EngineState
    /// Above this share of errors and timeouts, apply `errorAction`.
    public var maxErrorRate: Double?
    public var errorAction: EngineState
    public var minScansForErrorRate: Int

    public init(minSamples: Int = 50, minPrecision: Double? = nil, precisionAction: EngineState = .shadow,
                maxErrorRate: Double? = nil, errorAction: EngineState = .disabled, minScansForErrorRate: Int = 100) {
        self.minSamples = minSamples
        self.minPrecision = minPrecision
        self.precisionAction = precisionAction
        self.maxErrorRate = maxErrorRate
        self.errorAction = errorAction
        self.minScansForErrorRate = minScansForErrorRate
    }

    enum CodingKeys: String, CodingKey {
        case minSamples = "min_samples"
        case minPrecision = "min_precision"
        case precisionAction = "precision_action"
        case maxErrorRate = "max_error_rate"
        case errorAction = "error_action"
        case minScansForErrorRate = "min_scans_for_error_rate"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = RemovalPolicy()
        minSamples = try c.decodeIfPresent(Int.self, forKey: .minSamples) ?? d.minSamples
        minPrecision = try c.decodeIfPresent(Double.self, forKey: .minPrecision)
        precisionAction = try c.decodeIfPresent(EngineState.self, forKey: .precisionAction) ?? d.precisionAction
        maxErrorRate = try c.decodeIfPresent(Double.self, forKey: .maxErrorRate)
        errorAction = try c.decodeIfPresent(EngineState.self, forKey: .errorAction) ?? d.errorAction
        minScansForErrorRate = try c.decodeIfPresent(Int.self, forKey: .minScansForErrorRate) ?? d.minScansForErrorRate
        if let minPrecision, !(0...1).contains(minPrecision) {
            throw DecodingError.dataCorruptedError(forKey: .minPrecision, in: c, debugDescription: "must be between 0 and 1")
        }
        if let maxErrorRate, !(0...1).contains(maxErrorRate) {
            throw DecodingError.dataCorruptedError(forKey: .maxErrorRate, in: c, debugDescription: "must be between 0 and 1")
        }
        if precisionAction == .active || errorAction == .active {
            throw DecodingError.dataCorruptedError(forKey: .precisionAction, in: c, debugDescription: "a removal action is shadow or disabled")
        }
    }

    /// One line for `moat engines`: what sends the engine out of the vote.
    public var summary: String {
        var parts: [String] = []
        if let minPrecision {
            parts.append("\(precisionAction.rawValue) when precision < \(minPrecision) over >= \(minSamples) labelled")
        }
        if let maxErrorRate {
            parts.append("\(errorAction.rawValue) when errors+timeouts > \(Int((maxErrorRate * 100).rounded()))% of >= \(minScansForErrorRate) scans")
        }
        return parts.isEmpty ? "none" : parts.joined(separator: "; ")
    }
}
