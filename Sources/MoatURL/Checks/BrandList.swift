import Foundation

/// Domains phishers imitate (`rules/url/brands.txt`), and the two ways a link imitates one: a
/// registrable domain that *looks* like the brand's (`paypa1.com`, `pаypal.com` with a Cyrillic
/// `а`, `rnicrosoft.com`), or the brand's name carried by someone else's domain
/// (`paypal.com.account-check.example`, `secure-paypal.example`).
///
/// Lookalikes are compared by a fold: Cyrillic and Greek letters that render as Latin ones become
/// those letters (`HostScript.skeleton`), then `rn`→`m`, `vv`→`w`, `0`→`o`, `1`/`i`→`l`, `3`→`e`,
/// `5`→`s`. Two domains with the same fold look the same to a reader; the brand's own domain and
/// its subdomains never match.
public struct BrandList: Sendable {
    /// One imitation found in a link.
    public enum Imitation: Sendable, Hashable {
        case lookalike(brand: String)
        case embedded(brand: String)
    }

    private var domains: Set<String> = []
    private var byFold: [String: String] = [:]
    /// The brand's name (its registrable domain's first label, at least 4 letters) → its domain.
    private var names: [String: String] = [:]
    /// The folded names (`rnicrosoft` and `micros0ft` fold to `microsoft`) → domain, for words of subdomains.
    private var namesByFold: [String: String] = [:]
    /// How many labels the brands' domains have (2 for paypal.com, 3 for amazon.co.jp).
    private var labelCounts: Set<Int> = []
    /// Answers by host, across messages: the check reads nothing else of a link, and mail
    /// repeats hosts (a fold per label per link was a tenth of the url engine's time).
    private let answers = BoundedMemo<Imitation?>()

    public var count: Int { domains.count }

    /// Whether `domain` (a registrable domain) is one of the brands.
    public func contains(_ domain: String) -> Bool { domains.contains(domain) }

    /// `entries` are registrable domains (one a line in the file, `#` comments).
    public init(entries: [String], normalizer: URLNormalizer) {
        for entry in entries {
            var trimmed = entry.trimmingCharacters(in: .whitespaces)
            // `=visa.com`: the name is a common word; only lookalikes of the whole domain count.
            let lookalikeOnly = trimmed.hasPrefix("=")
            if lookalikeOnly { trimmed.removeFirst() }
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#"),
                  let url = normalizer.normalize("http://" + trimmed, source: .text, partPath: "", schemeless: false) else { continue }
            let domain = url.registrableDomain ?? url.host
            domains.insert(domain)
            labelCounts.insert(domain.split(separator: ".").count)
            byFold[Self.fold(domain)] = domain
            if !lookalikeOnly, let name = domain.split(separator: ".").first, name.count >= 4 {
                names[String(name)] = domain
                namesByFold[Self.fold(String(name))] = domain
            }
        }
    }

    public init(contentsOfFile path: String, normalizer: URLNormalizer) throws {
        self.init(entries: try DomainList.entries(inFile: path), normalizer: normalizer)
    }

    /// The brand `url` imitates, if any.
    public func imitation(in url: ExtractedURL) -> Imitation? {
        guard !url.isIPHost else { return nil }
        let key = url.host + "\u{0}" + url.unicodeHost + "\u{0}" + (url.registrableDomain ?? "")
        return answers.value(key) { imitation(host: url.host, unicodeHost: url.unicodeHost, registrable: url.registrableDomain ?? url.host) }
    }

    private func imitation(host: String, unicodeHost: String, registrable: String) -> Imitation? {
        if domains.contains(registrable) { return nil }
        // The registrable part of the Unicode host: as many labels as the ASCII registrable domain has.
        let labelCount = registrable.split(separator: ".").count
        let unicodeRegistrable = unicodeHost.split(separator: ".").suffix(labelCount).joined(separator: ".")
        if let brand = byFold[Self.fold(unicodeRegistrable)] { return .lookalike(brand: brand) }
        // A brand's whole domain as labels of another host (`paypal.com.evil.example`): every run of
        // as many labels as some brand has, looked up in the set (not every brand searched per URL).
        let labels = host.split(separator: ".")
        for length in labelCounts where length <= labels.count {
            for start in 0...(labels.count - length) {
                let window = labels[start..<start + length].joined(separator: ".")
                if domains.contains(window) { return .embedded(brand: window) }
            }
        }
        // A brand's name as a hyphenated word of the registrable label (`paypal-login.example`).
        if let first = registrable.split(separator: ".").first, first.contains("-") {
            for word in first.split(separator: "-") {
                if let brand = names[String(word)] { return .embedded(brand: brand) }
            }
        }
        // A misspelt brand name as a label or hyphenated word anywhere in the host
        // (`secure-micros0ft.example.org`, `rnicrosoft.example.org`). The exact name alone as a
        // subdomain (`apple.slashdot.org`, `live.example.com`) is left out: sites name sections
        // after brands far more often than phishers do without misspelling them.
        let hostLabels = unicodeHost.split(separator: ".")
        var candidates = Array(hostLabels.dropLast(labelCount))
        if hostLabels.count >= labelCount { candidates.append(hostLabels[hostLabels.count - labelCount]) }
        for label in candidates {
            let words = label.split(separator: "-")
            for word in words where word.count >= 4 {
                let text = String(word)
                guard let brand = namesByFold[Self.fold(text)] else { continue }
                if names[text] == nil { return .lookalike(brand: brand) }
                if words.count > 1 { return .embedded(brand: brand) }
            }
        }
        return nil
    }

    /// What a reader would take the domain to be: one pass over the skeleton, `rn`→`m`, `vv`→`w`,
    /// `0`→`o`, `1`/`i`→`l`, `3`→`e`, `5`→`s`.
    static func fold(_ domain: String) -> String {
        let letters = Array(HostScript.skeleton(domain).unicodeScalars)
        var folded = String.UnicodeScalarView()
        var i = 0
        while i < letters.count {
            let pair = i + 1 < letters.count ? (letters[i], letters[i + 1]) : nil
            if let pair, pair == ("r", "n") || pair == ("v", "v") {
                folded.append(pair.0 == "r" ? "m" : "w")
                i += 2
                continue
            }
            switch letters[i] {
            case "0": folded.append("o")
            case "1", "i": folded.append("l")
            case "3": folded.append("e")
            case "5": folded.append("s")
            default: folded.append(letters[i])
            }
            i += 1
        }
        return String(folded)
    }
}
