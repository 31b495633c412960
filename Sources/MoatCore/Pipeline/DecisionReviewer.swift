import Synchronization

/// A last word on a decision before anyone sees it: outbound protection (a sender over its
/// limits, a mis-send guard, the send-hold) changes the action of mail the engines let through.
///
/// Unlike an observer it runs on the scan path and may wait (it stores what it decided before the
/// MTA is answered, so a hold survives a restart), so it must stay short.
public protocol DecisionReviewer: Sendable {
    func review(_ input: ScanInput, decision: Decision) async -> Decision
}

/// The reviewers of one pipeline, in order; registered after it is built.
public final class DecisionReviewers: Sendable {
    private let reviewers = Mutex<[any DecisionReviewer]>([])

    public init() {}

    public func add(_ reviewer: any DecisionReviewer) {
        reviewers.withLock { $0.append(reviewer) }
    }

    func review(_ input: ScanInput, decision: Decision) async -> Decision {
        let current = reviewers.withLock { $0 }
        var decision = decision
        for reviewer in current { decision = await reviewer.review(input, decision: decision) }
        return decision
    }
}
