// The fuzz build compiles the DNS record code into this module (Tests/Fuzz/fuzz.sh).
#if canImport(MoatDNS)
import MoatDNS
#endif

/// A parsed SPF record (RFC 7208 4.6 and 12): directives in order and the two modifiers that act.
/// Parsed whole before evaluation, since a syntax error anywhere makes the result `permerror`.
struct SPFRecord: Sendable, Hashable {
    enum Qualifier: Character, Sendable {
        case pass = "+", fail = "-", softfail = "~", neutral = "?"

        var result: SPFResult {
            switch self {
            case .pass: .pass
            case .fail: .fail
            case .softfail: .softfail
            case .neutral: .neutral
            }
        }
    }

    enum Mechanism: Sendable, Hashable {
        case all
        case include(String)
        case a(String?, v4: Int, v6: Int)
        case mx(String?, v4: Int, v6: Int)
        case ptr(String?)
        case ip4([UInt8], Int)
        case ip6([UInt8], Int)
        case exists(String)
    }

    struct Directive: Sendable, Hashable {
        var qualifier: Qualifier
        var mechanism: Mechanism
        var text: String
    }

    var directives: [Directive] = []
    var redirect: String?
    var explanation: String?

    struct SyntaxError: Error, Hashable {
        var message: String
    }

    /// Whether a TXT string is an SPF version 1 record (`v=spf1` then a space or the end).
    static func isSPF(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower == "v=spf1" || lower.hasPrefix("v=spf1 ")
    }

    init(parsing text: String) throws {
        let terms = text.split(separator: " ", omittingEmptySubsequences: true).dropFirst()
        for term in terms {
            try parseTerm(String(term))
        }
    }

    private mutating func parseTerm(_ term: String) throws {
        // A modifier: name "=" macro-string, name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." ).
        if let equals = term.firstIndex(of: "="), let first = term.first, first.isASCII, first.isLetter,
           term[..<equals].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) {
            let name = term[..<equals].lowercased()
            let value = String(term[term.index(after: equals)...])
            try SPFMacro.validate(value, forExplanation: false)
            switch name {
            case "redirect":
                guard redirect == nil else { throw SyntaxError(message: "two redirect= modifiers") }
                try Self.validateDomainSpec(value)
                redirect = value
            case "exp":
                guard explanation == nil else { throw SyntaxError(message: "two exp= modifiers") }
                try Self.validateDomainSpec(value)
                explanation = value
            default:
                break  // Unknown modifiers are ignored (6).
            }
            return
        }
        var body = Substring(term)
        var qualifier = Qualifier.pass
        if let first = body.first, let q = Qualifier(rawValue: first) {
            qualifier = q
            body = body.dropFirst()
        }
        let nameEnd = body.firstIndex { $0 == ":" || $0 == "/" } ?? body.endIndex
        let name = body[..<nameEnd].lowercased()
        let rest = body[nameEnd...]
        let mechanism: Mechanism
        switch name {
        case "all":
            guard rest.isEmpty else { throw SyntaxError(message: "'all' takes no argument: \(term)") }
            mechanism = .all
        case "include", "exists":
            guard rest.hasPrefix(":") else { throw SyntaxError(message: "\(name) needs a domain: \(term)") }
            let domain = String(rest.dropFirst())
            try SPFMacro.validate(domain, forExplanation: false)
            try Self.validateDomainSpec(domain)
            mechanism = name == "include" ? .include(domain) : .exists(domain)
        case "a", "mx":
            // The domain-spec may hold "/" (any visible character but "%"): the CIDR lengths are
            // only what trails it as "/digits", "//digits" or both.
            var domain: String?
            var cidr = rest
            if rest.hasPrefix(":") {
                let spec = rest.dropFirst()
                let split = Self.trailingCIDR(spec)
                domain = String(spec[..<split])
                cidr = spec[split...]
                try SPFMacro.validate(domain!, forExplanation: false)
                try Self.validateDomainSpec(domain!)
            }
            let (v4, v6) = try Self.dualCIDR(cidr, term: term)
            mechanism = name == "a" ? .a(domain, v4: v4, v6: v6) : .mx(domain, v4: v4, v6: v6)
        case "ptr":
            var domain: String?
            if rest.hasPrefix(":") {
                domain = String(rest.dropFirst())
                try SPFMacro.validate(domain!, forExplanation: false)
                try Self.validateDomainSpec(domain!)
            } else if !rest.isEmpty {
                throw SyntaxError(message: "bad ptr: \(term)")
            }
            mechanism = .ptr(domain)
        case "ip4":
            guard rest.hasPrefix(":") else { throw SyntaxError(message: "ip4 needs an address: \(term)") }
            let value = rest.dropFirst()
            let slash = value.firstIndex(of: "/") ?? value.endIndex
            guard let address = IPAddress.v4(value[..<slash]) else { throw SyntaxError(message: "bad ip4 address: \(term)") }
            let length = slash == value.endIndex ? 32 : try Self.cidrLength(value[value.index(after: slash)...], max: 32, term: term)
            mechanism = .ip4(address, length)
        case "ip6":
            guard rest.hasPrefix(":") else { throw SyntaxError(message: "ip6 needs an address: \(term)") }
            let value = rest.dropFirst()
            let slash = value.firstIndex(of: "/") ?? value.endIndex
            let text = value[..<slash]
            guard text.contains(":"), let address = IPAddress.v6(text) else { throw SyntaxError(message: "bad ip6 address: \(term)") }
            let length = slash == value.endIndex ? 128 : try Self.cidrLength(value[value.index(after: slash)...], max: 128, term: term)
            mechanism = .ip6(address, length)
        default:
            throw SyntaxError(message: "unknown mechanism: \(term)")
        }
        directives.append(Directive(qualifier: qualifier, mechanism: mechanism, text: term))
    }

    /// Where a trailing `/digits`, `//digits` or `/digits//digits` begins in `text` (its end if none).
    private static func trailingCIDR(_ text: Substring) -> Substring.Index {
        var end = text.endIndex
        func strip(_ slashes: Int) {
            let digits = text[..<end].reversed().prefix { $0.isASCII && $0.isNumber }.count
            guard digits > 0 else { return }
            let start = text.index(end, offsetBy: -digits)
            let prefix = text[..<start]
            let slashCount = prefix.reversed().prefix { $0 == "/" }.count
            guard slashCount == slashes else { return }
            end = text.index(start, offsetBy: -slashes)
        }
        strip(2)
        strip(1)
        return end
    }

    /// `[ip4-cidr-length] [ "/" ip6-cidr-length ]` after `a` and `mx`.
    private static func dualCIDR(_ text: Substring, term: String) throws -> (Int, Int) {
        guard !text.isEmpty else { return (32, 128) }
        guard text.hasPrefix("/") else { throw SyntaxError(message: "bad CIDR: \(term)") }
        var rest = text.dropFirst()
        var v4 = 32, v6 = 128
        if rest.hasPrefix("/") {
            v6 = try cidrLength(rest.dropFirst(), max: 128, term: term)
            return (v4, v6)
        }
        if let second = rest.range(of: "//") {
            v6 = try cidrLength(rest[second.upperBound...], max: 128, term: term)
            rest = rest[..<second.lowerBound]
        }
        v4 = try cidrLength(rest, max: 32, term: term)
        return (v4, v6)
    }

    /// A CIDR length: digits without a leading zero (except "0"), at most `max`.
    private static func cidrLength(_ text: Substring, max: Int, term: String) throws -> Int {
        guard !text.isEmpty, text.count <= 3, text.allSatisfy({ $0.isASCII && $0.isNumber }),
              !(text.count > 1 && text.hasPrefix("0")), let value = Int(text), value <= max else {
            throw SyntaxError(message: "bad CIDR length: \(term)")
        }
        return value
    }

    /// `domain-spec = macro-string domain-end`: unless it ends with a macro, it ends with a dot
    /// and a top label (RFC 7208 7.1): letters, digits and inner hyphens, not all digits
    /// unless hyphenated.
    static func validateDomainSpec(_ spec: String) throws {
        if spec.hasSuffix("}") { return }
        var text = Substring(spec)
        if text.hasSuffix(".") { text = text.dropLast() }
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, let last = labels.last, !last.isEmpty,
              last.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }),
              !last.hasPrefix("-"), !last.hasSuffix("-"),
              last.contains(where: { $0.isLetter }) || last.contains("-") else {
            throw SyntaxError(message: "not a domain name: \(spec)")
        }
    }
}
