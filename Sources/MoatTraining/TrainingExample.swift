import Foundation
import MoatCore

/// One labelled message as the combiner learns from it: its feature values and its fold.
public struct TrainingExample: Sendable, Hashable {
    /// A stable name (the message's corpus path).
    public var id: String
    public var label: TrueClass
    /// Cross-validation fold (0..<folds).
    public var fold: Int
    public var features: [String: Double]

    public init(id: String, label: TrueClass, fold: Int, features: [String: Double]) {
        self.id = id
        self.label = label
        self.fold = fold
        self.features = features
    }

    /// Spam, phishing and malware are what a gateway should act on; ham is what it must deliver.
    public var isUnwanted: Bool { label != .ham }
}

extension TrainingExample: Codable {
    enum CodingKeys: String, CodingKey {
        case id, label, fold, features
    }

    /// Writes one JSON object a line, keys sorted, so fixtures diff cleanly.
    public static func writeLines(_ examples: [TrainingExample], to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var text = ""
        for example in examples {
            text += String(decoding: try encoder.encode(example), as: UTF8.self) + "\n"
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// Reads what `writeLines` wrote.
    public static func readLines(from path: String) throws -> [TrainingExample] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(TrainingExample.self, from: Data($0.utf8)) }
    }
}

extension TrainingExample {
    /// Labelled scans from the store as examples (ids `store:SCAN`), folds seeded and stratified;
    /// scans logged before features were recorded are left out. `moat train --from-store` and
    /// `POST /model/train` both learn from feedback through this.
    public static func fromStore(_ pairs: [(ScanRecord, Feedback)], folds: Int, seed: UInt64) -> [TrainingExample] {
        let usable = pairs.compactMap { scan, feedback in scan.features.map { ("store:" + scan.id, feedback.trueClass, $0) } }
            .sorted { $0.0 < $1.0 }
        let assignment = FoldPlan.assign(ids: usable.map(\.0), labels: usable.map(\.1), folds: folds, seed: seed)
        return usable.enumerated().map { index, entry in
            TrainingExample(id: entry.0, label: entry.1, fold: assignment[index], features: entry.2)
        }
    }
}
