import MoatCore

/// First-in first-out queue of scan records that can drop its oldest in O(1) amortised time.
///
/// Two arrays: new records go to the back; the front holds older records in reverse so the oldest is
/// its last element. `Array.removeFirst` would cost O(n) per dropped record once the queue is full.
struct RecordQueue: Sendable {
    private var front: [ScanRecord] = []
    private var back: [ScanRecord] = []

    var count: Int { front.count + back.count }
    var isEmpty: Bool { front.isEmpty && back.isEmpty }

    mutating func append(_ record: ScanRecord) {
        back.append(record)
    }

    /// Removes the oldest record; returns false when empty.
    @discardableResult
    mutating func removeOldest() -> Bool {
        refillFront()
        return front.popLast() != nil
    }

    /// Removes and returns up to `limit` of the oldest records, oldest first.
    mutating func removeOldest(upTo limit: Int) -> [ScanRecord] {
        var batch: [ScanRecord] = []
        batch.reserveCapacity(min(limit, count))
        while batch.count < limit {
            refillFront()
            guard let record = front.popLast() else { break }
            batch.append(record)
        }
        return batch
    }

    private mutating func refillFront() {
        if front.isEmpty && !back.isEmpty {
            front = back.reversed()
            back.removeAll(keepingCapacity: true)
        }
    }
}
