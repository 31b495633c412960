import Foundation
import MoatMessage

/// Turns a message into the set of Bayes tokens, roughly as SpamAssassin's Bayes plugin does:
/// words of the rendered body, header words with a per-header prefix (`H*F:` style), and URL hosts.
/// Tokens are hashed to 64 bits (SpamAssassin keeps 40 bits of SHA-1) so the database stays small.
enum BayesTokenizer {
    /// Headers whose words are learned, with their prefixes.
    static let headerPrefixes: [(String, String)] = [
        ("From", "H*F:"), ("To", "H*T:"), ("Cc", "H*c:"), ("Subject", "H*s:"), ("Reply-To", "H*r:"),
        ("Return-Path", "H*RP:"), ("Message-ID", "H*M:"), ("X-Mailer", "H*x:"), ("User-Agent", "H*u:"),
        ("Content-Type", "H*ct:"), ("Received", "H*RU:"), ("List-Id", "H*LI:"), ("Precedence", "H*P:"),
    ]

    /// Body bytes read for tokens (training and scoring alike).
    static let maxBodyBytes = 256 * 1024

    /// Distinct token hashes for `message` (training).
    static func tokens(_ message: Message) -> TokenSet {
        tokens(RuleSubjects(message: message, envelope: .init(), maxBodyBytes: maxBodyBytes))
    }

    /// Distinct token hashes from texts the rules already built (scoring: the body is rendered
    /// once per scan). Reads at most `maxBodyBytes` of body lines, as training does.
    static func tokens(_ subjects: RuleSubjects) -> TokenSet {
        var budget = maxBodyBytes
        // Room for about one token per six body bytes plus the headers' and links' from the start:
        // growing from empty rehashed every token inserted so far eight or nine times a message.
        let bodyBytes = subjects.bodyLines.dropFirst().reduce(0) { $0 + $1.count }
        var tokens = TokenSet(minimumCapacity: min(bodyBytes, budget) / 6 + 64 + subjects.uris.count)
        for line in subjects.bodyLines.dropFirst() where budget > 0 {
            let count = min(line.count, budget)
            budget -= count
            line.withUnsafeBufferPointer { words(UnsafeBufferPointer(rebasing: $0[..<count]), prefix: "", into: &tokens) }
        }
        for (name, prefix) in headerPrefixes {
            // The scan's field index, not a walk of every field per name.
            for field in subjects.metadata.headerFields(named: name) {
                var value = field.value
                value.withUTF8 { words($0, prefix: prefix, into: &tokens) }
            }
        }
        for uri in subjects.uris {
            // ASCII links (nearly all) are read on their bytes; lower-casing anything else is
            // Unicode's, as the String form does it.
            if uri.allSatisfy({ $0 < 0x80 }) {
                guard let schemeEnd = uri.indices.first(where: { i in
                    i + 2 < uri.count && uri[i] == 0x3A && uri[i + 1] == 0x2F && uri[i + 2] == 0x2F
                }) else { continue }
                let host = uri[(schemeEnd + 3)...].prefix { $0 != 0x2F && $0 != 0x3A && $0 != 0x3F }
                tokens.insert(hash(host.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, prefix: "U:"))
                continue
            }
            let text = String(decoding: uri, as: UTF8.self).lowercased()
            if let schemeEnd = text.range(of: "://") {
                let host = text[schemeEnd.upperBound...].prefix { $0 != "/" && $0 != ":" && $0 != "?" }
                tokens.insert(hash(Array(host.utf8), prefix: "U:"))
            }
        }
        return tokens
    }

    /// Inserts the hash of `prefix` + each lowercased word of 3–15 bytes; a longer word counts as
    /// `sk:` + its first 7 bytes. Words are hashed where they lie, without being copied out.
    private static func words(_ bytes: UnsafeBufferPointer<UInt8>, prefix: String, into tokens: inout TokenSet) {
        let seed = fnv(fnvBasis, prefix.utf8)
        let skipSeed = fnv(seed, "sk:".utf8)
        func emit(_ start: Int, _ end: Int) {
            var end = end
            while end > start, bytes[end - 1] == 0x2E || bytes[end - 1] == 0x2D || bytes[end - 1] == 0x27 { end -= 1 }
            let length = end - start
            guard length >= 3 else { return }
            let word = UnsafeBufferPointer(rebasing: bytes[start..<(length > 15 ? start + 7 : end)])
            let h = fnv(length > 15 ? skipSeed : seed, word.lazy.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 })
            tokens.insert(Int64(bitPattern: h))
        }
        var start = 0
        for i in 0..<bytes.count where isSeparator(bytes[i]) {
            if i > start { emit(start, i) }
            start = i + 1
        }
        if bytes.count > start { emit(start, bytes.count) }
    }

    @inline(__always)
    private static func isSeparator(_ b: UInt8) -> Bool {
        b <= 0x20 || b == 0x2C || b == 0x22 || b == 0x28 || b == 0x29 || b == 0x5B || b == 0x5D
            || b == 0x7B || b == 0x7D || b == 0x3C || b == 0x3E || b == 0x3A || b == 0x3B || b == 0x3D || b == 0x3F
            || b == 0x21 || b == 0x2A || b == 0x2B || b == 0x26 || b == 0x23 || b == 0x25 || b == 0x5E || b == 0x7E
            || b == 0x7C || b == 0x60 || b == 0x2F || b == 0x5C
    }

    /// 64-bit FNV-1a of prefix + word.
    static func hash(_ word: [UInt8], prefix: String) -> Int64 {
        Int64(bitPattern: fnv(fnv(fnvBasis, prefix.utf8), word))
    }

    private static let fnvBasis: UInt64 = 0xcbf29ce484222325

    /// FNV-1a continued from `h` over `bytes`: the prefix once, then each word from there.
    @inline(__always)
    private static func fnv<S: Sequence>(_ h: UInt64, _ bytes: S) -> UInt64 where S.Element == UInt8 {
        bytes.reduce(h) { ($0 ^ UInt64($1)) &* 0x100000001b3 }
    }

    /// A stable id for a message, so training twice counts once (Message-ID plus a body digest).
    static func messageID(_ message: Message) -> String {
        var h: UInt64 = 0xcbf29ce484222325
        for b in message.raw[message.root.bodyRange] { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        let id = message.headers.first("Message-ID")?.value.trimming(.whitespaces) ?? ""
        return id + "/" + String(h, radix: 16)
    }
}
