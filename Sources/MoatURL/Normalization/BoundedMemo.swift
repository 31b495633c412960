import Synchronization

/// Answers of a pure function of a string, kept across messages and shared by concurrent scans:
/// mail repeats a small set of hosts (newsletters, trackers, the same spam runs), and reading a
/// host or checking it against the brands cost over a third of the url engine's time.
///
/// Bounded: once `capacity` answers are held it starts over, so a flood of unique keys costs
/// what it cost without the memo, and never more memory than `capacity` entries.
final class BoundedMemo<Value: Sendable>: Sendable {
    let capacity: Int
    private let entries = Mutex<[String: Value]>([:])

    init(capacity: Int = 20_000) {
        self.capacity = capacity
    }

    /// The answer for `key`, computed by `compute` (outside the lock) when not held.
    func value(_ key: String, compute: () -> Value) -> Value {
        if let known = entries.withLock({ $0[key] }) { return known }
        let value = compute()
        entries.withLock { held in
            if held.count >= capacity { held.removeAll(keepingCapacity: true) }
            held[key] = value
        }
        return value
    }
}
