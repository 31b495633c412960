import Foundation
import MoatCore
import MoatMessage

/// Extracts every link a recipient could follow from a message: text and HTML parts, header
/// fields, PDF attachments and QR codes in images.
///
/// The public entry point for the CLI (`moat explain`, JSON output) as well as `URLEngine`.
/// Parsing is pure Swift on the calling task; image decoding and zbar run on the blocking pool.
public struct URLExtractor: Sendable {
    static let angles = CharacterSet(charactersIn: "<>")
    public let normalizer: URLNormalizer
    public let limits: URLExtractionLimits

    /// Header fields whose values are `<url>` lists (RFC 2369, RFC 5064).
    static let listHeaders = ["List-Unsubscribe", "List-Subscribe", "List-Help", "List-Post", "List-Owner", "List-Archive", "Archived-At"]
    /// Header fields read as free text.
    static let textHeaders = ["Subject"]

    public init(normalizer: URLNormalizer, limits: URLExtractionLimits = URLExtractionLimits()) {
        self.normalizer = normalizer
        self.limits = limits
    }

    /// An extractor using the Public Suffix List file at `publicSuffixListPath`.
    public init(publicSuffixListPath: String, limits: URLExtractionLimits = URLExtractionLimits()) throws {
        self.init(normalizer: URLNormalizer(publicSuffixes: try PublicSuffixList(contentsOfFile: publicSuffixListPath)), limits: limits)
    }

    /// All links, including those in QR codes (images are read on `blocking`).
    public func extract(from message: Message, blocking: BlockingWorkPool) async throws -> URLExtraction {
        var collector = Collector(extractor: self)
        collectWithoutImages(message, into: &collector)
        let jobs = imageJobs(message, collector: &collector)
        let deadline = ContinuousClock.now + limits.imageTimeBudget
        let limits = self.limits
        for (index, job) in jobs.enumerated() {
            if ContinuousClock.now >= deadline {
                collector.note("url.limit_image_time", "image time budget of \(limits.imageTimeBudget) spent; \(jobs.count - index) images not read", job.part.path)
                break
            }
            let data = job.part.decoded
            let outcome = try await blocking.run { () -> QRImageOutcome in
                QRImageOutcome.read(data, limits: limits, deadline: deadline)
            }
            collector.addQR(outcome, part: job.part, inline: job.inline)
        }
        return collector.result
    }

    /// Links from text, HTML, headers and PDFs only: no image decoding, no blocking calls.
    public func extractWithoutImages(from message: Message) -> URLExtraction {
        var collector = Collector(extractor: self)
        collectWithoutImages(message, into: &collector)
        return collector.result
    }

    /// QR payloads in one image file, as `moat` and the benchmark call it. Blocking.
    public static func readQRCodes(in data: [UInt8], limits: URLExtractionLimits = URLExtractionLimits()) throws(ImageDecodingError) -> [String] {
        let outcome = QRImageOutcome.read(data, limits: limits, deadline: ContinuousClock.now + limits.imageTimeBudget)
        if let error = outcome.error { throw error }
        return outcome.payloads.map { String(decoding: $0, as: UTF8.self) }
    }

    private func collectWithoutImages(_ message: Message, into collector: inout Collector) {
        for name in Self.listHeaders {
            for field in message.headers.all(name) {
                for value in Self.angleBracketed(field.value) { collector.add(value, .header, "", schemeless: false) }
            }
        }
        for name in Self.textHeaders {
            for field in message.headers.all(name) { collector.addText(field.value, .header, "") }
        }
        for part in message.leaves {
            if part.contentType.type == "text", let text = part.text {
                if part.contentType.subtype == "html" || part.contentType.subtype == "xhtml+xml" {
                    collector.addHTML(text, part.path)
                } else {
                    collector.addText(text, .text, part.path)
                }
            } else if part.contentType.essence == "application/pdf" || Self.isPDF(part.decoded) {
                collector.addPDF(part.decoded, part.path)
            }
        }
    }

    private struct ImageJob { var part: MessagePart; var inline: Bool }

    private func imageJobs(_ message: Message, collector: inout Collector) -> [ImageJob] {
        var jobs: [ImageJob] = []
        var skipped = 0
        for part in message.leaves where ImageFormat(sniffing: part.decoded) != nil {
            if part.decoded.count > limits.maxImageBytes {
                collector.note("url.limit_image_bytes", "image of \(part.decoded.count) bytes exceeds max_image_bytes=\(limits.maxImageBytes)", part.path)
                continue
            }
            guard jobs.count < limits.maxImages else { skipped += 1; continue }
            let contentID = part.headers.first("Content-ID")?.value
                .trimming(.whitespaces).trimming(Self.angles).lowercased()
            let inline = contentID.map { collector.contentIDs.contains($0) } ?? false
            jobs.append(ImageJob(part: part, inline: inline))
        }
        if skipped > 0 {
            collector.note("url.limit_images", "\(skipped) images beyond max_images=\(limits.maxImages) not read", "")
        }
        return jobs
    }

    static func isPDF(_ bytes: [UInt8]) -> Bool {
        PDFLinkScanner.index(of: Array("%PDF-".utf8), in: bytes[..<min(bytes.count, 1024)], from: 0) != nil
    }

    /// The `<...>` items of a header value.
    static func angleBracketed(_ value: String) -> [String] {
        var out: [String] = []
        var rest = Substring(value)
        while let open = rest.firstIndex(of: "<"), let close = rest[open...].firstIndex(of: ">") {
            let item = rest[rest.index(after: open)..<close]
            // ASCII (nearly every header) is filtered on bytes: the same characters as
            // `Character.isWhitespace` there, without grapheme breaking.
            if item.utf8.allSatisfy({ $0 < 0x80 }) {
                out.append(String(decoding: item.utf8.filter { !($0 == 0x20 || (0x09...0x0D).contains($0)) }, as: UTF8.self))
            } else {
                out.append(String(item).filter { !$0.isWhitespace })
            }
            rest = rest[rest.index(after: close)...]
        }
        return out
    }
}

/// The result of reading one image for QR codes (runs on a blocking-pool thread).
struct QRImageOutcome: Sendable {
    var payloads: [[UInt8]] = []
    var error: ImageDecodingError?
    var passes = 0
    var width = 0
    var height = 0

    static func read(_ data: [UInt8], limits: URLExtractionLimits, deadline: ContinuousClock.Instant) -> QRImageOutcome {
        var outcome = QRImageOutcome()
        do {
            let image = try ImageDecoder.decode(data, maxPixels: limits.maxImagePixels)
            outcome.width = image.width
            outcome.height = image.height
            let reader = QRCodeReader(secondDecoder: limits.qrSecondDecoder)
            let read = reader.readAsAPhoneWould(image, extraPasses: limits.qrExtraPasses, deadline: deadline)
            outcome.payloads = read.payloads
            outcome.passes = read.passes
        } catch {
            outcome.error = error
        }
        return outcome
    }
}
