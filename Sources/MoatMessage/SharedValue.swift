import Synchronization

/// A value of one message computed by whichever engine asks first and then shared by all of
/// them: the engines scan one `Message` concurrently, and each used to convert the same text
/// parts from their charsets on its own. Two first askers racing may both compute; the value
/// is the same, and the first stored wins.
final class SharedValue<Value: Sendable>: Sendable {
    private let storage = Mutex<Value?>(nil)

    func value(_ compute: () -> Value) -> Value {
        if let cached = storage.withLock({ $0 }) { return cached }
        let computed = compute()
        return storage.withLock { stored in
            if let stored { return stored }
            stored = computed
            return computed
        }
    }
}
