import Crypto
import Foundation
import MoatMessage
import _CryptoExtras

/// One signature's outcome, as `Authentication-Results` reports it (RFC 8601 `dkim=`).
public struct DKIMResult: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable, CaseIterable {
        case pass, fail, neutral, permerror, temperror
    }

    public var status: Status
    public var domain: String?
    public var selector: String?
    /// Why, for anything but pass.
    public var reason: String
}

/// Verifies the DKIM signatures of a message (RFC 6376; rsa-sha256 and ed25519-sha256, RFC 8463).
///
/// swift-crypto rather than libopendkim: the RSA and Ed25519 primitives are BoringSSL's and
/// already linked; the protocol logic (tag lists, canonicalisation, header selection) is small,
/// lives here, and reads the message Moat already parsed, so hostile input meets one parser. Keys
/// come from `keyLookup` (`selector._domainkey.domain` TXT), which the DNS layer provides.
public struct DKIMVerifier: Sendable {
    /// At most this many signatures are checked per message (the rest are `neutral`).
    public var maxSignatures: Int
    public var now: @Sendable () -> Date

    public init(maxSignatures: Int = 8, now: @escaping @Sendable () -> Date = { Date() }) {
        self.maxSignatures = maxSignatures
        self.now = now
    }

    /// Every DKIM-Signature of `message`, in header order; none gives an empty list (`dkim=none`).
    public func verify(
        _ message: Message, keyLookup: (_ selector: String, _ domain: String) async throws(DKIMError) -> String
    ) async -> [DKIMResult] {
        let fields = Array(message.headers)
        var results: [DKIMResult] = []
        for field in fields where field.name.lowercased() == "dkim-signature" {
            guard results.count < maxSignatures else {
                results.append(DKIMResult(status: .neutral, reason: "more than \(maxSignatures) signatures: not checked"))
                continue
            }
            results.append(await verify(field, in: message, fields: fields, keyLookup: keyLookup))
        }
        return results
    }

    func verify(
        _ field: HeaderField, in message: Message, fields: [HeaderField],
        keyLookup: (_ selector: String, _ domain: String) async throws(DKIMError) -> String
    ) async -> DKIMResult {
        let signature: DKIMSignature
        do {
            signature = try DKIMSignature(value: String(decoding: field.rawValue, as: UTF8.self))
        } catch {
            return DKIMResult(status: .permerror, reason: "\(error)")
        }
        func result(_ status: DKIMResult.Status, _ reason: String) -> DKIMResult {
            DKIMResult(status: status, domain: signature.domain, selector: signature.selector, reason: reason)
        }
        guard signature.algorithm == "rsa-sha256" || signature.algorithm == "ed25519-sha256" else {
            return result(.permerror, "algorithm a=\(signature.algorithm) not accepted (RFC 8301)")
        }
        if let expiration = signature.expiration, Int64(now().timeIntervalSince1970) > expiration {
            return result(.fail, "signature expired (x=\(expiration))")
        }

        // Body hash.
        let raw = message.raw
        let bodyRange = message.root.bodyRange.clamped(to: 0..<raw.count)
        var body = DKIMCanonicalizer.body(raw[bodyRange], signature.bodyCanonicalization)
        if let length = signature.bodyLength {
            guard length <= body.count else { return result(.permerror, "l=\(length) exceeds the body (\(body.count) octets)") }
            body.removeSubrange(length...)
        }
        guard Array(SHA256.hash(data: body)) == signature.bodyHash else { return result(.fail, "body hash does not match bh=") }

        var data = Self.signedHeaders(signature.signedHeaders, fields: fields, raw: raw, signature.headerCanonicalization)
        let own = DKIMCanonicalizer.withoutSignatureValue(raw[field.byteRange.clamped(to: 0..<raw.count)])
        data += DKIMCanonicalizer.header(own[...], signature.headerCanonicalization, lineEnd: false)

        let key: DKIMKey
        do {
            key = try DKIMKey(record: try await keyLookup(signature.selector, signature.domain))
        } catch {
            switch error {
            case .temporary(let reason): return result(.temperror, reason)
            case .permanent(let reason): return result(.permerror, reason)
            }
        }
        switch Self.check(signature.signature, over: data, algorithm: signature.algorithm, key: key) {
        case true?: return result(.pass, "")
        case false?: return result(.fail, "signature does not verify")
        case nil: return result(.permerror, "key type does not match a=\(signature.algorithm)")
        }
    }

    /// The canonical signed header fields, each name taking the last unused instance (RFC 6376
    /// 5.4.2); a name with no (further) instance signs its absence. Shared with ARC.
    static func signedHeaders(_ names: [String], fields: [HeaderField], raw: [UInt8], _ mode: DKIMCanonicalization) -> [UInt8] {
        var data: [UInt8] = []
        var used = Set<Int>()
        for name in names {
            guard let index = fields.indices.reversed().first(where: { !used.contains($0) && fields[$0].name.lowercased() == name }) else {
                continue
            }
            used.insert(index)
            data += DKIMCanonicalizer.header(raw[fields[index].byteRange.clamped(to: 0..<raw.count)], mode)
        }
        return data
    }

    /// Whether `signature` signs `data` with `key` under `algorithm`; nil when they do not fit.
    static func check(_ signature: [UInt8], over data: [UInt8], algorithm: String, key: DKIMKey) -> Bool? {
        switch (key.material, algorithm) {
        case (.rsa(let publicKey), "rsa-sha256"):
            return publicKey.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature),
                                              for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5)
        case (.ed25519(let raw), "ed25519-sha256"):
            // RFC 8463: Ed25519 signs the SHA-256 hash of the data, not the data itself.
            return (try? Curve25519.Signing.PublicKey(rawRepresentation: raw))?
                .isValidSignature(signature, for: Array(SHA256.hash(data: data))) ?? false
        default:
            return nil
        }
    }
}
