import Crypto
import Foundation
import Logging
import MoatCompression
import MoatCore

/// How a quarantined message is kept at rest: zlib-compressed, and sealed with AES-256-GCM when a
/// key is configured, so a copy of the database (a backup, a replica) does not hand out the mail.
///
/// Stored form: `MQZ1`, a flags byte (1: compressed, 2: sealed), the original length (8 bytes, big
/// endian), the key's 8-byte fingerprint when sealed, then the payload (the sealed box's nonce,
/// ciphertext and tag when sealed). Rows written before the codec existed hold the bare message and
/// are read as they are.
public struct QuarantineCodec: Sendable {
    /// Compress before storing (to 44–48 % of the bytes on the corpus: bench/results/cluster-2026-12-03.md).
    public var compress: Bool
    /// Largest message kept with its bytes; a larger one is kept as metadata only (and reported).
    public var maxMessageBytes: Int
    /// The sealing key's bytes (`SymmetricKey` is not `Sendable`; one is made per use).
    private let keyBytes: [UInt8]?
    private var key: SymmetricKey? { keyBytes.map { SymmetricKey(data: $0) } }

    static let magic: [UInt8] = Array("MQZ1".utf8)
    /// Never inflate beyond this, whatever a header says.
    static let hardLimit = 1 << 30

    public enum CodecError: Error, CustomStringConvertible, Equatable {
        case badKey(String)
        case wrongKey
        case noKey
        case corrupt(String)

        public var description: String {
            switch self {
            case .badKey(let reason): "quarantine key: \(reason)"
            case .wrongKey: "the quarantined message was sealed with another key"
            case .noKey: "the quarantined message is sealed and no quarantine key is configured"
            case .corrupt(let reason): "quarantined message unreadable: \(reason)"
            }
        }
    }

    /// Compression only (no key): what a store uses unless configured otherwise.
    public init(compress: Bool = true, maxMessageBytes: Int = 25 << 20) {
        self.compress = compress
        self.maxMessageBytes = maxMessageBytes
        keyBytes = nil
    }

    /// Sealing with a 32-byte key.
    public init(compress: Bool = true, maxMessageBytes: Int = 25 << 20, key: [UInt8]) throws {
        guard key.count == 32 else { throw CodecError.badKey("must be 32 bytes (AES-256), got \(key.count)") }
        self.compress = compress
        self.maxMessageBytes = maxMessageBytes
        keyBytes = key
    }

    /// The column value for a quarantine entry's bytes: nil when none are kept, or the message is
    /// over `maxMessageBytes` (logged: the entry is kept, without a copy to release).
    func column(for entry: QuarantineEntry, keepRaw: Bool, logger: Logger) throws -> Data? {
        guard keepRaw, let raw = entry.raw else { return nil }
        guard let stored = try encode(raw) else {
            logger.warning("quarantined message kept without its bytes: larger than quarantine_max_bytes", metadata: [
                "moat.id": "\(entry.scanID)", "message.bytes": "\(raw.count)", "store.quarantine_max_bytes": "\(maxMessageBytes)",
            ])
            return nil
        }
        return Data(stored)
    }

    /// The message from a column value; nil (logged) when it cannot be read with this codec.
    func message(from column: Data?, scanID: String, logger: Logger) -> [UInt8]? {
        guard let column else { return nil }
        do {
            return try decode([UInt8](column))
        } catch {
            logger.error("cannot read a quarantined message", metadata: ["moat.id": "\(scanID)", "error.message": "\(error)"])
            return nil
        }
    }

    /// Reads a key file: 32 raw bytes, or their base64 or hex text (whitespace ignored).
    public static func readKey(path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw CodecError.badKey("cannot read \(path)") }
        if data.count == 32 { return Array(data) }
        let text = String(decoding: data, as: UTF8.self).filter { !$0.isWhitespace }
        if let decoded = Data(base64Encoded: text), decoded.count == 32 { return Array(decoded) }
        if text.count == 64, text.allSatisfy(\.isHexDigit) {
            var bytes: [UInt8] = []
            var index = text.startIndex
            while index < text.endIndex {
                let next = text.index(index, offsetBy: 2)
                guard let byte = UInt8(text[index..<next], radix: 16) else { break }
                bytes.append(byte)
                index = next
            }
            if bytes.count == 32 { return bytes }
        }
        throw CodecError.badKey("\(path) holds neither 32 bytes nor their base64 or hex text")
    }

    public var seals: Bool { keyBytes != nil }

    /// The stored form of `raw`, or nil when it is larger than `maxMessageBytes`.
    public func encode(_ raw: [UInt8]) throws -> [UInt8]? {
        guard raw.count <= maxMessageBytes else { return nil }
        var flags: UInt8 = 0
        var payload = raw
        if compress, let packed = Self.deflate(raw), packed.count < raw.count {
            payload = packed
            flags |= 1
        }
        var out = Self.magic
        var header: [UInt8] = []
        if let key {
            flags |= 2
            header = fingerprint(key)
            payload = Array(try AES.GCM.seal(payload, using: key).combined ?? Data())
        }
        out.append(flags)
        withUnsafeBytes(of: UInt64(raw.count).bigEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: header)
        out.append(contentsOf: payload)
        return out
    }

    /// The message from its stored form.
    public func decode(_ stored: [UInt8]) throws -> [UInt8] {
        guard stored.count >= 13, Array(stored.prefix(4)) == Self.magic else { return stored }
        let flags = stored[4]
        var length: UInt64 = 0
        for byte in stored[5..<13] { length = length << 8 | UInt64(byte) }
        guard length <= UInt64(Self.hardLimit) else { throw CodecError.corrupt("length \(length) over the limit") }
        var payload = Array(stored[13...])
        if flags & 2 != 0 {
            guard let key else { throw CodecError.noKey }
            guard payload.count >= 8, Array(payload.prefix(8)) == fingerprint(key) else { throw CodecError.wrongKey }
            do {
                payload = Array(try AES.GCM.open(AES.GCM.SealedBox(combined: payload.dropFirst(8)), using: key))
            } catch {
                throw CodecError.corrupt("authentication failed")
            }
        }
        if flags & 1 != 0 {
            guard let inflated = Self.inflate(payload, length: Int(length)) else { throw CodecError.corrupt("zlib stream damaged") }
            payload = inflated
        }
        guard payload.count == Int(length) else { throw CodecError.corrupt("length \(payload.count), expected \(length)") }
        return payload
    }

    private func fingerprint(_ key: SymmetricKey) -> [UInt8] {
        let digest = key.withUnsafeBytes { SHA256.hash(data: Array("moat-quarantine".utf8) + Array($0)) }
        return Array(digest.prefix(8))
    }

    static func deflate(_ bytes: [UInt8]) -> [UInt8]? {
        ZlibCodec.deflate(bytes, level: 6)
    }

    static func inflate(_ bytes: [UInt8], length: Int) -> [UInt8]? {
        guard length >= 0, length <= hardLimit else { return nil }
        return ZlibCodec.inflate(bytes, exactLength: length)
    }
}
