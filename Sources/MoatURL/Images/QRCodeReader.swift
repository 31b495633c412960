import CZXingShim
import CZbar

/// Reads QR codes from grey images with zbar, and with zxing-cpp where zbar finds nothing.
///
/// Two decoders because they fail differently: zbar's finder-pattern scan misses codes that
/// zxing-cpp's detector and binariser read (small, noisy, low-contrast or perspective-skewed
/// codes), and zxing-cpp 1.4 does not try light-on-dark codes, which zbar does; the inverted image
/// is given to zxing-cpp as a last try. Measured on `../shared/corpus/qr` (bench/results/qr-*.md).
///
/// Owns one zbar image scanner; zbar scanners are not thread-safe, so a reader is used by one
/// thread at a time (the engine makes one per image job on a `BlockingWorkPool` thread).
/// Only the QR symbology is enabled: a URL in a barcode a phone would open is a QR code, and
/// fewer decoders mean fewer false reads.
public final class QRCodeReader {
    private let scanner: OpaquePointer

    /// Largest canvas the 45° pass draws (typical photos and screenshots stay well below it).
    static let maxRotationPixels = 4_000_000

    /// Whether zxing-cpp reads what zbar could not (option `qr_second_decoder`).
    public let secondDecoder: Bool

    public init(secondDecoder: Bool = true) {
        self.secondDecoder = secondDecoder
        scanner = zbar_image_scanner_create()
        zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_ENABLE, 0)
        zbar_image_scanner_set_config(scanner, ZBAR_QRCODE, ZBAR_CFG_ENABLE, 1)
        // Light-on-dark codes (zbar's own example set has one) are tried when nothing else reads.
        zbar_image_scanner_set_config(scanner, ZBAR_NONE, ZBAR_CFG_TEST_INVERTED, 1)
    }

    deinit {
        zbar_image_scanner_destroy(scanner)
    }

    /// The payloads of every QR code in `image`: zbar's, else zxing-cpp's, else zxing-cpp's on
    /// the inverted image.
    public func read(_ image: GrayImage) -> [[UInt8]] {
        let found = readWithZbar(image)
        guard found.isEmpty, secondDecoder else { return found }
        let second = Self.readWithZXing(image)
        guard second.isEmpty else { return second }
        return Self.readWithZXing(image.inverted())
    }

    /// zxing-cpp's reading of `image` (its slower search, rotations and downscaling on).
    static func readWithZXing(_ image: GrayImage) -> [[UInt8]] {
        guard image.width > 0, image.height > 0, image.pixels.count >= image.width * image.height,
              let width = Int32(exactly: image.width), let height = Int32(exactly: image.height) else { return [] }
        final class Sink {
            var payloads: [[UInt8]] = []
        }
        let sink = Sink()
        image.pixels.withUnsafeBufferPointer { pixels in
            _ = moat_zxing_read_qr(pixels.baseAddress, width, height, 1, Unmanaged.passUnretained(sink).toOpaque()) { context, data, length in
                guard let context, let data else { return }
                let box = Unmanaged<Sink>.fromOpaque(context).takeUnretainedValue()
                box.payloads.append(data.withMemoryRebound(to: UInt8.self, capacity: length) { Array(UnsafeBufferPointer(start: $0, count: length)) })
            }
        }
        return sink.payloads
    }

    /// The payloads of every QR code zbar finds in `image`, in zbar's order.
    func readWithZbar(_ image: GrayImage) -> [[UInt8]] {
        guard image.width > 0, image.height > 0, image.pixels.count >= image.width * image.height else { return [] }
        guard let zimage = zbar_image_create() else { return [] }
        defer { zbar_image_destroy(zimage) }
        zbar_image_set_format(zimage, moat_zbar_Y800)
        zbar_image_set_size(zimage, UInt32(image.width), UInt32(image.height))
        var payloads: [[UInt8]] = []
        image.pixels.withUnsafeBytes { raw in
            // zbar only reads the buffer (no cleanup handler), and the image is destroyed within
            // this closure, before the array could move.
            zbar_image_set_data(zimage, raw.baseAddress, UInt(image.width * image.height), nil)
            guard zbar_scan_image(scanner, zimage) > 0 else { return }
            var symbol = zbar_image_first_symbol(zimage)
            while let current = symbol {
                if zbar_symbol_get_type(current) == ZBAR_QRCODE, let data = zbar_symbol_get_data(current) {
                    let length = Int(zbar_symbol_get_data_length(current))
                    payloads.append(data.withMemoryRebound(to: UInt8.self, capacity: length) { Array(UnsafeBufferPointer(start: $0, count: length)) })
                }
                symbol = zbar_symbol_next(current)
            }
            zbar_image_set_data(zimage, nil, 0, nil)
        }
        return payloads
    }

    /// The image the 45° pass rotates: large images are downscaled first, and any image is shrunk
    /// until the rotated canvas, (w + h)² / 2 pixels, fits `maxRotationPixels` — a long thin image
    /// (40,000 × 1,000) would otherwise make it 840 million pixels and minutes of work.
    static func rotationSource(_ image: GrayImage) -> GrayImage {
        let shortest = min(image.width, image.height)
        var base = shortest >= 1200 ? image.downscaled(by: max(2, shortest / 800)) : image
        let side = base.width + base.height
        let canvas = side.multipliedReportingOverflow(by: side).partialValue / 2
        if canvas > maxRotationPixels {
            let factor = (Double(canvas) / Double(maxRotationPixels)).squareRoot().rounded(.up)
            base = base.downscaled(by: Int(min(factor, 1_000_000)))
        }
        return base
    }

    /// Reads with the passes a phone's view adds, stopping at the first that finds a code:
    /// the image as is, then (only if nothing was found) a half-size copy for large images or a
    /// double-size copy for tiny ones, then a 45° rotation. `deadline` bounds the extra passes.
    public func readAsAPhoneWould(_ image: GrayImage, extraPasses: Bool, deadline: ContinuousClock.Instant) -> (payloads: [[UInt8]], passes: Int) {
        var found = read(image)
        var passes = 1
        guard found.isEmpty, extraPasses else { return (found, passes) }
        let shortest = min(image.width, image.height)
        var variants: [() -> GrayImage] = []
        if shortest >= 400 { variants.append { image.downscaled(by: 2) } }
        if shortest < 200, image.width * image.height * 4 <= 4_000_000 { variants.append { image.upscaled(by: 2) } }
        variants.append { Self.rotationSource(image).rotated(degrees: 45) }
        for variant in variants {
            guard ContinuousClock.now < deadline else { break }
            found = read(variant())
            passes += 1
            if !found.isEmpty { break }
        }
        return (found, passes)
    }
}
