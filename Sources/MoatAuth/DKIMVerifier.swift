import Crypto
import Foundation
import MoatMessage
import _CryptoExtras

/// One signature's outcome, as `Authentication-Results` reports it (RFC 8601 `dkim=`).
public struct DKIMResult: Sendable, Hashable {
    public enum Status: String, Sendable, Hashable {
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

        // Signed header fields, each name taking the last unused instance (RFC 6376, 5.4.2).
        var data: [UInt8] = []
        var used = Set<Int>()
        for name in signature.signedHeaders {
            guard let index = fields.indices.reversed().first(where: { !used.contains($0) && fields[$0].name.lowercased() == name }) else {
                continue  // A name with no (further) instance signs its absence.
            }
            used.insert(index)
            data += DKIMCanonicalizer.header(raw[fields[index].byteRange.clamped(to: 0..<raw.count)], signature.headerCanonicalization)
        }
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
        switch (key.material, signature.algorithm) {
        case (.rsa(let publicKey), "rsa-sha256"):
            let valid = publicKey.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature.signature),
                                                   for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5)
            return valid ? result(.pass, "") : result(.fail, "signature does not verify")
        case (.ed25519(let raw), "ed25519-sha256"):
            // RFC 8463: Ed25519 signs the SHA-256 hash of the data, not the data itself.
            let valid = (try? Curve25519.Signing.PublicKey(rawRepresentation: raw))?
                .isValidSignature(signature.signature, for: Array(SHA256.hash(data: data))) ?? false
            return valid ? result(.pass, "") : result(.fail, "signature does not verify")
        default:
            return result(.permerror, "key type does not match a=\(signature.algorithm)")
        }
    }
}
