import Foundation
import Testing
@testable import MoatURL

/// The Moat side of `bench/url/run.sh`: QR images per second over a folder of images.
/// Runs only when `MOAT_QR_BENCH_DIR` is set; prints figures, asserts no times.
struct QRBenchmarkTests {
    static let directory = ProcessInfo.processInfo.environment["MOAT_QR_BENCH_DIR"]

    @Test(.enabled(if: directory != nil))
    func qrImagesPerSecond() throws {
        let root = URL(fileURLWithPath: try #require(Self.directory))
        let files = (FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)?.compactMap { $0 as? URL } ?? [])
            .filter { ["png", "jpg", "jpeg", "gif", "webp"].contains($0.pathExtension.lowercased()) && !$0.path.contains("/falsepositives-") }
        let images = try files.map { Array(try Data(contentsOf: $0)) }
        var decoded = 0
        let clock = ContinuousClock()
        let elapsed = clock.measure {
            for data in images where !((try? URLExtractor.readQRCodes(in: data)) ?? []).isEmpty { decoded += 1 }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let line = String(format: "moat images=%d decoded=%d seconds=%.3f images_per_s=%.1f", images.count, decoded, seconds, Double(images.count) / seconds)
        print(line)
        if let out = ProcessInfo.processInfo.environment["MOAT_QR_BENCH_OUT"] {
            try (line + "\n").write(toFile: out, atomically: true, encoding: .utf8)
        }
    }
}
