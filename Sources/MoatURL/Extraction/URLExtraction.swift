import MoatCore

/// Everything `URLExtractor` found in one message.
public struct URLExtraction: Sendable {
    /// Distinct links, in the order found (text and HTML parts, headers, PDFs, then QR codes).
    public var urls: [ExtractedURL] = []
    /// Limits reached, unreadable images, encrypted PDFs, non-link QR payloads (score 0).
    public var notes: [Finding] = []
    /// Images decoded and read for QR codes.
    public var imagesScanned = 0
    /// QR codes read (with or without a link).
    public var qrCodes = 0

    public init() {}
}
