/// Message contents that killed workers, by hash: two kills make a poison message.
///
/// Bounded: the oldest entries are forgotten first, so a flood of crashing messages cannot grow it.
struct PoisonList: Sendable {
    struct Entry: Sendable, Hashable {
        var kills: Int
        /// The engine that was running when the worker died.
        var engine: String
    }

    /// How many worker deaths make a message poison.
    static let threshold = 2

    let capacity: Int
    private var entries: [String: Entry] = [:]
    private var order: [String] = []

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// The entry for a hash that has reached the threshold.
    func poison(_ hash: String) -> Entry? {
        guard let entry = entries[hash], entry.kills >= Self.threshold else { return nil }
        return entry
    }

    /// Counts one kill; returns the entry after counting.
    @discardableResult
    mutating func recordKill(_ hash: String, engine: String, kills: Int = 1) -> Entry {
        if var entry = entries[hash] {
            entry.kills += kills
            entry.engine = engine
            entries[hash] = entry
            return entry
        }
        let entry = Entry(kills: kills, engine: engine)
        entries[hash] = entry
        order.append(hash)
        while order.count > capacity {
            entries[order.removeFirst()] = nil
        }
        return entry
    }

    /// A message scanned cleanly after a worker died under it was not the cause: forget its kill.
    mutating func clear(_ hash: String) {
        guard entries.removeValue(forKey: hash) != nil else { return }
        order.removeAll { $0 == hash }
    }

    var count: Int { entries.count }

    var isEmpty: Bool { entries.isEmpty }
}
