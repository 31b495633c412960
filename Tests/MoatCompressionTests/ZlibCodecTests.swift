import MoatCompression
import Testing

@Suite("zlib, once")
struct ZlibCodecTests {
    static let text = Array((0..<2_000).map { "line \($0) of a message kept in quarantine\r\n" }.joined().utf8)

    @Test("deflate then inflate gives the bytes back, at every level")
    func roundTrip() throws {
        for level: Int32 in [0, 1, 6, 9] {
            let packed = try #require(ZlibCodec.deflate(Self.text, level: level))
            let (bytes, end) = ZlibCodec.inflate(packed[...], limit: Self.text.count + 10)
            #expect(bytes == Self.text)
            #expect(end == .streamEnd)
            #expect(ZlibCodec.inflate(packed, exactLength: Self.text.count) == Self.text)
        }
        #expect(ZlibCodec.inflate(try #require(ZlibCodec.deflate([], level: 6)), exactLength: 0) == [])
    }

    @Test("the cap, a cut stream, damage and a wrong length are told apart")
    func ends() throws {
        let packed = try #require(ZlibCodec.deflate(Self.text, level: 6))
        let capped = ZlibCodec.inflate(packed[...], limit: 100)
        #expect(capped.bytes == Array(Self.text.prefix(100)) && capped.end == .limitReached)
        let cut = ZlibCodec.inflate(packed.prefix(packed.count / 2), limit: Self.text.count)
        #expect(cut.end == .inputExhausted)
        #expect(!cut.bytes.isEmpty && Self.text.starts(with: cut.bytes))
        var damaged = packed
        damaged[0] = 0x00  // not a zlib header
        if case .corrupt = ZlibCodec.inflate(damaged[...], limit: 100).end {} else { Issue.record("a bad header must read as corrupt") }
        #expect(ZlibCodec.inflate(packed, exactLength: Self.text.count - 1) == nil)
        #expect(ZlibCodec.inflate(packed, exactLength: Self.text.count + 1) == nil)
        #expect(ZlibCodec.inflate([][...], limit: 10).end == .inputExhausted)
        #expect(ZlibCodec.inflate(packed[...], limit: 0).bytes.isEmpty)
    }
}
