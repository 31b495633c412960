import MoatCore

/// Assigns messages to cross-validation folds, stratified by class and shuffled with a seed.
///
/// Stratified, so every fold holds spam, ham and phishing in the corpus's proportions; seeded, so
/// a rerun (and a reviewer's run) sees the same folds. The order is that of the sorted ids, not of
/// the file system.
public enum FoldPlan {
    public static func assign(ids: [String], labels: [TrueClass], folds: Int, seed: UInt64) -> [Int] {
        precondition(ids.count == labels.count && folds >= 2)
        var generator = SplitMix64(seed: seed)
        var result = [Int](repeating: 0, count: ids.count)
        for label in TrueClass.allCases {
            var members = ids.indices.filter { labels[$0] == label }.sorted { ids[$0] < ids[$1] }
            members.shuffle(using: &generator)
            for (position, index) in members.enumerated() { result[index] = position % folds }
        }
        return result
    }
}
