import Foundation

/// The Public Suffix List (publicsuffix.org): which part of a host name its owner registered.
///
/// `registrableDomain("a.b.example.co.uk")` is `example.co.uk`. Rules are kept in ASCII
/// (Punycode) form, as hosts are compared after IDNA. The single-label rules double as the set of
/// top-level domains that scheme-less links (`example.com/login`) are recognised by. The adapter
/// catalogue lends `registrableDomain` to the auth engine for DMARC's organisational domain.
public struct PublicSuffixList: Sendable {
    private var rules: Set<String> = []
    private var wildcards: Set<String> = []
    private var exceptions: Set<String> = []
    /// Top-level labels (`com`, `uk`, `xn--p1ai`), in ASCII form.
    public private(set) var topLevelDomains: Set<String> = []

    /// Parses the list's text format: one rule a line, `//` comments, `*.` wildcards, `!` exceptions.
    public init(text: String) {
        for line in text.split(whereSeparator: \.isNewline) {
            let rule = line.split(whereSeparator: \.isWhitespace).first.map(String.init) ?? ""
            if rule.isEmpty || rule.hasPrefix("//") { continue }
            if rule.hasPrefix("!") {
                if let ascii = Self.ascii(String(rule.dropFirst())) { exceptions.insert(ascii) }
            } else if rule.hasPrefix("*.") {
                if let ascii = Self.ascii(String(rule.dropFirst(2))) { wildcards.insert(ascii) }
            } else if let ascii = Self.ascii(rule) {
                rules.insert(ascii)
                if !ascii.contains(".") { topLevelDomains.insert(ascii) }
            }
        }
    }

    /// Reads the list from a file (e.g. `rules/url/public_suffix_list.dat`).
    public init(contentsOfFile path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw URLEngineError.unreadableFile(path: path)
        }
        self.init(text: String(decoding: data, as: UTF8.self))
    }

    /// Whether the last label of `host` is a known top-level domain.
    public func hasKnownTopLevelDomain(_ host: String) -> Bool {
        guard let last = host.split(separator: ".").last else { return false }
        return topLevelDomains.contains(last.lowercased())
    }

    /// The public suffix of an ASCII, lower-case host (`co.uk` for `www.example.co.uk`).
    public func publicSuffix(_ host: String) -> String {
        let labels = host.split(separator: ".").map(String.init)
        guard !labels.isEmpty else { return host }
        // Walk from the longest candidate; the first (longest) matching rule wins.
        for start in 0..<labels.count {
            let candidate = labels[start...].joined(separator: ".")
            if exceptions.contains(candidate) {
                return labels[(start + 1)...].joined(separator: ".")
            }
            if rules.contains(candidate) { return candidate }
            if start + 1 < labels.count, wildcards.contains(labels[(start + 1)...].joined(separator: ".")) {
                return candidate
            }
        }
        // Unlisted TLD: the default rule "*" makes the last label the suffix.
        return labels[labels.count - 1]
    }

    /// The registrable domain (public suffix plus one label), or nil when the host is itself a
    /// public suffix or an IP literal.
    public func registrableDomain(_ host: String) -> String? {
        if host.hasPrefix("[") || IPv4Literal.parse(host) != nil { return nil }
        let suffix = publicSuffix(host)
        guard host.count > suffix.count, host.hasSuffix("." + suffix) else { return nil }
        let head = host.dropLast(suffix.count + 1)
        let label = head.split(separator: ".").last.map(String.init) ?? String(head)
        return label + "." + suffix
    }

    private static func ascii(_ rule: String) -> String? {
        let lower = rule.lowercased()
        if lower.unicodeScalars.allSatisfy(\.isASCII) { return lower }
        var labels: [String] = []
        for label in lower.split(separator: ".") {
            if label.unicodeScalars.allSatisfy(\.isASCII) {
                labels.append(String(label))
            } else {
                guard let encoded = Punycode.encode(String(label)) else { return nil }
                labels.append("xn--" + encoded)
            }
        }
        return labels.joined(separator: ".")
    }
}
