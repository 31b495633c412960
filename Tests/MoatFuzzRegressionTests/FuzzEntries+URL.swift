@testable import MoatURL

/// Entry points of the MoatURL fuzz targets (see `MessageFuzzEntries` for why they live here).
enum URLFuzzEntries {
    /// Pixel ceiling for image targets: big enough for real QR images, small enough that one
    /// input cannot make the fuzzer allocate gigabytes.
    static let maxPixels = 4_000_000

    /// A tiny suffix list: the normaliser's own parsing is the target, not the list.
    static let normalizer = URLNormalizer(publicSuffixes: PublicSuffixList(text: "com\nuk\nco.uk\n*.ck\n!www.ck\nxn--p1ai\n"))

    /// Link normalisation (IDNA/punycode, IPv4 forms, percent escapes, defanging, redirects).
    static func urlNormalize(_ data: [UInt8]) {
        let text = String(decoding: data, as: UTF8.self)
        blackHole(normalizer.normalize(text, source: .text, partPath: "1", schemeless: true))
        blackHole(normalizer.normalize(text, source: .html, partPath: "1", schemeless: false))
    }

    static func htmlLinks(_ data: [UInt8]) {
        let html = String(decoding: data, as: UTF8.self)
        blackHole(HTMLLinkScanner.scan(html, limit: 1_000))
        blackHole(HTMLLinkScanner.cssURLs(html))
    }

    static func pdfLinks(_ data: [UInt8]) {
        blackHole(PDFLinkScanner.scan(data, limit: 1_000, inflateBudget: 4 << 20))
    }

    static func textLinks(_ data: [UInt8]) {
        blackHole(TextLinkScanner.candidates(in: String(decoding: data, as: UTF8.self), limit: 1_000))
    }

    /// The GIF decoder on its own (the front end only reaches it for sniffed GIFs).
    static func gif(_ data: [UInt8]) {
        blackHole(GIFDecoder.size(of: data))
        blackHole(GIFDecoder.decode(data, maxPixels: maxPixels))
    }

    /// The PNG/JPEG/WebP/GIF front end as the URL engine calls it.
    static func image(_ data: [UInt8]) {
        blackHole(try? ImageDecoder.decode(data, maxPixels: maxPixels))
    }

    /// Decode, then zbar on the grey image (skipped for large images to keep executions fast).
    static func qr(_ data: [UInt8]) {
        guard let image = try? ImageDecoder.decode(data, maxPixels: 1_000_000) else { return }
        blackHole(QRCodeReader().read(image))
    }
}
