import Crypto

/// The verdict log's `content_hash`: SHA-256 of a message's raw bytes in lower-case hex. One
/// definition, so the daemon's records, its lookups by content, and the store benchmark's synthetic
/// records (whose hashes must spread over the index as real ones do) agree.
public enum ContentHash {
    public static func of(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
