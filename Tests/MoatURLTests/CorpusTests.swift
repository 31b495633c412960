import Foundation
import MoatCore
import MoatMessage
import Testing
@testable import MoatURL

/// Real data from `../shared/corpus` (skipped when absent): QR images against zbarimg, and
/// phishing mail for benchmark figures.
@Suite(.serialized)
struct CorpusTests {
    static let qrDirectory = Support.corpus.appendingPathComponent("qr")
    static let phishingDirectory = Support.corpus.appendingPathComponent("phishing/email")
    static let imageExtensions: Set<String> = ["png", "jpg", "jpeg", "gif", "webp"]

    static func files(under directory: URL) -> [URL] {
        guard let walker = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else { return [] }
        return walker.compactMap { $0 as? URL }.sorted { $0.path < $1.path }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: qrDirectory.path) && Support.hasTools("/usr/bin/zbarimg")))
    func qrCorpusAgreesWithZbarimg() throws {
        var images = 0, expectedQR = 0, zbarDecoded = 0, moatDecoded = 0, moatExpected = 0, zbarExpected = 0
        var falsePositiveImages = 0, moatFalsePositives = 0, zbarFalsePositives = 0
        var missed: [String] = []
        for file in Self.files(under: Self.qrDirectory) where Self.imageExtensions.contains(file.pathExtension.lowercased()) {
            images += 1
            let data = Array(try Data(contentsOf: file))
            let moat = (try? URLExtractor.readQRCodes(in: data)) ?? []
            let zbar = Support.zbarimg(file.path)
            let isFalsePositiveSet = file.path.contains("/falsepositives-")
            if isFalsePositiveSet {
                falsePositiveImages += 1
                if !moat.isEmpty { moatFalsePositives += 1 }
                if !zbar.isEmpty { zbarFalsePositives += 1 }
                continue
            }
            if !zbar.isEmpty { zbarDecoded += 1 }
            if !moat.isEmpty { moatDecoded += 1 }
            // zbarimg prints all codes joined by newlines; compare as sets of lines.
            let zbarLines = Set(zbar.flatMap { $0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) })
            let moatLines = Set(moat.flatMap { $0.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) })
            if !zbarLines.isSubset(of: moatLines) { missed.append(file.lastPathComponent) }
            let expectedFile = file.deletingPathExtension().appendingPathExtension("txt")
            if file.path.contains("qrcode"), let expected = try? String(contentsOf: expectedFile, encoding: .utf8) {
                expectedQR += 1
                if moat.contains(expected) { moatExpected += 1 }
                if zbar.contains(expected) { zbarExpected += 1 }
            }
        }
        let zxingExpected = Self.zxingCppMatches()
        print("QR corpus: \(images) images; non-false-positive: Moat decoded \(moatDecoded), zbarimg \(zbarDecoded); "
              + "with expected text (qrcode-*): \(expectedQR), Moat matched \(moatExpected), zbarimg \(zbarExpected), "
              + "zxing-cpp \(zxingExpected.map(String.init) ?? "-"); "
              + "falsepositives: \(falsePositiveImages) images, Moat read \(moatFalsePositives), zbarimg \(zbarFalsePositives); "
              + "zbarimg reads Moat missed: \(missed.count) \(missed.prefix(10))")
        #expect(missed.isEmpty)
        #expect(moatFalsePositives == 0)
        #expect(moatExpected >= zbarExpected)
        // zxing-cpp on its own (Debian python3-zxing-cpp, the library Moat links), on the same images.
        let zxing = try #require(zxingExpected, "python3-zxing-cpp and python3-pil are installed by the Makefile")
        #expect(moatExpected >= zxing)
    }

    /// How many `qrcode-*` images with an expected `.txt` zxing-cpp alone decodes to that text
    /// (nil when its Python binding cannot run).
    static func zxingCppMatches() -> Int? {
        let script = """
            import os, sys, zxingcpp
            from PIL import Image
            matched = 0
            for d, _, fs in os.walk(sys.argv[1]):
                for f in fs:
                    p = os.path.join(d, f); t = os.path.splitext(p)[0] + '.txt'
                    if 'qrcode' not in p or '/falsepositives-' in p or not os.path.exists(t): continue
                    if f.rsplit('.', 1)[-1].lower() not in ('png', 'jpg', 'jpeg', 'gif', 'webp'): continue
                    try:
                        texts = [r.text for r in zxingcpp.read_barcodes(Image.open(p).convert('L'), formats=zxingcpp.BarcodeFormat.QRCode)]
                    except Exception:
                        texts = []
                    if open(t, encoding='utf-8', errors='replace').read() in texts: matched += 1
            print(matched)
            """
        guard let output = Support.run("/usr/bin/python3", ["-W", "ignore", "-c", script, qrDirectory.path]) else { return nil }
        return Int(String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: phishingDirectory.path)))
    func phishingCorpusFigures() async throws {
        let engine = try await Support.engine()
        let context = ScanContext(blocking: Support.blocking, logger: .init(label: "test"))
        var messages = 0, withURL = 0, phishing = 0, suspicious = 0, withQR = 0, urls = 0
        var checks: [String: Int] = [:]
        for file in Self.files(under: Self.phishingDirectory) where file.pathExtension == "eml" {
            let message = Message(parsing: Array(try Data(contentsOf: file)))
            let report = try await engine.scan(ScanInput(message: message), context: context)
            messages += 1
            let extracted = report.findings.filter { $0.code == "url.extracted" }
            urls += extracted.count
            if !extracted.isEmpty { withURL += 1 }
            if extracted.contains(where: { $0.detail.hasPrefix("qr ") }) { withQR += 1 }
            if report.category == .phishing { phishing += 1 }
            if report.category == .suspicious { suspicious += 1 }
            for code in Set(report.findings.filter { $0.score > 0 }.map(\.code)) { checks[code, default: 0] += 1 }
        }
        func share(_ n: Int) -> String { String(format: "%.1f%%", messages == 0 ? 0 : 100 * Double(n) / Double(messages)) }
        print("Phishing corpus: \(messages) messages, \(urls) links; >=1 URL: \(withURL) (\(share(withURL))); "
              + "URL findings alone reach phishing: \(phishing) (\(share(phishing))); suspicious: \(suspicious) (\(share(suspicious))); "
              + "links from QR codes: \(withQR)")
        print("Phishing corpus checks (messages): \(checks.sorted { $0.value > $1.value }.map { "\($0.key)=\($0.value)" }.joined(separator: " "))")
        #expect(messages > 0)
    }
}
