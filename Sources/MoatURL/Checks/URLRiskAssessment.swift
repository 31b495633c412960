import MoatMessage
import Foundation
import MoatCore

/// Turns extracted links into weighted findings: lists, display/target mismatch, QR-only links,
/// executables and archives, numeric hosts, userinfo and every evasion trait.
///
/// Each check adds its weight once per message (its first finding); further hits of the same
/// check are listed with score 0, so a message with 500 shortened links is not 500 times worse.
public struct URLRiskAssessment: Sendable {
    static let spaceOrPunctuation = CharacterSet.whitespacesAndNewlines.union(.punctuationCharacters)
    public var blockList: DomainList
    public var allowList: DomainList
    public var shorteners: DomainList
    public var brands: BrandList
    /// Mailing services' click-tracking hosts (`rules/url/trackers.txt`).
    public var trackers: DomainList
    public var weights: URLRiskWeights
    /// Reads the domains shown in link text.
    public var normalizer: URLNormalizer

    /// `.com` is left out: a path ending in `.com` names a site far more often than a DOS program
    /// (`boingboing.net/redhotjazz.com`); attachments named `.com` are the file-type engine's.
    static let executableExtensions: Set<String> = [
        "exe", "scr", "bat", "cmd", "pif", "msi", "msix", "appx", "js", "jse", "vbs", "vbe", "wsf", "wsh",
        "hta", "ps1", "jar", "lnk", "iso", "img", "vhd", "vhdx", "apk", "dll", "cpl", "reg", "one", "xll",
    ]
    static let archiveExtensions: Set<String> = ["zip", "rar", "7z", "gz", "tgz", "cab", "ace", "arj", "xz", "bz2", "tar", "z", "lzh", "uue"]
    static let traitChecks: [URLTrait] = [
        .userinfo, .obfuscatedIP, .ipHost, .mixedScript, .zeroWidth, .dotLookalike, .percentEncodedHost,
        .compatibilityCharacters, .backslashes, .internationalized, .defanged, .port,
    ]

    public init(normalizer: URLNormalizer, blockList: DomainList, allowList: DomainList, shorteners: DomainList,
                brands: BrandList, weights: URLRiskWeights, trackers: DomainList? = nil) {
        self.normalizer = normalizer
        self.blockList = blockList
        self.allowList = allowList
        self.shorteners = shorteners
        self.brands = brands
        self.weights = weights
        self.trackers = trackers ?? DomainList(entries: [], normalizer: normalizer)
    }

    /// Risk findings for `urls`, weighted; `sender` tells a newsletter's click tracker from deception.
    public func assess(_ urls: [ExtractedURL], sender: SenderContext = SenderContext()) -> [Finding] {
        var findings: [Finding] = []
        var scored: Set<String> = []
        func hit(_ check: String, _ detail: String, _ url: ExtractedURL) {
            let first = scored.insert(check).inserted
            findings.append(Finding(code: "url." + check, detail: detail, score: first ? weights[check] : 0, partPath: url.partPath))
        }
        let nonQRDomains = Set(urls.filter { $0.source != .qr }.map { $0.registrableDomain ?? $0.host })
        for url in urls {
            let shown = url.normalized
            if let entry = blockList.match(url) {
                hit("blocklisted", "\(shown) matches block list entry \(entry)", url)
                continue
            }
            if allowList.match(url) != nil { continue }
            for trait in Self.traitChecks where url.traits.contains(trait) {
                // An obfuscated IP is also an IP host: count the stronger check only.
                if trait == .ipHost, url.traits.contains(.obfuscatedIP) { continue }
                let detail = trait == .mixedScript || trait == .internationalized
                    ? "\(shown) (\(url.unicodeHost)) from \(url.raw.debugDescription.prefix(200))"
                    : "\(shown) from \(url.raw.debugDescription.prefix(200))"
                hit(trait.rawValue, detail, url)
            }
            switch brands.imitation(in: url) {
            case .lookalike(let brand)?: hit("brand_lookalike", "\(shown) (\(url.unicodeHost)) looks like \(brand)", url)
            case .embedded(let brand)?: hit("brand_embedded", "\(shown) carries the name of \(brand) on another domain", url)
            case nil: break
            }
            if let entry = shorteners.match(url) { hit("shortener", "\(shown) (\(entry))", url) }
            if let from = url.unwrappedFrom { hit("redirector", "\(from) leads to \(shown)", url) }
            if let ext = Self.fileExtension(url.pathAndQuery) {
                // `eBayISAPI.dll?ViewItem...`: a server extension answering a query, not a download.
                let serverExtension = ext == "dll" && url.pathAndQuery.containsBytes("?")
                if Self.executableExtensions.contains(ext), !serverExtension {
                    hit("executable_link", "\(shown) links to a .\(ext) file", url)
                }
                if Self.archiveExtensions.contains(ext) { hit("archive_link", "\(shown) links to a .\(ext) archive", url) }
            }
            if url.source == .qr, !nonQRDomains.contains(url.registrableDomain ?? url.host) {
                hit("qr_only", "\(shown) appears only in a QR code", url)
            }
            if url.source == .html, url.unwrappedFrom == nil, let text = url.anchorText,
               let display = mismatchedDisplayDomain(text, target: url, all: urls) {
                // Text that *is* a link (scheme, www., or nothing but the address) is what phishing
                // shows; a domain named in a sentence ("Lindows for Walmart.com") is what
                // newsletters and click trackers show, and weighs far less.
                if let why = trackedReason(url, display: display.domain, sender: sender) {
                    hit("anchor_tracked", "link text names \(display.domain), the link goes through \(why) \(shown)", url)
                } else if display.isAddress {
                    hit("anchor_mismatch", "link text shows \(display.domain) but goes to \(shown)", url)
                } else {
                    hit("anchor_mention", "link text mentions \(display.domain) but goes to \(shown)", url)
                }
            }
        }
        return findings
    }

    /// The domain that link text displays when it differs from the link's target (and from what
    /// a redirector in the target unwraps to).
    func mismatchedDisplayDomain(_ text: String, target: ExtractedURL, all: [ExtractedURL]) -> (domain: String, isAddress: Bool)? {
        let candidates = TextLinkScanner.candidates(in: text, limit: 4)
        guard !candidates.isEmpty else { return nil }
        var targets: Set<String> = [target.registrableDomain ?? target.host]
        // Destinations unwrapped from this link (Safe Links and other wrappers).
        var outer = target.normalized
        for url in all where url.unwrappedFrom == outer {
            targets.insert(url.registrableDomain ?? url.host)
            outer = url.normalized
        }
        for candidate in candidates {
            guard let shown = normalizer.normalize(candidate.raw, source: .text, partPath: "", schemeless: true) else { continue }
            let domain = shown.registrableDomain ?? shown.host
            if !targets.contains(domain) {
                let raw = candidate.raw.lowercased()
                let whole = text.trimming(Self.spaceOrPunctuation).lowercased()
                let isAddress = !candidate.schemeless || raw.hasPrefix("www.") || whole == raw.trimming(.punctuationCharacters)
                // A dotted name in capitals among other words is a product or an acronym
                // ("ASP.NET Namespace Reference", "VB.NET", "ODP.NET"), which prose writes that
                // way; a site named in a sentence is written in lower case or capitalized
                // ("Lindows for Walmart.com"). Link text that is the address keeps counting.
                if !isAddress, Self.writtenInCapitals(candidate.raw) { continue }
                return (domain, isAddress)
            }
        }
        return nil
    }

    /// Whether every letter of `text` is a capital, and it has at least two.
    static func writtenInCapitals(_ text: String) -> Bool {
        var letters = 0
        for scalar in text.unicodeScalars where scalar.properties.isAlphabetic {
            guard scalar.properties.isUppercase else { return false }
            letters += 1
        }
        return letters >= 2
    }

    /// Why a display/target mismatch is a click tracker rather than deception, or nil.
    ///
    /// The target must look like a tracker (a mailing service's tracking host, or a click path such
    /// as `/Click?q=…`, `/t/123/456/`, `/go/to?…`), and the message must vouch for it: list or bulk
    /// mail, or the tracker or the named site on the sender's own domain. A link text naming a
    /// brand from `brands.txt` is never excused: that is what phishing through a mailing service shows.
    func trackedReason(_ url: ExtractedURL, display: String, sender: SenderContext) -> String? {
        guard !url.isIPHost, brands.imitation(in: url) == nil, !brands.contains(display) else { return nil }
        let target = url.registrableDomain ?? url.host
        let tracker: String
        if let entry = trackers.match(url) {
            tracker = "the mailing service \(entry):"
        } else if Self.hasClickPath(url.pathAndQuery) {
            tracker = "the click tracker"
        } else {
            return nil
        }
        if sender.domains.contains(target) || sender.domains.contains(display) { return tracker + " of the sender's domain," }
        if sender.isBulk { return tracker + " of list mail," }
        return nil
    }

    /// Path segments that name a click-tracking endpoint.
    static let clickSegments: Set<String> = [
        "c", "t", "l", "r", "u", "e", "go", "ct", "cl", "ls", "el", "rd", "trk", "ss", "wf",
        "click", "clicks", "clickthrough", "clickthru", "track", "tracking", "redirect", "redir", "link", "links",
    ]

    /// A tracker's shape: a click segment (`/Click`, `/t/`, `/go/to`, `click.php`) followed by an
    /// opaque identifier (at least 8 more characters of path or query).
    static func hasClickPath(_ pathAndQuery: String) -> Bool {
        let path = pathAndQuery.prefix { $0 != "?" && $0 != "#" }
        var consumed = 0
        for segment in path.split(separator: "/", omittingEmptySubsequences: false) {
            consumed += segment.count + 1
            let word = segment.lowercased()
            let stem = word.split(separator: ".").first.map(String.init) ?? word
            if clickSegments.contains(stem) || stem.hasPrefix("click") || stem.hasPrefix("track") || stem.hasPrefix("redirect") {
                return pathAndQuery.count - min(consumed, pathAndQuery.count) >= 8
            }
        }
        return false
    }

    static func fileExtension(_ pathAndQuery: String) -> String? {
        // Most paths have no dot at all.
        guard pathAndQuery.utf8.contains(0x2E) else { return nil }
        let path = pathAndQuery.prefix { $0 != "?" && $0 != "#" }
        guard let last = path.split(separator: "/").last, let dot = last.lastIndex(of: ".") else { return nil }
        let ext = last[last.index(after: dot)...].lowercased()
        return ext.isEmpty || ext.count > 5 ? nil : ext
    }
}
