import Synchronization

/// Values worked out on first use, by key, and shared by every later asker: `SharedValue` for
/// many keys (a message's header texts by selector, its address lists by header, compiled eval
/// patterns by text). Two first askers may both compute; one result is kept and both return it.
public final class SharedTable<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    // Inlinable for the reason `SharedValue` is: specialized in the modules that use it.
    @usableFromInline let storage: Mutex<[Key: Value]>

    public init(minimumCapacity: Int = 0) {
        storage = Mutex(Dictionary(minimumCapacity: minimumCapacity))
    }

    /// The value stored for `key`, or `compute()`'s, stored for the next caller.
    @inlinable public func value(for key: Key, _ compute: () -> Value) -> Value {
        if let cached = storage.withLock({ $0[key] }) { return cached }
        let computed = compute()
        return storage.withLock { table in
            if let stored = table[key] { return stored }
            table[key] = computed
            return computed
        }
    }
}
