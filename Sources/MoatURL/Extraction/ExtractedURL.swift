/// Where in a message a link was found.
public enum URLSource: String, Sendable, Hashable, Codable, CaseIterable {
    /// A text part (plain text, or a `text/*` part that is not HTML).
    case text
    /// An HTML part: `href`, `src`, `action`, `srcset`, CSS `url()`, meta refresh.
    case html
    /// A header field (`List-Unsubscribe`, `Subject`, ...).
    case header
    /// A link annotation or URI action in a PDF attachment.
    case pdf
    /// A QR code in an image.
    case qr
}

/// One link a recipient could follow, as found and as normalised.
public struct ExtractedURL: Sendable, Hashable {
    /// The text as it appeared (after HTML entity decoding), kept as evidence.
    public var raw: String
    /// Normalised form: `scheme://host[:port]/path[?query][#fragment]`, host in ASCII (Punycode).
    public var normalized: String
    /// Scheme, lower-case (`http`, `https`, `ftp`).
    public var scheme: String
    /// Host in ASCII, lower-case; IPv4 literals in dotted-decimal form.
    public var host: String
    /// Host with `xn--` labels decoded, for display and script checks.
    public var unicodeHost: String
    /// Registrable domain per the Public Suffix List (nil for IP hosts and bare suffixes).
    public var registrableDomain: String?
    /// Path, query and fragment of the normalised form.
    public var pathAndQuery: String
    public var source: URLSource
    /// MIME part path (`""` for the message's own headers).
    public var partPath: String
    /// For HTML anchors: the visible link text (bounded), used for the display/target check.
    public var anchorText: String?
    /// The wrapping redirector URL when this one was unwrapped from its parameter.
    public var unwrappedFrom: String?
    /// Evasion and risk traits seen while normalising.
    public var traits: Set<URLTrait>

    /// Whether the host is an IP literal.
    public var isIPHost: Bool { traits.contains(.ipHost) }
}

/// A trait of a link noticed during normalisation; most are evasion techniques.
public enum URLTrait: String, Sendable, Hashable, Codable, CaseIterable {
    /// `hxxp://`, `example[.]com`, `(dot)`.
    case defanged
    /// U+200B and other invisible characters inside the link.
    case zeroWidth = "zero_width"
    /// U+3002, U+FF0E, U+FF61 used as dots.
    case dotLookalike = "dot_lookalike"
    /// Fullwidth or other compatibility characters folded by NFKC.
    case compatibilityCharacters = "compatibility_characters"
    /// `https:\\host` backslashes.
    case backslashes
    /// `https://bank.example@evil.example/`.
    case userinfo
    /// `%65vil.com`: percent escapes in the host.
    case percentEncodedHost = "percent_encoded_host"
    /// Host is an IPv4 or IPv6 literal.
    case ipHost = "ip_host"
    /// IPv4 written in decimal, octal or hex, or with fewer than four parts.
    case obfuscatedIP = "obfuscated_ip"
    /// Host has `xn--` labels or non-ASCII letters.
    case internationalized
    /// One label mixes Latin with Cyrillic or Greek letters.
    case mixedScript = "mixed_script"
    /// Line-wrapped link joined back together.
    case wrapped
    /// Scheme-less link (`www.example.com`, `example.com/path`).
    case schemeless
    /// Non-default port.
    case port
}
