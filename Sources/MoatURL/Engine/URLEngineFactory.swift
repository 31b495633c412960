import MoatCore
import MoatDNS

/// Builds `URLEngine`s from manifests with `adapter = "url"`.
///
/// Options (defaults): `public_suffix_list` ("url/public_suffix_list.dat"), `block_list`
/// ("url/block.txt"), `allow_list` ("url/allow.txt"), `shorteners` ("url/shorteners.txt"), `trackers` ("url/trackers.txt": mailing services' click-tracking hosts), `brands`
/// ("url/brands.txt": domains whose lookalikes and name-carrying domains are findings),
/// `phishing_score` (8), `suspicious_score` (3), `[weights]` (see `URLRiskWeights.defaults`),
/// `max_urls` (2000), `max_images` (20), `max_image_pixels` (40,000,000), `max_image_bytes`
/// (20 MiB), `image_time_budget_ms` (5000), `qr_extra_passes` (true), `pdf_inflate_budget`
/// (32 MiB), `max_redirect_depth` (3). Paths are relative to the rules directory.
public struct URLEngineFactory: EngineFactory {
    public init() {}

    public var adapter: String { "url" }

    public func makeEngine(_ manifest: EngineManifest, context: EngineBuildContext) async throws -> any ScanEngine {
        let options = manifest.options
        let known = Set([
            "public_suffix_list", "block_list", "allow_list", "shorteners", "trackers", "brands", "phishing_score", "suspicious_score", "weights",
            "max_urls", "qr_second_decoder", "max_images", "max_image_pixels", "max_image_bytes", "image_time_budget_ms", "qr_extra_passes",
            "pdf_inflate_budget", "max_redirect_depth", "uribl", "max_uribl_domains",
        ]).union(DNSOptions.keys)
        let reader = EngineOptions(options, context: context)
        try reader.rejectUnknown(known)
        func path(_ key: String, _ fallback: String) throws -> String {
            try reader.path(key) ?? context.resolve(fallback)
        }
        func number(_ key: String, _ fallback: Double) throws -> Double {
            try reader.score(key) ?? fallback
        }
        func count(_ key: String, _ fallback: Int) throws -> Int {
            try reader.integer(key, in: 0...Int.max) ?? fallback
        }

        let pslPath = try path("public_suffix_list", "url/public_suffix_list.dat")
        let suffixes: PublicSuffixList
        do { suffixes = try PublicSuffixList(contentsOfFile: pslPath) } catch {
            throw context.invalid("public_suffix_list", "cannot read \(pslPath)")
        }
        let normalizer = URLNormalizer(publicSuffixes: suffixes)
        func list(_ key: String, _ fallback: String) throws -> DomainList {
            let file = try path(key, fallback)
            do { return try DomainList(contentsOfFile: file, normalizer: normalizer) } catch {
                throw context.invalid(key, "cannot read \(file)")
            }
        }

        func brandList() throws -> BrandList {
            let file = try path("brands", "url/brands.txt")
            do { return try BrandList(contentsOfFile: file, normalizer: normalizer) } catch {
                throw context.invalid("brands", "cannot read \(file)")
            }
        }

        let overrides = try reader.weights("weights", known: Set(URLRiskWeights.defaults.keys), in: -1000...1000)

        var limits = URLExtractionLimits()
        limits.maxURLs = try count("max_urls", limits.maxURLs)
        limits.maxImages = try count("max_images", limits.maxImages)
        limits.maxImagePixels = try count("max_image_pixels", limits.maxImagePixels)
        limits.maxImageBytes = try count("max_image_bytes", limits.maxImageBytes)
        limits.imageTimeBudget = .milliseconds(try count("image_time_budget_ms", 5_000))
        limits.pdfInflateBudget = try count("pdf_inflate_budget", limits.pdfInflateBudget)
        limits.maxRedirectDepth = try count("max_redirect_depth", limits.maxRedirectDepth)
        limits.qrExtraPasses = try reader.bool("qr_extra_passes") ?? limits.qrExtraPasses
        limits.qrSecondDecoder = try reader.bool("qr_second_decoder") ?? limits.qrSecondDecoder
        let phishing = try number("phishing_score", 8)
        let suspicious = try number("suspicious_score", 3)
        guard suspicious <= phishing else { throw context.invalid("suspicious_score", "must not exceed phishing_score") }

        let assessment = URLRiskAssessment(
            normalizer: normalizer,
            blockList: try list("block_list", "url/block.txt"),
            allowList: try list("allow_list", "url/allow.txt"),
            shorteners: try list("shorteners", "url/shorteners.txt"),
            brands: try brandList(),
            weights: URLRiskWeights(overrides),
            trackers: try list("trackers", "url/trackers.txt"))
        var blockLists: URIBlockLists?
        if let value = options["uribl"] {
            let lists = try DNSListZone.entries(value, key: "uribl", context: context).map(\.list)
            let dns = try DNSOptions(options, context: context, defaults: DNSOptions(servers: nil, maxQueries: 60))
            do {
                blockLists = try URIBlockLists(lists: lists, dns: dns, maxDomains: try count("max_uribl_domains", 20))
            } catch {
                throw context.invalid("dns_servers", "\(error)")
            }
        }
        return URLEngine(extractor: URLExtractor(normalizer: normalizer, limits: limits), assessment: assessment,
                         phishingScore: phishing, suspiciousScore: suspicious, blockLists: blockLists)
    }
}
