import Foundation
import MoatCore

/// The feedback this node has counted, so a notification and the reconciliation that reads the
/// same feedback back from the store never count it twice. Bounded: the oldest keys go first.
struct FeedbackLedger: Sendable {
    private var keys: Set<String> = []
    private var order: [String] = []
    private var start = 0
    let limit: Int

    init(limit: Int = 200_000) {
        self.limit = max(1, limit)
    }

    static func key(_ feedback: Feedback) -> String {
        "\(feedback.scanID)|\(Int64((feedback.at.timeIntervalSince1970 * 1000).rounded()))|\(feedback.trueClass.rawValue)"
    }

    /// Records `feedback`; false when it was counted already.
    mutating func insert(_ feedback: Feedback) -> Bool {
        let key = Self.key(feedback)
        guard keys.insert(key).inserted else { return false }
        order.append(key)
        if order.count - start > limit {
            keys.remove(order[start])
            start += 1
            if start > limit {
                order.removeFirst(start)
                start = 0
            }
        }
        return true
    }

    var count: Int { keys.count }
}
