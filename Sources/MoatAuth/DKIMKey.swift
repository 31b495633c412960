import Crypto
import _CryptoExtras

/// A DKIM public key from its DNS TXT record (`v=DKIM1; k=rsa; p=MIIB...`, RFC 6376 section 3.6.1).
public struct DKIMKey: Sendable {
    public enum Material: Sendable {
        case rsa(_RSA.Signing.PublicKey)
        /// The 32-byte raw key (checked when parsed; swift-crypto's key type is not Sendable).
        case ed25519([UInt8])
    }

    public var material: Material

    /// Parses the record; an empty `p=` is a revoked key, anything unusable a permanent error.
    public init(record: String) throws(DKIMError) {
        var table: [String: String] = [:]
        for (name, value) in DKIMSignature.tags(record) { table[name] = value }
        if let version = table["v"], version != "DKIM1" { throw .permanent("key record v=\(version)") }
        guard let encoded = table["p"] else { throw .permanent("key record has no p=") }
        guard !encoded.isEmpty else { throw .permanent("key revoked (empty p=)") }
        guard let bytes = DKIMSignature.base64(encoded) else { throw .permanent("key p= is not base64") }
        switch (table["k"] ?? "rsa").lowercased() {
        case "rsa":
            // 1024-bit keys are still common in DKIM (RFC 8301 requires verifiers to accept them).
            guard let key = try? _RSA.Signing.PublicKey(unsafeDERRepresentation: bytes) else {
                throw .permanent("key p= is not an RSA public key")
            }
            material = .rsa(key)
        case "ed25519":
            guard (try? Curve25519.Signing.PublicKey(rawRepresentation: bytes)) != nil else {
                throw .permanent("key p= is not an Ed25519 public key")
            }
            material = .ed25519(bytes)
        case let other:
            throw .permanent("unknown key type k=\(other)")
        }
    }
}
