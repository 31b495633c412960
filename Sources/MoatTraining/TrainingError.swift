/// Why `moat train` refuses to write a model.
public enum TrainingError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Too few messages of a class to train or validate on.
    case tooFewExamples(String)
    /// On the validation folds, at thresholds chosen without them, the model flagged more ham than allowed.
    case flagsTooMuchHam(rate: Double, target: Double, flagged: Int, ham: Int)

    public var description: String {
        switch self {
        case .tooFewExamples(let detail):
            return "too few labelled messages: \(detail)"
        case .flagsTooMuchHam(let rate, let target, let flagged, let ham):
            return "refused: on the validation folds the model flags \(flagged) of \(ham) ham (\(Self.percent(rate))), "
                + "above the target \(Self.percent(target)); train on more ham, or set a higher --target-ham-rate"
        }
    }

    static func percent(_ rate: Double) -> String {
        let hundredths = Int((rate * 10_000).rounded())
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100) %"
    }
}
