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
        // A host of non-empty labels (nearly every one) is read in place: each candidate is a
        // suffix of the host itself, so no label array is built and no candidate joined.
        publicSuffixInPlace(host) ?? publicSuffixByLabels(host)
    }

    /// `publicSuffix` as the list's algorithm states it, on the host's non-empty labels.
    func publicSuffixByLabels(_ host: String) -> String {
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

    /// `publicSuffix` for an ASCII host without empty labels (no leading, trailing or doubled dot), else
    /// nil: then the candidates `split` and `joined` build are exactly the host's suffixes.
    func publicSuffixInPlace(_ host: String) -> String? {
        let utf8 = host.utf8
        // ASCII only: `split` cuts at the character ".", which a combining mark after a dot is not.
        guard let first = utf8.first, first != 0x2E, utf8.last != 0x2E, utf8.allSatisfy({ $0 < 0x80 }) else { return nil }
        var starts = [host.startIndex]
        for index in utf8.indices where utf8[index] == 0x2E {
            // A dot right after the last label's start: an empty label.
            if starts.count > 1, index == starts[starts.count - 1] { return nil }
            starts.append(utf8.index(after: index))
        }
        for (k, start) in starts.enumerated() {
            let candidate = String(host[start...])
            if exceptions.contains(candidate) {
                return k + 1 < starts.count ? String(host[starts[k + 1]...]) : ""
            }
            if rules.contains(candidate) { return candidate }
            if k + 1 < starts.count, wildcards.contains(String(host[starts[k + 1]...])) { return candidate }
        }
        return String(host[starts[starts.count - 1]...])
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
