import Foundation
import MoatCore
import MoatMessage

/// Accumulates one message's links: normalises, unwraps redirectors, de-duplicates and bounds.
struct Collector {
    let extractor: URLExtractor
    var result = URLExtraction()
    /// `cid:` references seen in HTML (lower-case, without brackets), to label inline images.
    var contentIDs: Set<String> = []
    private var seen: Set<String> = []
    private var dropped = 0
    /// Normalised forms by raw text (and whether a scheme was optional): newsletters repeat one
    /// link in text and HTML, and a link's normal form depends on nothing else.
    private var normalForms: [String: ExtractedURL?] = [:]

    init(extractor: URLExtractor) {
        self.extractor = extractor
    }

    mutating func note(_ code: String, _ detail: String, _ partPath: String) {
        result.notes.append(Finding(code: code, detail: detail, score: 0, partPath: partPath))
    }

    /// Normalises and records one raw link; returns it when it was usable.
    @discardableResult
    mutating func add(_ raw: String, _ source: URLSource, _ partPath: String, schemeless: Bool,
                      anchorText: String? = nil, extraTraits: Set<URLTrait> = []) -> ExtractedURL? {
        guard var url = normalize(raw, source, partPath, schemeless: schemeless) else { return nil }
        url.anchorText = anchorText
        url.traits.formUnion(extraTraits)
        record(url)
        var outer = url
        for _ in 0..<extractor.limits.maxRedirectDepth {
            guard let inner = RedirectUnwrapper.destination(of: outer),
                  var target = normalize(inner, source, partPath, schemeless: false) else { break }
            target.unwrappedFrom = outer.normalized
            target.anchorText = anchorText
            record(target)
            outer = target
        }
        return url
    }

    private mutating func normalize(_ raw: String, _ source: URLSource, _ partPath: String, schemeless: Bool) -> ExtractedURL? {
        let key = schemeless ? "s" + raw : "-" + raw
        let form: ExtractedURL?
        if let known = normalForms[key] {
            form = known
        } else {
            form = extractor.normalizer.normalize(raw, source: source, partPath: partPath, schemeless: schemeless)
            normalForms[key] = .some(form)
        }
        guard var url = form else { return nil }
        url.source = source
        url.partPath = partPath
        return url
    }

    private mutating func record(_ url: ExtractedURL) {
        let key = url.source.rawValue + " " + url.partPath + " " + url.normalized
        guard !seen.contains(key) else { return }
        guard result.urls.count < extractor.limits.maxURLs else {
            if dropped == 0 {
                note("url.limit_urls", "more than max_urls=\(extractor.limits.maxURLs) distinct links; the rest were not checked", url.partPath)
            }
            dropped += 1
            return
        }
        seen.insert(key)
        result.urls.append(url)
    }

    mutating func addText(_ text: String, _ source: URLSource, _ partPath: String) {
        for candidate in TextLinkScanner.candidates(in: text, limit: extractor.limits.maxURLs * 2) {
            add(candidate.raw, source, partPath, schemeless: candidate.schemeless,
                extraTraits: candidate.wrapped ? [.wrapped] : [])
        }
    }

    mutating func addHTML(_ html: String, _ partPath: String) {
        let scanned = HTMLLinkScanner.scan(html, limit: extractor.limits.maxURLs * 2)
        if scanned.dropped > 0 {
            note("url.limit_urls", "\(scanned.dropped) HTML links beyond the limit were not read", partPath)
        }
        let base = scanned.base.flatMap { extractor.normalizer.normalize($0, source: .html, partPath: partPath, schemeless: false) }
        for link in scanned.links {
            let lower = link.value.lowercased()
            if lower.hasPrefix("cid:") {
                contentIDs.insert(String(lower.dropFirst(4)).removingPercentEncoding ?? String(lower.dropFirst(4)))
                continue
            }
            var value = link.value
            if let base, Self.isRelative(value) { value = Self.resolve(value, against: base) }
            add(value, .html, partPath, schemeless: false, anchorText: link.anchorText)
        }
        // Addresses written in the page's text (not links): bare, `www.`, defanged, as in text parts.
        addText(HTMLEntities.decode(String(decoding: scanned.visibleText, as: UTF8.self)), .text, partPath)
    }

    mutating func addPDF(_ bytes: [UInt8], _ partPath: String) {
        let scanned = PDFLinkScanner.scan(bytes, limit: extractor.limits.maxURLs, inflateBudget: extractor.limits.pdfInflateBudget)
        if scanned.encrypted {
            note("url.pdf_encrypted", "encrypted PDF: its links were not read", partPath)
        }
        if scanned.streamsSkipped > 0 {
            note("url.limit_pdf_inflate", "\(scanned.streamsSkipped) compressed streams beyond pdf_inflate_budget not read", partPath)
        }
        for uri in scanned.uris { add(uri, .pdf, partPath, schemeless: true) }
    }

    mutating func addQR(_ outcome: QRImageOutcome, part: MessagePart, inline: Bool) {
        if let error = outcome.error {
            switch error {
            case .tooLarge: note("url.limit_image_pixels", error.description, part.path)
            case .unsupported, .malformed: note("url.image_unreadable", error.description, part.path)
            }
            return
        }
        result.imagesScanned += 1
        for payload in outcome.payloads {
            result.qrCodes += 1
            let text = String(decoding: payload, as: UTF8.self).trimmingWhitespaceAndNewlines()
            var found = add(text, .qr, part.path, schemeless: true) != nil
            if !found {
                // `URLTO:`, vCards, Wi-Fi cards with a link inside.
                for candidate in TextLinkScanner.candidates(in: text, limit: 16) {
                    if add(candidate.raw, .qr, part.path, schemeless: candidate.schemeless) != nil { found = true }
                }
            }
            if !found {
                note("url.qr_text", "\(inline ? "inline" : "attached") image: QR code without a link: \(text.prefix(120).debugDescription)", part.path)
            }
        }
    }

    static func isRelative(_ value: String) -> Bool {
        let lower = value.lowercased()
        guard let colon = lower.firstIndex(of: ":") else { return !lower.hasPrefix("//") }
        return lower[..<colon].contains { $0 == "/" || $0 == "?" || $0 == "#" }
    }

    /// RFC 3986 reference resolution, simplified: absolute paths replace the path, others are
    /// appended to the base's directory.
    static func resolve(_ reference: String, against base: ExtractedURL) -> String {
        let origin = base.scheme + "://" + base.host
        if reference.hasPrefix("/") { return origin + reference }
        var directory = base.pathAndQuery
        if let question = directory.firstIndex(where: { $0 == "?" || $0 == "#" }) { directory = String(directory[..<question]) }
        if let slash = directory.lastIndex(of: "/") { directory = String(directory[...slash]) }
        if reference.hasPrefix("?") || reference.hasPrefix("#") { return origin + base.pathAndQuery.prefix { $0 != "?" && $0 != "#" } + reference }
        return origin + directory + reference
    }
}

