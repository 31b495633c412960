import Foundation
import MoatCore
@testable import MoatStore
import Testing

@Suite("Quarantined messages at rest")
struct QuarantineCodecTests {
    static let key = (0..<32).map { UInt8($0 * 7 % 251) }
    static let otherKey = (0..<32).map { UInt8(255 - $0) }
    static let message = Array(("From: a@example.org\r\nSubject: invoice\r\n\r\n" + String(repeating: "Please pay the attached invoice today.\r\n", count: 200)).utf8)

    @Test("compressed, sealed, and read back; the plaintext is nowhere in the stored form")
    func roundTrip() throws {
        let codec = try QuarantineCodec(key: Self.key)
        let stored = try #require(try codec.encode(Self.message))
        #expect(stored.count < Self.message.count / 4, "compressed: \(stored.count) of \(Self.message.count) bytes")
        #expect(Array(stored.prefix(4)) == Array("MQZ1".utf8))
        #expect(!String(decoding: stored, as: UTF8.self).contains("invoice"))
        #expect(try codec.decode(stored) == Self.message)
        // Compression alone, and neither: both read back.
        for plain in [QuarantineCodec(), QuarantineCodec(compress: false)] {
            let kept = try #require(try plain.encode(Self.message))
            #expect(try plain.decode(kept) == Self.message)
        }
        #expect(try QuarantineCodec().encode([]).map { try QuarantineCodec().decode($0) } == [])
    }

    @Test("another key, no key, a damaged copy or a forged length: an error, never a crash")
    func failures() throws {
        let stored = try #require(try QuarantineCodec(key: Self.key).encode(Self.message))
        #expect(throws: QuarantineCodec.CodecError.wrongKey) { try QuarantineCodec(key: Self.otherKey).decode(stored) }
        #expect(throws: QuarantineCodec.CodecError.noKey) { try QuarantineCodec().decode(stored) }
        var damaged = stored
        damaged[damaged.count - 5] ^= 0x40
        #expect(throws: QuarantineCodec.CodecError.self) { try QuarantineCodec(key: Self.key).decode(damaged) }
        var compressed = try #require(try QuarantineCodec().encode(Self.message))
        compressed[12] ^= 0x01  // the length no longer matches the stream
        #expect(throws: QuarantineCodec.CodecError.self) { try QuarantineCodec().decode(compressed) }
        compressed = try #require(try QuarantineCodec().encode(Self.message))
        for index in 5..<13 { compressed[index] = 0xFF }  // a length over the hard limit
        #expect(throws: QuarantineCodec.CodecError.self) { try QuarantineCodec().decode(compressed) }
        #expect(throws: QuarantineCodec.CodecError.self) { try QuarantineCodec(key: [1, 2, 3]) }
        // Every truncation of a stored form is an error or the bytes it still holds, never a trap.
        for length in 0..<stored.count { _ = try? QuarantineCodec(key: Self.key).decode(Array(stored.prefix(length))) }
    }

    @Test("a row from before the codec (the bare message) reads as it is; an oversized message keeps no bytes")
    func legacyAndLimit() throws {
        #expect(try QuarantineCodec().decode(Self.message) == Self.message)
        #expect(try QuarantineCodec(maxMessageBytes: 100).encode(Self.message) == nil)
    }

    @Test("key files: raw bytes, base64 or hex")
    func keyFiles() throws {
        let directory = NSTemporaryDirectory() + "moat-key-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let forms: [String: Data] = [
            "raw": Data(Self.key),
            "b64": Data((Data(Self.key).base64EncodedString() + "\n").utf8),
            "hex": Data(Self.key.map { String(format: "%02x", $0) }.joined().utf8),
        ]
        for (name, data) in forms {
            try data.write(to: URL(fileURLWithPath: "\(directory)/\(name)"))
            #expect(try QuarantineCodec.readKey(path: "\(directory)/\(name)") == Self.key, "\(name)")
        }
        try Data("too short".utf8).write(to: URL(fileURLWithPath: "\(directory)/bad"))
        #expect(throws: QuarantineCodec.CodecError.self) { try QuarantineCodec.readKey(path: "\(directory)/bad") }
    }

    @Test("both stores keep the sealed form, read it back with the key, and not without", arguments: Backend.available)
    func stores(_ backend: Backend) async throws {
        let codec = try QuarantineCodec(key: Self.key)
        try await withStore(backend, codec: codec) { fixture in
            let entry = QuarantineEntry(scanID: "sealed", reason: "phishing", queueID: "Q1", mailFrom: "a@example.org",
                                        recipients: ["b@example.net"], raw: Self.message)
            try await fixture.store.quarantine(entry)
            let atRest = try #require(try await fixture.store.storedQuarantineBytes(scanID: "sealed"))
            #expect(Array(atRest.prefix(4)) == Array("MQZ1".utf8))
            #expect(!String(decoding: atRest, as: UTF8.self).contains("invoice"))
            #expect(try await fixture.store.quarantined(scanID: "sealed")?.raw == Self.message)
            // Another daemon without the key lists the entry but has no copy to release.
            let keyless = try fixture.reopen(codec: QuarantineCodec())
            let seen = try await keyless.quarantined(scanID: "sealed")
            #expect(seen?.reason == "phishing")
            #expect(seen?.raw == nil)
            try await keyless.close()
            // Over the size limit: the entry without bytes.
            let small = try fixture.reopen(codec: QuarantineCodec(maxMessageBytes: 100))
            try await small.quarantine(QuarantineEntry(scanID: "big", reason: "spam", raw: Self.message))
            #expect(try await small.quarantined(scanID: "big")?.raw == nil)
            #expect(try await small.quarantined(scanID: "big")?.reason == "spam")
            try await small.close()
        }
    }
}
