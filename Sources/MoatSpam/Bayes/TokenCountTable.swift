/// Spam and ham counts by Bayes token: the store's token cache, looked up for every token of
/// every message.
///
/// A `[Int64: counts]` dictionary hashed each token (already a 64-bit FNV hash) again with
/// SipHash on every lookup; the cache's lookups were 1.5 % of the whole pipeline's CPU. The
/// tokens' own bits index a `TokenSet`, and the counts sit at each token's place in it.
struct TokenCountTable {
    private var tokens: TokenSet
    private var counts: [(spam: Int, ham: Int)] = []

    /// Room for `capacity` tokens before the table grows.
    init(minimumCapacity capacity: Int = 0) {
        tokens = TokenSet(minimumCapacity: capacity)
        counts.reserveCapacity(capacity)
    }

    var count: Int { tokens.count }

    /// A token's counts, nil when not cached.
    subscript(token: Int64) -> (spam: Int, ham: Int)? {
        tokens.index(of: token).map { counts[$0] }
    }

    /// Adds a token's counts, or replaces them.
    mutating func set(_ token: Int64, _ value: (spam: Int, ham: Int)) {
        let place = tokens.insert(token)
        if place == counts.count { counts.append(value) } else { counts[place] = value }
    }
}
