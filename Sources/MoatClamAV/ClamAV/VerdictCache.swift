import Synchronization

/// A bounded map from scanned bytes (their SHA-256) to libclamav's outcome under one database.
///
/// The same attachment often arrives many times (a campaign, a mailing list); its outcome under an
/// unchanged database is the same, so it is scanned once. Entries belong to a database
/// generation: a reload clears them, and a scan still running on the old database can neither read
/// nor write the new generation's entries. Eviction is CLOCK (second chance), an LRU approximation
/// with O(1) work per hit.
final class VerdictCache: Sendable {
    private struct Slot {
        var key: ContentDigest
        var outcome: ScanOutcome
        var referenced: Bool
    }

    private struct Storage {
        var generation: Int
        var index: [ContentDigest: Int] = [:]
        var slots: [Slot] = []
        var hand = 0
        var hits = 0
        var misses = 0
    }

    /// Most entries kept (0 disables the cache).
    let capacity: Int
    private let storage: Mutex<Storage>

    init(capacity: Int, generation: Int = 0) {
        self.capacity = max(0, capacity)
        storage = Mutex(Storage(generation: generation))
    }

    /// The outcome stored for `key` under `generation`, counting a hit or a miss.
    func lookup(_ key: ContentDigest, generation: Int) -> ScanOutcome? {
        guard capacity > 0 else { return nil }
        return storage.withLock { storage in
            guard storage.generation == generation, let slot = storage.index[key] else {
                storage.misses += 1
                return nil
            }
            storage.hits += 1
            storage.slots[slot].referenced = true
            return storage.slots[slot].outcome
        }
    }

    /// Stores `outcome`; ignored if the cache moved to another generation meanwhile.
    func insert(_ key: ContentDigest, _ outcome: ScanOutcome, generation: Int) {
        guard capacity > 0 else { return }
        storage.withLock { storage in
            guard storage.generation == generation else { return }
            if let slot = storage.index[key] {
                storage.slots[slot].outcome = outcome
                return
            }
            let entry = Slot(key: key, outcome: outcome, referenced: false)
            if storage.slots.count < capacity {
                storage.index[key] = storage.slots.count
                storage.slots.append(entry)
                return
            }
            while storage.slots[storage.hand].referenced {
                storage.slots[storage.hand].referenced = false
                storage.hand = (storage.hand + 1) % capacity
            }
            storage.index[storage.slots[storage.hand].key] = nil
            storage.slots[storage.hand] = entry
            storage.index[key] = storage.hand
            storage.hand = (storage.hand + 1) % capacity
        }
    }

    /// Drops every entry and moves to `generation` (never backwards); hit counters are kept.
    func reset(generation: Int) {
        storage.withLock { storage in
            guard generation > storage.generation else { return }
            storage.generation = generation
            storage.index = [:]
            storage.slots = []
            storage.hand = 0
        }
    }

    /// Entries held, hits and misses so far.
    var statistics: (entries: Int, hits: Int, misses: Int) {
        storage.withLock { ($0.slots.count, $0.hits, $0.misses) }
    }
}
