import MoatMessage
import Foundation

/// Turns the text of a link, however disguised, into one canonical form for matching.
///
/// Undoes what mail clients and browsers undo (backslashes, IDNA, percent escapes in the host,
/// numeric IPv4 forms, default ports, trailing dots) and what evasion adds (zero-width
/// characters, dot look-alikes, defanging), recording each as a `URLTrait`. Only `http`,
/// `https` and `ftp` links are kept: `mailto:`, `cid:`, `javascript:` lead nowhere to scan.
public struct URLNormalizer: Sendable {
    /// The Public Suffix List used for registrable domains and scheme-less links.
    public let publicSuffixes: PublicSuffixList
    /// Hosts already read, shared by every copy of this normaliser.
    private let hosts = BoundedMemo<HostFacts?>()

    /// Characters that render as nothing; removed before anything else.
    static let invisible: Set<UInt32> = [0x00AD, 0x180E, 0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF]
    /// Characters IDNA maps to `.`.
    static let dotLookalikes: Set<UInt32> = [0x3002, 0xFF0E, 0xFF61]
    /// Defanging forms (lower-case) and what they stand for.
    static let defangings: [(String, String)] = [
        ("[://]", "://"), ("[:]", ":"), ("[.]", "."), ("(.)", "."), ("{.}", "."),
        ("[dot]", "."), ("(dot)", "."), ("{dot}", "."), ("[/]", "/"),
    ]
    /// Defanged schemes and the real ones.
    static let defangedSchemes: [String: String] = [
        "hxxp": "http", "hxxps": "https", "hxtp": "http", "hxtps": "https", "fxp": "ftp",
        "hxxxp": "http", "hxxxps": "https", "h__p": "http", "h__ps": "https",
    ]
    static let schemes: Set<String> = ["http", "https", "ftp"]
    static let defaultPorts: [String: String] = ["http": "80", "https": "443", "ftp": "21"]

    public init(publicSuffixes: PublicSuffixList) {
        self.publicSuffixes = publicSuffixes
    }

    /// Normalises `raw`; nil when it is not an `http(s)`/`ftp` link with a usable host.
    ///
    /// - Parameter schemeless: accept `www.example.com` and `example.com/path` without a scheme
    ///   (text); HTML attributes pass false, as relative links there are resolved by the caller.
    public func normalize(_ raw: String, source: URLSource, partPath: String, schemeless: Bool) -> ExtractedURL? {
        guard raw.utf8.count <= 8192 else { return nil }
        var traits: Set<URLTrait> = []
        // Printable ASCII (almost every link) holds no invisible character, dot lookalike or
        // line break: it is taken as it is instead of being rebuilt scalar by scalar.
        let plain = raw.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }
        var scalars = String.UnicodeScalarView()
        for scalar in raw.unicodeScalars where !plain {
            if Self.invisible.contains(scalar.value) {
                traits.insert(.zeroWidth)
            } else if Self.dotLookalikes.contains(scalar.value) {
                traits.insert(.dotLookalike)
                scalars.append(".")
            } else if scalar == "\t" || scalar == "\n" || scalar == "\r" {
                continue
            } else {
                scalars.append(scalar)
            }
        }
        // Each Foundation call below is skipped when it cannot change anything (the usual case):
        // together they were over a third of the url engine's time.
        var text = plain ? raw : String(scalars)
        if let first = text.unicodeScalars.first, let last = text.unicodeScalars.last,
           Self.isHorizontalSpace(first) || Self.isHorizontalSpace(last) {
            text = text.trimming(.whitespaces)
        }
        // Fullwidth and other compatibility forms (`ｈｔｔｐｓ：／／`) fold to ASCII, as browsers do
        // (ASCII is its own compatibility form).
        if !text.utf8.allSatisfy({ $0 < 0x80 }) {
            let folded = text.precomposedStringWithCompatibilityMapping
            if folded != text {
                traits.insert(.compatibilityCharacters)
                text = folded
            }
        }
        // Every defanging form holds a bracket.
        if text.utf8.contains(where: { $0 == 0x5B || $0 == 0x28 || $0 == 0x7B }) {
            let lowered = text.lowercased()
            for (form, meaning) in Self.defangings where lowered.contains(form) {
                text = text.replacingOccurrences(of: form, with: meaning, options: .caseInsensitive)
                traits.insert(.defanged)
            }
        }
        if text.utf8.contains(0x5C) {
            text = text.replacingOccurrences(of: "\\", with: "/")
            traits.insert(.backslashes)
        }

        // Scheme.
        var scheme = "http"
        var rest: Substring
        if let colon = text.firstIndex(of: ":"), let parsed = Self.scheme(text[..<colon]) {
            scheme = parsed.scheme
            if parsed.defanged { traits.insert(.defanged) }
            rest = text[text.index(after: colon)...]
            guard Self.schemes.contains(scheme) else { return nil }
            while rest.first == "/" { rest = rest.dropFirst() }
        } else if text.hasPrefix("//") {
            rest = text.dropFirst(2)
        } else if schemeless {
            rest = Substring(text)
            traits.insert(.schemeless)
        } else {
            return nil
        }

        // Authority.
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        let tail = rest[authorityEnd...]
        if let at = authority.lastIndex(of: "@") {
            if at != authority.startIndex { traits.insert(.userinfo) }
            authority = authority[authority.index(after: at)...]
        }
        var hostText: Substring
        var port = ""
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            hostText = authority[...close]
            let after = authority[authority.index(after: close)...]
            if after.hasPrefix(":") { port = String(after.dropFirst()) }
        } else if let colon = authority.lastIndex(of: ":") {
            hostText = authority[..<colon]
            port = String(authority[authority.index(after: colon)...])
        } else {
            hostText = authority
        }
        guard port.allSatisfy(\.isASCII), port.allSatisfy(\.isNumber), port.count <= 5 else { return nil }
        while port.count > 1, port.hasPrefix("0") { port.removeFirst() }
        if port == Self.defaultPorts[scheme] { port = "" }
        if !port.isEmpty { traits.insert(.port) }

        guard let host = hosts.value(String(hostText), compute: { readHost(hostText) }) else { return nil }
        traits.formUnion(host.traits)
        if traits.contains(.schemeless), !traits.contains(.ipHost), !host.knownTopLevelDomain {
            return nil
        }
        let path = Self.normalizePath(tail)
        let normalized = scheme + "://" + host.ascii + (port.isEmpty ? "" : ":" + port) + path
        return ExtractedURL(
            raw: raw, normalized: normalized, scheme: scheme, host: host.ascii, unicodeHost: host.unicode,
            registrableDomain: host.registrableDomain, pathAndQuery: path,
            source: source, partPath: partPath, anchorText: nil, unwrappedFrom: nil, traits: traits)
    }

    /// What normalising learns from the host text alone (memoised in `hosts`).
    private func readHost(_ text: Substring) -> HostFacts? {
        var traits: Set<URLTrait> = []
        guard let host = hostName(text, traits: &traits) else { return nil }
        return HostFacts(ascii: host.ascii, unicode: host.unicode, traits: traits,
                              registrableDomain: publicSuffixes.registrableDomain(host.ascii),
                              knownTopLevelDomain: publicSuffixes.hasKnownTopLevelDomain(host.ascii))
    }

    /// Whether `scalar` is in `CharacterSet.whitespaces` (ASCII answered without Foundation).
    private static func isHorizontalSpace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.isASCII ? scalar == " " || scalar == "\t" : CharacterSet.whitespaces.contains(scalar)
    }

    /// Reads a scheme name, mapping defanged spellings (`hxxp`) to real ones.
    private static func scheme(_ text: Substring) -> (scheme: String, defanged: Bool)? {
        guard !text.isEmpty, text.count <= 10 else { return nil }
        let lower = text.lowercased()
        if let real = defangedSchemes[lower] { return (real, true) }
        guard lower.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || $0 == "+" || $0 == "-" }) else {
            return nil
        }
        return (lower, false)
    }

    /// Host in ASCII and Unicode forms, with its traits; nil when it cannot be a host.
    private func hostName(_ text: Substring, traits: inout Set<URLTrait>) -> (ascii: String, unicode: String)? {
        if text.hasPrefix("[") {
            let literal = text.lowercased()
            guard literal.count > 2, literal.dropFirst().dropLast().allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                return nil
            }
            traits.insert(.ipHost)
            return (literal, literal)
        }
        var host = String(text)
        if host.containsBytes("%") {
            let decoded = Self.percentDecode(host, onlyUnreserved: false)
            if decoded != host { traits.insert(.percentEncodedHost) }
            host = decoded
        }
        // NFKC folding, invisible scalars and dot look-alikes only concern non-ASCII hosts: an ASCII
        // host (nearly every one) skips them, and Foundation's normalisation with them.
        if host.utf8.contains(where: { $0 >= 0x80 }) {
            let folded = host.precomposedStringWithCompatibilityMapping
            if folded != host { traits.insert(.compatibilityCharacters) }
            host = ""
            for scalar in folded.unicodeScalars {
                if Self.invisible.contains(scalar.value) {
                    traits.insert(.zeroWidth)
                } else if Self.dotLookalikes.contains(scalar.value) {
                    traits.insert(.dotLookalike)
                    host.append(".")
                } else {
                    host.unicodeScalars.append(scalar)
                }
            }
        }
        host = host.lowercased()
        while host.hasSuffix(".") { host.removeLast() }
        while host.hasPrefix(".") { host.removeFirst() }
        guard !host.isEmpty, host.utf8.count <= 253 else { return nil }
        guard !host.unicodeScalars.contains(where: { $0.value <= 0x20 || "<>\"'`{}|^/\\?#@%[]()*,;=!$&+~".unicodeScalars.contains($0) }) else {
            return nil
        }
        if let dotted = IPv4Literal.parse(host) {
            traits.insert(.ipHost)
            if dotted != host { traits.insert(.obfuscatedIP) }
            return (dotted, dotted)
        }
        var asciiLabels: [String] = []
        var unicodeLabels: [String] = []
        for label in host.split(separator: ".", omittingEmptySubsequences: false) {
            guard !label.isEmpty, label.utf8.count <= 253 else { return nil }
            let label = String(label)
            if label.unicodeScalars.allSatisfy(\.isASCII) {
                guard label.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }) else {
                    return nil
                }
                asciiLabels.append(label)
                if label.hasPrefix("xn--"), let decoded = Punycode.decode(String(label.dropFirst(4))) {
                    traits.insert(.internationalized)
                    if HostScript.isMixedScript(decoded) { traits.insert(.mixedScript) }
                    unicodeLabels.append(decoded)
                } else {
                    unicodeLabels.append(label)
                }
            } else {
                guard label.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || $0.properties.numericType != nil || $0 == "-" || $0.properties.generalCategory == .nonspacingMark || $0.properties.generalCategory == .spacingMark }),
                      let encoded = Punycode.encode(label) else {
                    return nil
                }
                traits.insert(.internationalized)
                if HostScript.isMixedScript(label) { traits.insert(.mixedScript) }
                asciiLabels.append("xn--" + encoded)
                unicodeLabels.append(label)
            }
        }
        guard asciiLabels.contains(where: { $0.contains(where: \.isLetter) || $0.contains(where: \.isNumber) }) else { return nil }
        return (asciiLabels.joined(separator: "."), unicodeLabels.joined(separator: "."))
    }

    /// Path, query and fragment with escapes of unreserved characters decoded and spaces escaped.
    static func normalizePath(_ tail: Substring) -> String {
        var path = percentDecode(String(tail), onlyUnreserved: true)
        if path.utf8.contains(0x20) { path = path.replacingOccurrences(of: " ", with: "%20") }
        if !path.hasPrefix("/") { path = "/" + path }
        return path
    }

    /// Decodes `%XX` escapes (all of them, as UTF-8; or only those of RFC 3986 unreserved characters).
    static func percentDecode(_ text: String, onlyUnreserved: Bool) -> String {
        guard text.containsBytes("%") else { return text }
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count, let high = hexValue(bytes[i + 1]), let low = hexValue(bytes[i + 2]) {
                let value = high << 4 | low
                if !onlyUnreserved || isUnreserved(value) {
                    out.append(value)
                    i += 3
                    continue
                }
            }
            out.append(bytes[i])
            i += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
            true
        default:
            false
        }
    }
}
