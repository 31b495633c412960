/// The distinct Bayes token hashes of one message, in the order first seen.
///
/// Tokens are already 64-bit FNV hashes, so hashing them again (as `Set<Int64>` does, with
/// SipHash, for each of the thousand-odd words of a message) bought nothing and was a third of
/// tokenizing. An open-addressing table indexed by the token's own bits keeps them unique; the
/// list keeps the order they were seen in, so a message always yields its tokens in one order
/// (a `Set`'s order changed from process to process).
struct TokenSet: Sequence, Equatable {
    /// The tokens, each once, in the order first inserted.
    private var tokens: [Int64] = []
    /// Slots holding index + 1 into `tokens` (0: empty); the count is a power of two.
    private var slots: [Int32]
    private var mask: Int

    /// Room for `capacity` tokens before the table grows.
    init(minimumCapacity capacity: Int = 0) {
        var size = 16
        while size < capacity * 2 { size <<= 1 }
        slots = [Int32](repeating: 0, count: size)
        mask = size - 1
        tokens.reserveCapacity(capacity)
    }

    var count: Int { tokens.count }

    func makeIterator() -> IndexingIterator<[Int64]> { tokens.makeIterator() }

    /// Adds `token` unless present; returns its place in insertion order either way (what
    /// `TokenCountTable` keeps its values by).
    @discardableResult
    mutating func insert(_ token: Int64) -> Int {
        if (tokens.count + 1) * 2 > slots.count { grow() }
        var index = Self.home(token, mask)
        while true {
            let slot = Int(slots[index])
            if slot == 0 {
                tokens.append(token)
                slots[index] = Int32(truncatingIfNeeded: tokens.count)
                return tokens.count - 1
            }
            if tokens[slot - 1] == token { return slot - 1 }
            index = (index + 1) & mask
        }
    }

    /// `token`'s place in insertion order, nil when absent.
    func index(of token: Int64) -> Int? {
        var index = Self.home(token, mask)
        while true {
            let slot = Int(slots[index])
            if slot == 0 { return nil }
            if tokens[slot - 1] == token { return slot - 1 }
            index = (index + 1) & mask
        }
    }

    func contains(_ token: Int64) -> Bool { index(of: token) != nil }

    /// The same tokens, whatever order each was inserted in.
    static func == (a: TokenSet, b: TokenSet) -> Bool {
        a.count == b.count && a.tokens.allSatisfy { b.contains($0) }
    }

    /// The slot a token starts probing at: its high bits after a multiplicative mix (FNV-1a's
    /// low bits are its weakest).
    @inline(__always)
    private static func home(_ token: Int64, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: token) &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    private mutating func grow() {
        let size = slots.count * 2
        slots = [Int32](repeating: 0, count: size)
        mask = size - 1
        for (i, token) in tokens.enumerated() {
            var index = Self.home(token, mask)
            while slots[index] != 0 { index = (index + 1) & mask }
            slots[index] = Int32(truncatingIfNeeded: i + 1)
        }
    }
}
