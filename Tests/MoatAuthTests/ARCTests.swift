import Foundation
import MoatMessage
import Testing
@testable import MoatAuth

/// ARC cross-checked with dkimpy (Debian python3-dkim): chains it seals validate in Moat, sets Moat
/// seals validate in dkimpy's `arc_verify` (alone and on top of a dkimpy set), tampering fails.
@Suite("ARC", .serialized)
struct ARCTests {
    static let python = "/usr/bin/python3"

    /// The RSA key (PEM) and its record, from the DKIM suite's openssl run.
    static func key() throws -> (pem: String, file: String, record: String) {
        let key = try #require(DKIMVerifierTests.keys["rsa-sha256"], "openssl is installed by the Makefile")
        return (try String(contentsOfFile: key.file, encoding: .utf8), key.file, key.record)
    }

    static let message = Array(("Authentication-Results: upstream.test; spf=pass smtp.mailfrom=a@origin.test\r\n"
        + "From: Alice <a@origin.test>\r\nTo: list@lists.test\r\nSubject: agenda\r\nDate: Thu, 3 Dec 2026 10:00:00 +0000\r\n"
        + "Message-ID: <agenda@origin.test>\r\n\r\nItem one.\r\nItem two.\r\n").utf8)

    /// dkimpy's ARC set for `raw` (sealed by forwarder.test, srv_id upstream.test), prepended.
    static func dkimpySealed(_ raw: [UInt8]) throws -> [UInt8] {
        let script = """
            import sys, dkim
            msg = sys.stdin.buffer.read()
            key = open(sys.argv[1], 'rb').read()
            lines = dkim.arc_sign(msg, b"sel", b"forwarder.test", key, b"upstream.test")
            sys.stdout.buffer.write(b"".join(lines) + msg)
            """
        return try DKIMVerifierTests.run(python, ["-c", script, try key().file], input: raw)
    }

    /// dkimpy's verdict on `raw` ("pass", "fail" or "none") with every key from `record`.
    static func dkimpyVerdict(_ raw: [UInt8], record: String) throws -> String {
        let script = """
            import sys, dkim
            record = sys.argv[1].encode()
            cv, results, reason = dkim.arc_verify(sys.stdin.buffer.read(), dnsfunc=lambda name, timeout=5: record)
            print(cv.decode(), reason)
            """
        return String(decoding: try DKIMVerifierTests.run(python, ["-c", script, record], input: raw), as: UTF8.self)
    }

    func verify(_ raw: [UInt8], record: String) async -> ARCResult {
        await ARCVerifier().verify(Message(parsing: raw)) { _, _ throws(DKIMError) in record }
    }

    /// `raw` with `headers` prepended, as the milter adds them (folded values, CRLF).
    func prepend(_ headers: [(name: String, value: String)], to raw: [UInt8]) -> [UInt8] {
        headers.flatMap { Array("\($0.name): \($0.value.replacingOccurrences(of: "\n", with: "\r\n"))\r\n".utf8) } + raw
    }

    @Test func aDkimpyChainValidates() async throws {
        let record = try Self.key().record
        let sealed = try Self.dkimpySealed(Self.message)
        let result = await verify(sealed, record: record)
        #expect(result.status == .pass, "\(result.reason)")
        #expect(result.instances == 1)
        #expect(result.domain == "forwarder.test")
        #expect(await verify(Self.message, record: record).status == .none)
        // A forwarder that rewrites the body after sealing breaks the message signature.
        let tampered = sealed + Array("Item three.\r\n".utf8)
        #expect(await verify(tampered, record: record).status == .fail)
    }

    @Test func setsMoatSealsValidateInDkimpy() async throws {
        let key = try Self.key()
        let sealer = try ARCSealer(domain: "gw.test", selector: "sel", authservID: "mx.gw.test", pem: key.pem)
        #expect(sealer.dnsRecord.hasPrefix("v=DKIM1; k=rsa; p="))
        // First in the chain.
        let first = try sealer.seal(Message(parsing: Self.message), results: "spf=pass smtp.mailfrom=a@origin.test", chain:
            ARCResult(status: .none, instances: 0, reason: ""))
        #expect(first.map(\.name) == ["ARC-Seal", "ARC-Message-Signature", "ARC-Authentication-Results"])
        let sealedOnce = prepend(first, to: Self.message)
        #expect(try Self.dkimpyVerdict(sealedOnce, record: sealer.dnsRecord).hasPrefix("pass"))
        #expect(await verify(sealedOnce, record: sealer.dnsRecord).status == .pass)
        // On top of dkimpy's set (i=2, cv=pass).
        let upstream = try Self.dkimpySealed(Self.message)
        let chain = await verify(upstream, record: key.record)
        let second = try sealer.seal(Message(parsing: upstream), results: "arc=pass", chain: chain)
        let sealedTwice = prepend(second, to: upstream)
        #expect(second[0].value.contains("i=2;") && second[0].value.contains("cv=pass"))
        #expect(try Self.dkimpyVerdict(sealedTwice, record: key.record).hasPrefix("pass"))
        #expect(await verify(sealedTwice, record: key.record).instances == 2)
        #expect(await verify(sealedTwice, record: key.record).status == .pass)
    }

    @Test func brokenChainsFail() async throws {
        let record = try Self.key().record
        let sealed = try Self.dkimpySealed(Self.message)
        // A set without its seal.
        let text = String(decoding: sealed, as: UTF8.self)
        let withoutSeal = text.replacingOccurrences(of: "ARC-Seal:", with: "X-Removed-Seal:")
        #expect(await verify(Array(withoutSeal.utf8), record: record).status == .fail)
        // A seal whose cv= was changed no longer verifies.
        let cvChanged = text.replacingOccurrences(of: "cv=none", with: "cv=pass")
        #expect(await verify(Array(cvChanged.utf8), record: record).status == .fail)
        #expect(throws: ARCSealer.KeyError.self) { try ARCSealer(domain: "d", selector: "s", authservID: "a", pem: "not a key") }
    }
}
