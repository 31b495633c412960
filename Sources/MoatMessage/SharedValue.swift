import Synchronization

/// A value of one message computed by whichever engine (or rule) asks first and then shared by
/// all of them: the engines scan one `Message` concurrently, and each used to convert the same
/// text parts from their charsets on its own; the spam engine's evals share the relay path and
/// other per-message parses the same way. Two first askers racing may both compute; the value is
/// the same, and the first stored wins.
public final class SharedValue<Value: Sendable>: Sendable {
    // Inlinable, so callers in other modules get it specialized to their value type: unspecialized,
    // each call looked up the generic metadata of `Value?` (0.7 % of a spam scan's profile samples).
    @usableFromInline let storage = Mutex<Value?>(nil)

    public init() {}

    /// The stored value, or `compute()`'s, stored for the next caller.
    @inlinable public func value(_ compute: () -> Value) -> Value {
        if let cached = storage.withLock({ $0 }) { return cached }
        let computed = compute()
        return storage.withLock { stored in
            if let stored { return stored }
            stored = computed
            return computed
        }
    }
}
