/// A seeded xorshift generator: differential tests (a byte-level routine against the `String`
/// definition it replaced) draw the same texts on every run, so a failure can be replayed.
public struct TestRandom {
    private var state: UInt64

    public init(seed: UInt64) {
        state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed
    }

    /// A number in `0..<bound` (bound > 0).
    public mutating func next(below bound: Int) -> Int {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return Int(state % UInt64(max(1, bound)))
    }

    /// `count` texts, each of up to `maxPieces` pieces drawn from `pieces` and joined.
    public mutating func texts(from pieces: [String], count: Int, maxPieces: Int) -> [String] {
        (0..<count).map { _ in
            let length = next(below: maxPieces + 1)
            return (0..<length).map { _ in pieces[next(below: pieces.count)] }.joined()
        }
    }
}
