import Crypto
import Foundation
import MoatMessage
import _CryptoExtras

/// The ARC chain validation status (RFC 8617 4.4), as `cv=` and `arc=` in results.
public enum ARCChainStatus: String, Sendable, Hashable, CaseIterable {
    case none, pass, fail
}

/// What validating a message's ARC sets found.
public struct ARCResult: Sendable, Hashable {
    public var status: ARCChainStatus
    /// Sets on the message (the next seal's instance is this + 1).
    public var instances: Int
    /// The sealing domain of the latest set.
    public var domain: String?
    public var reason: String
}

/// RFC 8617 validation: every ARC set present and numbered 1...N, the latest
/// ARC-Message-Signature verifying over the message, and every ARC-Seal over the sets up to it.
public struct ARCVerifier: Sendable {
    public init() {}

    struct ARCSet {
        var seal: HeaderField
        var signature: HeaderField
        var results: HeaderField
    }

    /// The tags of an ARC header value.
    static func table(_ field: HeaderField) -> [String: String] {
        var table: [String: String] = [:]
        for (name, value) in DKIMSignature.tags(String(decoding: field.rawValue, as: UTF8.self)) where table[name] == nil {
            table[name] = value
        }
        return table
    }

    /// The instance of an ARC-Authentication-Results value (`i=1; mx.example.org; ...`).
    static func instance(_ field: HeaderField) -> Int? {
        let value = String(decoding: field.rawValue, as: UTF8.self)
        guard let first = value.split(separator: ";").first else { return nil }
        let pair = first.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard pair.count == 2, pair[0] == "i" else { return nil }
        return Int(pair[1])
    }

    /// The ARC sets by instance, or why the chain is structurally broken.
    static func sets(_ fields: [HeaderField]) -> Result<[ARCSet], ARCFailure> {
        var seals: [Int: HeaderField] = [:], signatures: [Int: HeaderField] = [:], results: [Int: HeaderField] = [:]
        for field in fields {
            let name = field.name.lowercased()
            guard name.hasPrefix("arc-") else { continue }
            let i: Int?
            switch name {
            case "arc-seal", "arc-message-signature": i = table(field)["i"].flatMap { Int($0) }
            case "arc-authentication-results": i = instance(field)
            default: continue
            }
            guard let i, (1...50).contains(i) else { return .failure(ARCFailure("\(field.name) without a valid i=")) }
            switch name {
            case "arc-seal":
                guard seals[i] == nil else { return .failure(ARCFailure("two ARC-Seal i=\(i)")) }
                seals[i] = field
            case "arc-message-signature":
                guard signatures[i] == nil else { return .failure(ARCFailure("two ARC-Message-Signature i=\(i)")) }
                signatures[i] = field
            default:
                guard results[i] == nil else { return .failure(ARCFailure("two ARC-Authentication-Results i=\(i)")) }
                results[i] = field
            }
        }
        let count = max(seals.count, signatures.count, results.count)
        var sets: [ARCSet] = []
        for i in 0..<count {
            guard let seal = seals[i + 1], let signature = signatures[i + 1], let result = results[i + 1] else {
                return .failure(ARCFailure("ARC set i=\(i + 1) incomplete or missing"))
            }
            sets.append(ARCSet(seal: seal, signature: signature, results: result))
        }
        return .success(sets)
    }

    struct ARCFailure: Error {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }

    public func verify(
        _ message: Message, keyLookup: (_ selector: String, _ domain: String) async throws(DKIMError) -> String
    ) async -> ARCResult {
        let fields = Array(message.headers)
        let sets: [ARCSet]
        switch Self.sets(fields) {
        case .failure(let failure): return ARCResult(status: .fail, instances: 0, reason: failure.reason)
        case .success(let found): sets = found
        }
        guard let latest = sets.last else { return ARCResult(status: .none, instances: 0, reason: "no ARC sets") }
        let n = sets.count
        let latestSeal = Self.table(latest.seal)
        func failed(_ reason: String) -> ARCResult {
            ARCResult(status: .fail, instances: n, domain: latestSeal["d"], reason: reason)
        }
        // cv= of each seal: none for the first, pass for the rest; a recorded fail ends the chain.
        for (index, set) in sets.enumerated() {
            let cv = Self.table(set.seal)["cv"]?.lowercased()
            if cv == "fail" { return failed("i=\(index + 1) recorded cv=fail") }
            guard cv == (index == 0 ? "none" : "pass") else { return failed("i=\(index + 1) has cv=\(cv ?? "missing")") }
        }
        let raw = message.raw
        // The latest ARC-Message-Signature over the message, as a DKIM signature (without v=).
        let ams = Self.table(latest.signature)
        guard let algorithm = ams["a"]?.lowercased(), let selector = ams["s"]?.lowercased(), let domain = ams["d"]?.lowercased(),
              let signature = ams["b"].flatMap(DKIMSignature.base64), let bodyHash = ams["bh"].flatMap(DKIMSignature.base64),
              let signed = ams["h"] else {
            return failed("ARC-Message-Signature i=\(n) lacks a=, b=, bh=, d=, h= or s=")
        }
        let canonical = (ams["c"] ?? "simple/simple").lowercased().split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(canonical.count), let headerMode = DKIMCanonicalization(rawValue: String(canonical[0])),
              let bodyMode = DKIMCanonicalization(rawValue: canonical.count == 2 ? String(canonical[1]) : "simple") else {
            return failed("ARC-Message-Signature i=\(n) has an unknown c=")
        }
        let bodyRange = message.root.bodyRange.clamped(to: 0..<raw.count)
        guard Array(SHA256.hash(data: DKIMCanonicalizer.body(raw[bodyRange], bodyMode))) == bodyHash else {
            return failed("ARC-Message-Signature i=\(n): body hash does not match")
        }
        let names = signed.split(separator: ":").map { $0.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() }.filter { !$0.isEmpty }
        var data = DKIMVerifier.signedHeaders(names, fields: fields, raw: raw, headerMode)
        data += DKIMCanonicalizer.header(DKIMCanonicalizer.withoutSignatureValue(raw[latest.signature.byteRange.clamped(to: 0..<raw.count)])[...],
                                         headerMode, lineEnd: false)
        switch await Self.check(signature, data, algorithm, selector, domain, keyLookup) {
        case .some(let reason): return failed("ARC-Message-Signature i=\(n): \(reason)")
        case nil: break
        }
        // Every seal, newest first, over the sets up to its own (relaxed, RFC 8617 5.1.1).
        for i in stride(from: n, through: 1, by: -1) {
            let seal = Self.table(sets[i - 1].seal)
            guard let algorithm = seal["a"]?.lowercased(), let selector = seal["s"]?.lowercased(), let domain = seal["d"]?.lowercased(),
                  let signature = seal["b"].flatMap(DKIMSignature.base64) else {
                return failed("ARC-Seal i=\(i) lacks a=, b=, d= or s=")
            }
            let data = Self.sealData(sets: Array(sets[0..<i]), raw: raw)
            if let reason = await Self.check(signature, data, algorithm, selector, domain, keyLookup) {
                return failed("ARC-Seal i=\(i): \(reason)")
            }
        }
        return ARCResult(status: .pass, instances: n, domain: latestSeal["d"], reason: "")
    }

    /// What ARC-Seal i=N signs: AAR, AMS and AS of every set 1...N in order, relaxed, with the
    /// last seal's b= value removed and no line end after it.
    static func sealData(sets: [ARCSet], raw: [UInt8]) -> [UInt8] {
        guard let last = sets.last else { return [] }
        var data = chainData(sets.dropLast(), raw: raw)
        data += DKIMCanonicalizer.header(raw[last.results.byteRange.clamped(to: 0..<raw.count)], .relaxed)
        data += DKIMCanonicalizer.header(raw[last.signature.byteRange.clamped(to: 0..<raw.count)], .relaxed)
        let own = DKIMCanonicalizer.withoutSignatureValue(raw[last.seal.byteRange.clamped(to: 0..<raw.count)])
        return data + DKIMCanonicalizer.header(own[...], .relaxed, lineEnd: false)
    }

    /// Whole sets as a seal covers them: AAR, AMS and AS of each, relaxed, in order (the sealer
    /// signs these followed by its own new set).
    static func chainData(_ sets: ArraySlice<ARCSet>, raw: [UInt8]) -> [UInt8] {
        var data: [UInt8] = []
        for set in sets {
            for field in [set.results, set.signature, set.seal] {
                data += DKIMCanonicalizer.header(raw[field.byteRange.clamped(to: 0..<raw.count)], .relaxed)
            }
        }
        return data
    }

    /// nil when `signature` verifies; otherwise why not.
    static func check(
        _ signature: [UInt8], _ data: [UInt8], _ algorithm: String, _ selector: String, _ domain: String,
        _ keyLookup: (_ selector: String, _ domain: String) async throws(DKIMError) -> String
    ) async -> String? {
        guard algorithm == "rsa-sha256" || algorithm == "ed25519-sha256" else { return "algorithm \(algorithm) not accepted" }
        let key: DKIMKey
        do {
            key = try DKIMKey(record: try await keyLookup(selector, domain))
        } catch {
            return "\(error)"
        }
        switch DKIMVerifier.check(signature, over: data, algorithm: algorithm, key: key) {
        case true?: return nil
        case false?: return "signature does not verify"
        case nil: return "key type does not match a=\(algorithm)"
        }
    }
}

/// Adds this gateway's ARC set (RFC 8617 5.1): ARC-Authentication-Results with its results, an
/// ARC-Message-Signature over the message as received, and an ARC-Seal over the whole chain, so
/// a forwarded message's authentication survives to the next receiver. rsa-sha256, relaxed.
public struct ARCSealer: Sendable {
    public var domain: String
    public var selector: String
    public var authservID: String
    let key: _RSA.Signing.PrivateKey
    /// Header fields the message signature covers when present (RFC 8617 4.1.2 leaves the choice
    /// to the sealer; these are what a forwarder must not change).
    public var signedHeaderNames = ["from", "to", "cc", "subject", "date", "message-id", "reply-to", "in-reply-to",
                                    "references", "mime-version", "content-type", "content-transfer-encoding", "dkim-signature"]

    public struct KeyError: Error, CustomStringConvertible {
        public var description: String
    }

    /// `pem`: an RSA private key, PKCS#1 or PKCS#8 PEM (`openssl genrsa` writes either).
    public init(domain: String, selector: String, authservID: String, pem: String) throws {
        do {
            key = try _RSA.Signing.PrivateKey(pemRepresentation: pem)
        } catch {
            throw KeyError(description: "not an RSA private key in PEM form: \(error)")
        }
        guard key.keySizeInBits >= 1024 else { throw KeyError(description: "RSA key of \(key.keySizeInBits) bits: at least 1024 needed") }
        self.domain = domain
        self.selector = selector
        self.authservID = authservID
    }

    /// A new RSA private key in PEM (PKCS#8), for `moat auth keygen`.
    public static func generateKey(bits: Int) throws -> String {
        guard bits == 2048 || bits == 3072 || bits == 4096 else { throw KeyError(description: "key size \(bits): use 2048, 3072 or 4096") }
        let size: _RSA.Signing.KeySize = bits == 2048 ? .bits2048 : bits == 3072 ? .bits3072 : .bits4096
        return try _RSA.Signing.PrivateKey(keySize: size).pemRepresentation
    }

    /// The DNS TXT record that publishes the key at `<selector>._domainkey.<domain>`.
    public var dnsRecord: String {
        "v=DKIM1; k=rsa; p=" + key.publicKey.derRepresentation.base64EncodedString()
    }

    /// The three header fields (name, value) to add, in the order ARC-Seal, ARC-Message-Signature,
    /// ARC-Authentication-Results. `results` is the method list of this gateway's A-R
    /// (`spf=pass ...; dkim=pass ...`); `chain` is the validation of the sets already present.
    public func seal(_ message: Message, results: String, chain: ARCResult, now: Date = Date()) throws -> [(name: String, value: String)] {
        let instance = chain.instances + 1
        guard instance <= 50 else { throw KeyError(description: "the chain already has 50 sets") }
        let raw = message.raw
        let fields = Array(message.headers)
        let time = Int64(now.timeIntervalSince1970)
        let aarValue = "i=\(instance); \(authservID); \(results)"

        let bodyRange = message.root.bodyRange.clamped(to: 0..<raw.count)
        let bodyHash = Data(SHA256.hash(data: DKIMCanonicalizer.body(raw[bodyRange], .relaxed))).base64EncodedString()
        let present = Set(fields.map { $0.name.lowercased() })
        let names = signedHeaderNames.filter(present.contains)
        let amsUnsigned = "i=\(instance); a=rsa-sha256; c=relaxed/relaxed; d=\(domain); s=\(selector); t=\(time); h=\(names.joined(separator: ":")); bh=\(bodyHash); b="
        var amsData = DKIMVerifier.signedHeaders(names, fields: fields, raw: raw, .relaxed)
        amsData += DKIMCanonicalizer.header(Array("ARC-Message-Signature: \(amsUnsigned)".utf8)[...], .relaxed, lineEnd: false)
        let amsValue = amsUnsigned + (try sign(amsData))

        // The seal covers the earlier sets as they are in the message, then the new one.
        var sealData: [UInt8] = []
        if case .success(let sets) = ARCVerifier.sets(fields) { sealData = ARCVerifier.chainData(sets[...], raw: raw) }
        let cv = instance == 1 ? "none" : chain.status.rawValue
        let asUnsigned = "i=\(instance); a=rsa-sha256; t=\(time); cv=\(cv); d=\(domain); s=\(selector); b="
        sealData += DKIMCanonicalizer.header(Array("ARC-Authentication-Results: \(aarValue)\r\n".utf8)[...], .relaxed)
        sealData += DKIMCanonicalizer.header(Array("ARC-Message-Signature: \(amsValue)\r\n".utf8)[...], .relaxed)
        sealData += DKIMCanonicalizer.header(Array("ARC-Seal: \(asUnsigned)".utf8)[...], .relaxed, lineEnd: false)
        let asValue = asUnsigned + (try sign(sealData))
        return [("ARC-Seal", asValue), ("ARC-Message-Signature", amsValue), ("ARC-Authentication-Results", aarValue)]
    }

    private func sign(_ data: [UInt8]) throws -> String {
        let signature = try key.signature(for: SHA256.hash(data: data), padding: .insecurePKCS1v1_5)
        return signature.rawRepresentation.base64EncodedString()
    }
}
