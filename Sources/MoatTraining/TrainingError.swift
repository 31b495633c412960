/// Why `moat train` refuses to write a model.
public enum TrainingError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Too few messages of a class to train or validate on.
    case tooFewExamples(String)
    /// On the validation folds, at thresholds chosen without them, the model flagged more ham than allowed.
    case flagsTooMuchHam(rate: Double, target: Double, flagged: Int, ham: Int)
    /// On the validation folds the model acted on too little of the unwanted mail to be worth deploying.
    case catchesTooLittle(recall: Double, minimum: Double)

    public var description: String {
        switch self {
        case .tooFewExamples(let detail):
            return "too few labelled messages: \(detail)"
        case .flagsTooMuchHam(let rate, let target, let flagged, let ham):
            return "refused: on the validation folds the model flags \(flagged) of \(ham) ham (\(Self.percent(rate))), "
                + "above the target \(Self.percent(target)); train on more ham, or set a higher --target-ham-rate"
        case .catchesTooLittle(let recall, let minimum):
            return "refused: on the validation folds the model acts on \(Self.percent(recall)) of the unwanted mail, "
                + "below the minimum \(Self.percent(minimum)); the engines' findings do not separate this mail (add engines or labelled mail, or lower --min-recall)"
        }
    }

    static func percent(_ rate: Double) -> String {
        let hundredths = Int((rate * 10_000).rounded())
        return "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100) %"
    }
}
