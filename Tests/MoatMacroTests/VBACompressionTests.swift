import Testing
@testable import MoatMacro

@Suite struct VBACompressionTests {
    @Test(arguments: [0, 1, 7, 100, 3000, 4096, 4097, 9000, 20_000])
    func roundTrip(length: Int) throws {
        var rng = SplitMix(seed: UInt64(length))
        // Repetitive text (copy tokens) mixed with noise (literals and raw chunks).
        let words = ["Sub ", "AutoOpen", "()\r\n", "Shell ", "\"calc\"", "End Sub\r\n"]
        var data: [UInt8] = []
        while data.count < length {
            data += rng.next() % 5 == 0 ? [UInt8(truncatingIfNeeded: rng.next())] : Array(words[Int(rng.next() % 6)].utf8)
        }
        data = Array(data.prefix(length))
        #expect(try VBACompression.decompress(VBACompression.compress(data)[...]) == data)
    }

    /// The example of MS-OVBA 3.2.3 ("#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa").
    @Test func specExample() throws {
        let compressed: [UInt8] = [0x01, 0x2F, 0xB0, 0x00, 0x23, 0x61, 0x61, 0x61, 0x62, 0x63, 0x64, 0x65, 0x82, 0x66, 0x00, 0x70,
                                   0x61, 0x67, 0x68, 0x69, 0x6A, 0x01, 0x38, 0x08, 0x61, 0x6B, 0x6C, 0x00, 0x30, 0x6D, 0x6E, 0x6F,
                                   0x70, 0x06, 0x71, 0x02, 0x70, 0x04, 0x10, 0x72, 0x73, 0x74, 0x75, 0x76, 0x10, 0x77, 0x78, 0x79,
                                   0x7A, 0x00, 0x3C]
        let text = String(decoding: try VBACompression.decompress(compressed[...]), as: UTF8.self)
        #expect(text == "#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa")
    }

    @Test func hostileInputThrows() {
        #expect(throws: VBACompression.Failure.badSignature(0x02)) { try VBACompression.decompress([0x02, 0x00][...]) }
        // A copy token in first position reaches before the chunk.
        #expect(throws: VBACompression.Failure.self) { try VBACompression.decompress([0x01, 0x03, 0xB0, 0x01, 0x00, 0x00][...]) }
    }

    @Test func randomInputNeverTraps() {
        var rng = SplitMix(seed: 99)
        for _ in 0..<500 {
            var b = (0..<Int(rng.next() % 300)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            if !b.isEmpty { b[0] = 0x01 }
            _ = try? VBACompression.decompress(b[...], limit: 1 << 16)
            _ = try? VBADirectory(decompressed: b)
        }
    }

    @Test func outputIsCapped() {
        // One chunk whose copy tokens repeat a byte far past the cap.
        var chunk: [UInt8] = [0x00, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41, 0x41]
        for _ in 0..<400 { chunk += [0xFF, 0x00, 0x0F, 0x00, 0x0F] + [0x00, 0x0F, 0x00, 0x0F, 0x00, 0x0F, 0x00, 0x0F, 0x00, 0x0F, 0x00, 0x0F] }
        chunk = Array(chunk.prefix(4000))
        let header = UInt16(0xB000) | UInt16(chunk.count - 1)
        let data: [UInt8] = [0x01, UInt8(header & 0xFF), UInt8(header >> 8)] + chunk
        #expect(throws: VBACompression.Failure.outputLimit(1000)) { try VBACompression.decompress(data[...], limit: 1000) }
    }
}
