import Foundation
import MoatMessage
import Testing
@testable import MoatAuth

/// DKIM verification cross-checked with an independent implementation: messages signed by dkimpy
/// (`dkimsign`, Debian python3-dkim) with keys made by openssl and dknewkey must verify; tampered
/// bodies and signed headers must not.
@Suite("DKIM verification", .serialized)
struct DKIMVerifierTests {
    static let directory: String = {
        let path = NSTemporaryDirectory() + "moat-dkim-\(UUID().uuidString)"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    @discardableResult
    static func run(_ tool: String, _ arguments: [String], input: [UInt8]? = nil) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let output = Pipe(), inputPipe = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        if input != nil { process.standardInput = inputPipe }
        try process.run()
        if let input {
            inputPipe.fileHandleForWriting.write(Data(input))
            try inputPipe.fileHandleForWriting.close()
        }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw CocoaError(.executableLoad, userInfo: ["tool": tool]) }
        return Array(data)
    }

    /// Key file and TXT record per algorithm, made once.
    static let keys: [String: (file: String, record: String)] = {
        var keys: [String: (String, String)] = [:]
        if (try? run("/usr/bin/openssl", ["genrsa", "-out", "rsa.key", "2048"])) != nil,
           let der = try? run("/usr/bin/openssl", ["rsa", "-in", "rsa.key", "-pubout", "-outform", "DER"]) {
            keys["rsa-sha256"] = (directory + "/rsa.key", "v=DKIM1; k=rsa; p=" + Data(der).base64EncodedString())
        }
        if (try? run("/usr/bin/dknewkey", ["--ktype", "ed25519", "ed"])) != nil,
           let dns = try? String(contentsOfFile: directory + "/ed.dns", encoding: .utf8) {
            keys["ed25519-sha256"] = (directory + "/ed.key", dns.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return keys
    }()

    static let message = Array("""
        From: Alice <alice@example.org>\r
        To: bob@example.net\r
        Subject:  The quarterly   report\r
        Date: Thu, 3 Dec 2026 08:00:00 +0000\r
        Message-ID: <q4@example.org>\r
        \r
        Here are the figures.  Call me   if anything looks off.\r
        \r
        Alice\r
        \r
        \r

        """.utf8)

    func sign(_ algorithm: String, header: String, body: String) throws -> [UInt8] {
        let key = try #require(Self.keys[algorithm], "openssl and dknewkey (python3-dkim) are installed by the Makefile")
        return try Self.run("/usr/bin/dkimsign", ["--signalg", algorithm, "--hcanon", header, "--bcanon", body, "sel", "example.org", key.file],
                            input: Self.message)
    }

    func verify(_ raw: [UInt8], algorithm: String) async -> [DKIMResult] {
        let record = Self.keys[algorithm]?.record ?? ""
        return await DKIMVerifier().verify(Message(parsing: raw)) { selector, domain throws(DKIMError) in
            guard selector == "sel", domain == "example.org" else { throw .permanent("no key for \(selector)._domainkey.\(domain)") }
            return record
        }
    }

    @Test("dkimpy-signed messages verify, every canonicalisation, RSA and Ed25519", arguments: [
        ("rsa-sha256", "simple", "simple"), ("rsa-sha256", "relaxed", "relaxed"), ("rsa-sha256", "relaxed", "simple"),
        ("rsa-sha256", "simple", "relaxed"), ("ed25519-sha256", "relaxed", "relaxed"), ("ed25519-sha256", "simple", "simple"),
    ])
    func independentSignaturesVerify(_ algorithm: String, _ header: String, _ body: String) async throws {
        let signed = try sign(algorithm, header: header, body: body)
        let results = await verify(signed, algorithm: algorithm)
        #expect(results.map(\.status) == [.pass], "\(results)")
        #expect(results.first?.domain == "example.org" && results.first?.selector == "sel")
    }

    @Test("a changed body or signed header fails; an unsigned added header does not matter")
    func tamperingFails() async throws {
        let signed = try sign("rsa-sha256", header: "relaxed", body: "relaxed")
        let text = String(decoding: signed, as: UTF8.self)
        let body = Array(text.replacingOccurrences(of: "Here are the figures.", with: "Here are the new bank details.").utf8)
        #expect(await verify(body, algorithm: "rsa-sha256").first.map { ($0.status, $0.reason) }! == (.fail, "body hash does not match bh="))
        let subject = Array(text.replacingOccurrences(of: "The quarterly", with: "The urgent").utf8)
        #expect(await verify(subject, algorithm: "rsa-sha256").first?.status == .fail)
        let added = Array(("X-Added-Later: yes\r\n" + text).utf8)
        #expect(await verify(added, algorithm: "rsa-sha256").first?.status == .pass)
        // Relaxed canonicalisation forgives refolding and whitespace changes in the body.
        let refolded = Array(text.replacingOccurrences(of: "Call me   if", with: "Call me if").utf8)
        #expect(await verify(refolded, algorithm: "rsa-sha256").first?.status == .pass)
    }

    @Test("unusable signatures and keys are permerror or temperror with a reason, never a trap")
    func unusable() async throws {
        let signed = String(decoding: try sign("rsa-sha256", header: "relaxed", body: "relaxed"), as: UTF8.self)
        #expect(await verify(Array(Self.message), algorithm: "rsa-sha256").isEmpty)
        let sha1 = Array(signed.replacingOccurrences(of: "a=rsa-sha256", with: "a=rsa-sha1").utf8)
        #expect(await verify(sha1, algorithm: "rsa-sha256").first?.status == .permerror)
        let revoked = await DKIMVerifier().verify(Message(parsing: Array(signed.utf8))) { _, _ throws(DKIMError) in "v=DKIM1; k=rsa; p=" }
        #expect(revoked.first.map { $0.status == .permerror && $0.reason.contains("revoked") } == true)
        let unreachable = await DKIMVerifier().verify(Message(parsing: Array(signed.utf8))) { _, _ throws(DKIMError) in throw .temporary("SERVFAIL") }
        #expect(unreachable.first?.status == .temperror)
        for broken in ["DKIM-Signature: v=1; a=rsa-sha256; b=@@@\r\n", "DKIM-Signature: garbage\r\n", "DKIM-Signature: v=1; v=1\r\n"] {
            let results = await verify(Array((broken + String(decoding: Self.message, as: UTF8.self)).utf8), algorithm: "rsa-sha256")
            #expect(results.first?.status == .permerror)
        }
    }
}

/// The RFC 8463 Appendix A.3 example (the RFC 6376 Appendix A message signed with both the
/// Ed25519 key "brisbane" and the RSA key "test"), as dkimpy's own test suite ships it
/// (Debian python3-dkim), with the public keys of RFC 8463 A.2.
@Suite("DKIM: RFC 8463 test vector")
struct DKIMTestVectorTests {
    static let data = "/usr/lib/python3/dist-packages/dkim/tests/data/"
    static let keys = [
        "brisbane": "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=",
    ]

    @Test func bothSignaturesOfTheExampleVerify() async throws {
        let raw = try #require(FileManager.default.contents(atPath: Self.data + "rfc6376.signed.msg"), "python3-dkim is installed by the Makefile")
        let rsa = try String(contentsOfFile: Self.data + "test.txt", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let results = await DKIMVerifier().verify(Message(parsing: Array(raw))) { selector, domain throws(DKIMError) in
            guard domain == "football.example.com" else { throw .permanent("no key") }
            if selector == "test" { return rsa }
            guard let key = Self.keys[selector] else { throw .permanent("no key") }
            return key
        }
        #expect(results.map(\.status) == [.pass, .pass], "\(results)")
        #expect(results.map(\.selector) == ["brisbane", "test"])
        // The same message with its body changed fails both.
        let tampered = Array(raw) + Array("P.S.\n".utf8)
        let failed = await DKIMVerifier().verify(Message(parsing: tampered)) { selector, _ throws(DKIMError) in
            selector == "test" ? rsa : Self.keys[selector] ?? ""
        }
        #expect(failed.map(\.status) == [.fail, .fail])
    }
}

