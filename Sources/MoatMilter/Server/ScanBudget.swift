/// Bounds the bytes of messages being scanned at once, so peak memory depends on this budget and
/// not on how many large messages arrive together.
///
/// Bodies are spooled to disk while they arrive, but parsing and scanning need a message in memory
/// (about three times its size: the body, the assembled message, decoded parts). A scan reserves
/// its cost first and waits, FIFO, while the budget is spent; a message larger than the whole budget
/// runs alone.
actor ScanBudget {
    private let capacity: Int
    private var inUse = 0
    private var waiters: [(cost: Int, continuation: CheckedContinuation<Void, Never>)] = []

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Waits until `cost` bytes fit, then reserves them; returns the amount actually reserved.
    func reserve(_ cost: Int) async -> Int {
        let granted = min(cost, capacity)
        if waiters.isEmpty && inUse + granted <= capacity {
            inUse += granted
            return granted
        }
        await withCheckedContinuation { waiters.append((granted, $0)) }
        return granted
    }

    /// Returns reserved bytes and wakes the waiters that now fit, in arrival order.
    func release(_ granted: Int) {
        inUse -= granted
        while let first = waiters.first, inUse + first.cost <= capacity {
            waiters.removeFirst()
            inUse += first.cost
            first.continuation.resume()
        }
    }

    var bytesInUse: Int { inUse }
}
