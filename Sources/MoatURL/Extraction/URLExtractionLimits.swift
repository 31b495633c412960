/// Bounds on the work done for one message.
public struct URLExtractionLimits: Sendable, Hashable {
    /// Distinct links kept per message; the rest are counted (`url.limit_urls`).
    public var maxURLs = 2_000
    /// Images read for QR codes per message (`url.limit_images`).
    public var maxImages = 20
    /// Largest image (width × height) decoded; checked from the header before allocating.
    public var maxImagePixels = 40_000_000
    /// Largest image file read.
    public var maxImageBytes = 20 * 1024 * 1024
    /// Time for all image work of one message; later images and extra passes are skipped.
    public var imageTimeBudget: Duration = .seconds(5)
    /// Retry undecoded images scaled and rotated, as a phone held at an angle would see them.
    public var qrExtraPasses = true
    /// Give images zbar cannot read to zxing-cpp as well (and their inverse).
    public var qrSecondDecoder = true
    /// Bytes inflated from the FlateDecode streams of one PDF.
    public var pdfInflateBudget = 32 * 1024 * 1024
    /// Nested redirector wrappers unwrapped.
    public var maxRedirectDepth = 3

    public init() {}
}
