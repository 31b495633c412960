import NIOCore
import Testing

@testable import MoatMilter

/// Seeded random mutation of valid milter streams, run by every `swift test` beside the libFuzzer
/// target `milter` (see `MilterFuzzEntries`). Deterministic (fixed seeds, SplitMix64), so a trap
/// reproduces on every run; save the offending input under `Tests/Fuzz/regressions/milter/` with the fix.
@Suite("Milter codec mutation")
struct MilterMutationTests {
    /// SplitMix64: tiny, fast, and the same sequence on every platform.
    struct SplitMix64: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    static let commands: [MilterCommand] = [
        .optionNegotiation(version: 6, actions: .all, protocolOptions: .all),
        .macro(stage: UInt8(ascii: "C"), macros: [MilterMacro(name: "j", value: "mx.example.org"), MilterMacro(name: "_", value: "c [192.0.2.1]")]),
        .connect(hostname: "client.example.org", family: .inet4, port: 54321, address: "192.0.2.1"),
        .connect(hostname: "[2001:db8::1]", family: .inet6, port: 25, address: "2001:db8::1"),
        .connect(hostname: "unknown", family: .unknown, port: 0, address: ""),
        .helo(Array("client.example.org".utf8)),
        .mail(arguments: [Array("<alice@example.org>".utf8), Array("SIZE=1234".utf8)]),
        .recipient(arguments: [Array("<bob@example.net>".utf8)]),
        .data,
        .header(name: "Subject", value: Array("hello".utf8)),
        .endOfHeaders,
        .body(ByteBuffer(string: "line one\r\n")),
        .endOfMessage(ByteBuffer(string: "last\r\n")),
        .abort, .quit, .quitNewConnection,
        .unknown(Array("XYZZY".utf8)),
    ]

    /// One valid session: every command encoded back to back.
    static func session() throws -> [UInt8] {
        var out = ByteBuffer()
        for command in commands { try MilterCommandEncoder().encode(data: command, out: &out) }
        return Array(out.readableBytesView)
    }

    /// Byte flips, interesting values, insertions, deletions and splices.
    static func mutate(_ input: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = input
        for _ in 0..<Int.random(in: 1...8, using: &rng) {
            let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &rng)
            switch Int.random(in: 0..<6, using: &rng) {
            case 0 where !bytes.isEmpty: bytes[position] ^= UInt8(truncatingIfNeeded: 1 << Int.random(in: 0..<8, using: &rng))
            case 1 where !bytes.isEmpty: bytes[position] = [0x00, 0xFF, 0x7F, 0x80, 0x01, 0x0A][Int.random(in: 0..<6, using: &rng)]
            case 2: bytes.insert(UInt8.random(in: 0...255, using: &rng), at: position)
            case 3 where !bytes.isEmpty: bytes.removeSubrange(position..<min(bytes.count, position + Int.random(in: 1...16, using: &rng)))
            case 4 where bytes.count >= 4:
                // A hostile length prefix.
                let at = Int.random(in: 0...(bytes.count - 4), using: &rng)
                let value = [UInt32.max, 0, 1, 0x8000_0000, 0x0010_0001][Int.random(in: 0..<5, using: &rng)]
                withUnsafeBytes(of: value.bigEndian) { bytes.replaceSubrange(at..<(at + 4), with: $0) }
            default:
                let from = Int.random(in: 0..<max(1, input.count), using: &rng)
                bytes.insert(contentsOf: input[min(from, input.count)...].prefix(32), at: position)
            }
        }
        return bytes
    }

    @Test("20,000 mutated command streams decode or throw, never trap")
    func commandStreams() throws {
        let seed = try Self.session()
        var rng = SplitMix64(state: 15)
        for _ in 0..<20_000 {
            MilterFuzzEntries.command(Self.mutate(seed, &rng))
        }
    }

    @Test("20,000 random byte strings through the command and reply decoders")
    func randomBytes() {
        var rng = SplitMix64(state: 2026)
        for _ in 0..<20_000 {
            let count = Int.random(in: 0...64, using: &rng)
            var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) }
            // Mostly-valid framing, so the payload parsers are reached.
            if bytes.count >= 5 {
                withUnsafeBytes(of: UInt32(bytes.count - 4).bigEndian) { bytes.replaceSubrange(0..<4, with: $0) }
                bytes[4] = Array("ODCHMRTLNBEAQKU".utf8)[Int.random(in: 0..<15, using: &rng)]
            }
            MilterFuzzEntries.command(bytes)
            MilterFuzzEntries.reply(bytes)
        }
    }
}
