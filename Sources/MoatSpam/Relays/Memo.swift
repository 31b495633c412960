import Synchronization

/// A per-message value computed on first use and kept: several rules and evals ask for the same
/// parse (the relay path, the Received trail, the date shift), and each should pay for it once.
/// Two scans racing on one message may both compute; the value is the same.
final class Memo<Value: Sendable>: Sendable {
    private let storage = Mutex<Value?>(nil)

    func value(_ compute: () -> Value) -> Value {
        if let cached = storage.withLock({ $0 }) { return cached }
        let value = compute()
        storage.withLock { $0 = value }
        return value
    }
}
