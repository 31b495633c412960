/// The fixed split of a labelled corpus into a development part and an untouched holdout.
///
/// A message belongs to the holdout when a stable hash (FNV-1a, 64 bits) of its last two path
/// components (`spam/00042.abc…`, `email/sample-17.eml`) falls in the lowest `percent` of 100
/// buckets. The split depends on nothing but the file's name, so it is the same on every machine,
/// for every seed and every tool: `moat train` never reads the holdout, and `moat bench accuracy
/// --split holdout` reads nothing else.
public struct CorpusSplit: Sendable, Hashable {
    public enum Part: String, Sendable, CaseIterable {
        case all, dev, holdout
    }

    /// Share of the corpus held out, in percent (0 holds out nothing).
    public var percent: Int

    public init(percent: Int = 20) {
        self.percent = min(max(percent, 0), 100)
    }

    public func isHoldout(_ path: String) -> Bool {
        let components = path.split(separator: "/").suffix(2).joined(separator: "/")
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in components.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        return Int(hash % 100) < percent
    }

    public func select(_ messages: [LabelledMessage], _ part: Part) -> [LabelledMessage] {
        switch part {
        case .all: messages
        case .dev: messages.filter { !isHoldout($0.path) }
        case .holdout: messages.filter { isHoldout($0.path) }
        }
    }
}
