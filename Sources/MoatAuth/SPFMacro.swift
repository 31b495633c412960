import Foundation
// The fuzz build compiles the DNS record code into this module (Tests/Fuzz/fuzz.sh).
#if canImport(MoatDNS)
import MoatDNS
#endif

/// RFC 7208 7: macro expansion in domain-specs and explanations.
enum SPFMacro {
    /// What the macros expand from.
    struct Context: Sendable {
        var sender: String
        var domain: String
        var ip: [UInt8]
        var helo: String
        var receiver: String = "unknown"
        /// `%{p}`, looked up only when a macro asks for it.
        var validatedName: String = "unknown"

        var localPart: String {
            guard let at = sender.lastIndex(of: "@") else { return "postmaster" }
            let local = sender[..<at]
            return local.isEmpty ? "postmaster" : String(local)
        }

        var senderDomain: String {
            guard let at = sender.lastIndex(of: "@") else { return sender }
            return String(sender[sender.index(after: at)...])
        }
    }

    struct Invalid: Error, Hashable {
        var message: String
    }

    /// Letters allowed in a domain-spec, plus `c`, `r`, `t` in explanations.
    private static let letters: Set<Character> = ["s", "l", "o", "d", "i", "p", "h", "v"]
    private static let explanationLetters: Set<Character> = ["c", "r", "t"]
    private static let delimiters: Set<Character> = [".", "-", "+", ",", "/", "_", "="]

    /// Throws when `text` holds a malformed macro (a syntax error: `permerror`).
    static func validate(_ text: String, forExplanation: Bool) throws {
        _ = try expand(text, context: nil, forExplanation: forExplanation)
    }

    static func expand(_ text: String, context: Context, forExplanation: Bool = false) throws -> String {
        try expand(text, context: Optional(context), forExplanation: forExplanation) ?? ""
    }

    private static func expand(_ text: String, context: Context?, forExplanation: Bool) throws -> String? {
        var out = ""
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            if c != "%" {
                // macro-literal: visible ASCII except "%" (and spaces only in explanations).
                guard c.isASCII, let value = c.asciiValue, (value >= 0x21 && value <= 0x7E) || (forExplanation && value == 0x20) else {
                    throw Invalid(message: "character \(c.debugDescription) in \(text)")
                }
                out.append(c)
                i = text.index(after: i)
                continue
            }
            let next = text.index(after: i)
            guard next < text.endIndex else { throw Invalid(message: "lone % at the end of \(text)") }
            switch text[next] {
            case "%": out.append("%"); i = text.index(after: next); continue
            case "_": out.append(" "); i = text.index(after: next); continue
            case "-": out.append("%20"); i = text.index(after: next); continue
            case "{": break
            default: throw Invalid(message: "bad macro in \(text)")
            }
            guard let close = text[next...].firstIndex(of: "}") else { throw Invalid(message: "unclosed macro in \(text)") }
            let body = text[text.index(after: next)..<close]
            i = text.index(after: close)
            guard let letter = body.first else { throw Invalid(message: "empty macro in \(text)") }
            let lower = Character(letter.lowercased())
            guard letters.contains(lower) || (forExplanation && explanationLetters.contains(lower)) else {
                throw Invalid(message: "unknown macro letter \(letter) in \(text)")
            }
            var rest = body.dropFirst()
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            rest = rest.dropFirst(digits.count)
            var keep: Int?
            if !digits.isEmpty {
                guard let n = Int(digits), n > 0, n <= 128 else { throw Invalid(message: "bad digit transformer in \(text)") }
                keep = n
            }
            var reverse = false
            if rest.first == "r" || rest.first == "R" {
                reverse = true
                rest = rest.dropFirst()
            }
            guard rest.allSatisfy({ delimiters.contains($0) }) else { throw Invalid(message: "bad delimiter in \(text)") }
            guard let context else { continue }
            var value = raw(lower, context)
            let splitOn = rest.isEmpty ? ["."] : Set(rest)
            var parts = value.split(omittingEmptySubsequences: false) { splitOn.contains($0) }.map(String.init)
            if reverse { parts.reverse() }
            if let keep, parts.count > keep { parts = Array(parts.suffix(keep)) }
            value = parts.joined(separator: ".")
            if letter.isUppercase {
                value = value.addingPercentEncoding(withAllowedCharacters: unreserved) ?? value
            }
            out += value
        }
        return context == nil ? nil : out
    }

    private static let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")

    private static func raw(_ letter: Character, _ context: Context) -> String {
        switch letter {
        case "s": return context.sender
        case "l": return context.localPart
        case "o": return context.senderDomain
        case "d": return context.domain
        case "i":
            if context.ip.count == 4 { return context.ip.map { String($0) }.joined(separator: ".") }
            return context.ip.flatMap { [String($0 >> 4, radix: 16), String($0 & 0x0F, radix: 16)] }.joined(separator: ".")
        case "c":
            return context.ip.count == 4 ? context.ip.map { String($0) }.joined(separator: ".") : IPAddress.v6Text(context.ip)
        case "p": return context.validatedName
        case "v": return context.ip.count == 4 ? "in-addr" : "ip6"
        case "h": return context.helo
        case "r": return context.receiver
        case "t": return String(Int(Date().timeIntervalSince1970))
        default: return ""
        }
    }

    /// RFC 7208 7.3: a domain over 253 octets loses labels from the left until it fits.
    static func truncated(_ domain: String) -> String {
        var labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        while labels.joined(separator: ".").utf8.count > 253, labels.count > 1 { labels.removeFirst() }
        return labels.joined(separator: ".")
    }
}
