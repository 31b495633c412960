import Foundation
import MailTestSupport
import MoatCore
import Testing
@testable import MoatURL

/// QR codes generated here with qrencode, varied with ImageMagick and cwebp, read by Moat and zbarimg.
@Suite(.serialized)
struct QRCodeTests {
    static let convert = "/usr/bin/convert"
    static let toolsPresent = Support.hasTools("/usr/bin/qrencode", convert, "/usr/bin/cwebp", "/usr/bin/zbarimg")

    struct Fixture: Sendable {
        var path: String
        var payload: String
    }

    /// Builds the fixture set: 4 module sizes × (plain, rotated 17°, noisy, small + 90°) × PNG/JPEG/GIF/WebP.
    static let fixtures: [Fixture] = {
        guard toolsPresent else { return [] }
        let directory = Support.temporaryDirectory()
        var out: [Fixture] = []
        for (index, moduleSize) in [2, 3, 5, 8].enumerated() {
            let payload = "https://login-\(index).phish.example/verify?id=\(index)&u=a%40b"
            let base = directory.appendingPathComponent("qr\(index)").path
            guard Support.run("/usr/bin/qrencode", ["-o", base + ".png", "-s", "\(moduleSize)", "-m", "4", payload]) != nil else { continue }
            let variants: [(String, [String])] = [
                ("plain", []),
                ("rot17", ["-background", "white", "-rotate", "17", "-flatten"]),
                ("noise", ["-attenuate", "0.5", "+noise", "Gaussian"]),
                ("small90", ["-resize", "70%", "-rotate", "90"]),
            ]
            for (name, arguments) in variants {
                let variant = "\(base)-\(name)"
                Support.run(convert, [base + ".png"] + arguments + [variant + ".png"])
                Support.run(convert, [variant + ".png", "-quality", "80", variant + ".jpg"])
                Support.run(convert, [variant + ".png", variant + ".gif"])
                Support.run("/usr/bin/cwebp", ["-quiet", "-q", "80", variant + ".png", "-o", variant + ".webp"])
                for ext in ["png", "jpg", "gif", "webp"] where FileManager.default.fileExists(atPath: "\(variant).\(ext)") {
                    out.append(Fixture(path: "\(variant).\(ext)", payload: payload))
                }
            }
        }
        return out
    }()

    @Test(.enabled(if: toolsPresent))
    func agreesWithZbarimg() throws {
        #expect(Self.fixtures.count >= 60)
        var moatRead = 0, zbarRead = 0
        for fixture in Self.fixtures {
            let data = Array(try Data(contentsOf: URL(fileURLWithPath: fixture.path)))
            let moat = try URLExtractor.readQRCodes(in: data)
            let zbar = Support.zbarimg(fixture.path)
            if !zbar.isEmpty { zbarRead += 1 }
            if moat.contains(fixture.payload) { moatRead += 1 }
            for payload in zbar {
                #expect(moat.contains(payload), "\(fixture.path): zbarimg read \(payload), Moat \(moat)")
            }
            #expect(moat.allSatisfy { $0 == fixture.payload })
        }
        print("QR fixtures: \(Self.fixtures.count) images; Moat read \(moatRead), zbarimg read \(zbarRead)")
        #expect(moatRead >= zbarRead)
    }

    @Test("zxing-cpp reads through the C shim, light-on-dark codes too; turning it off leaves zbar alone", .enabled(if: toolsPresent))
    func secondDecoder() throws {
        let fixture = try #require(Self.fixtures.first { $0.path.hasSuffix("qr2-plain.png") })
        let image = try ImageDecoder.decode(Array(try Data(contentsOf: URL(fileURLWithPath: fixture.path))), maxPixels: 40_000_000)
        #expect(QRCodeReader.readWithZXing(image).map { String(decoding: $0, as: UTF8.self) } == [fixture.payload])
        // zxing-cpp 1.4 does not look for light-on-dark codes itself; the reader inverts for it.
        #expect(QRCodeReader.readWithZXing(image.inverted()).isEmpty)
        #expect(QRCodeReader(secondDecoder: true).read(image.inverted()).map { String(decoding: $0, as: UTF8.self) } == [fixture.payload])
        // Bad dimensions never reach the C++ side.
        #expect(QRCodeReader.readWithZXing(GrayImage(width: 10, height: 10, pixels: [0])).isEmpty)
    }

    @Test(.enabled(if: toolsPresent), arguments: ["png", "jpg", "gif", "webp"])
    func attachedAndInlineImagesAreReported(_ ext: String) async throws {
        let plain = try #require(Self.fixtures.first { $0.path.hasSuffix("qr2-plain.\(ext)") })
        let rotated = try #require(Self.fixtures.first { $0.path.hasSuffix("qr3-rot17.\(ext)") })
        let message = Support.message(
            html: #"<p>Scan to keep your mailbox</p><img src="cid:qr-inline@x">"#,
            images: [
                (Array(try Data(contentsOf: URL(fileURLWithPath: plain.path))), "scan.\(ext)", "qr-inline@x"),
                (Array(try Data(contentsOf: URL(fileURLWithPath: rotated.path))), "code.\(ext)", nil),
            ])
        // The budget for image work is raised: this test is about what is read, and the debug
        // build's rotation passes ran past the default 5 s once while a CI run loaded both cores.
        let report = try await Support.scan(message, options: ["image_time_budget_ms": .integer(60_000)])
        #expect(report.findings.contains { $0.code == "url.extracted" && $0.detail == "qr \(plain.payload.replacingOccurrences(of: "%40", with: "%40"))" && $0.partPath == "2" })
        #expect(report.findings.contains { $0.code == "url.extracted" && $0.detail.hasPrefix("qr https://login-3.phish.example/") && $0.partPath == "3" })
        #expect(report.findings.contains { $0.code == "url.qr_only" && $0.score > 0 })
    }

    @Test func noisyImageWithoutCodeReadsNothing() throws {
        var pixels = [UInt8](repeating: 0, count: 300 * 300)
        var generator = SystemRandomNumberGenerator()
        for i in pixels.indices { pixels[i] = UInt8.random(in: 0...255, using: &generator) }
        #expect(QRCodeReader().read(GrayImage(width: 300, height: 300, pixels: pixels)).isEmpty)
    }

    /// A PNG whose header claims 30,000 × 30,000 pixels, with almost no data.
    static var hugePNG: [UInt8] {
        TestPNG.signature + TestPNG.header(width: 30_000, height: 30_000, colorType: 0) + TestPNG.chunk("IEND", [])
    }

    static var hugeGIF: [UInt8] {
        Array("GIF89a".utf8) + [0x30, 0x75, 0x30, 0x75, 0, 0, 0] + [0x2C, 0, 0, 0, 0, 0x30, 0x75, 0x30, 0x75, 0, 2, 0] + [0x3B]
    }

    @Test(arguments: [("png", hugePNG), ("gif", hugeGIF)])
    func hugeImagesAreRefusedBeforeDecoding(_ name: String, _ data: [UInt8]) async throws {
        let message = Support.message(html: "<p>hi</p>", images: [(data, "huge.\(name)", nil)])
        let report = try await Support.scan(message)
        let finding = try #require(report.findings.first { $0.code == "url.limit_image_pixels" })
        #expect(finding.detail.contains("30000×30000"))
        #expect(finding.partPath == "2")
    }

    @Test func imageCountIsBounded() async throws {
        let images = (0..<5).map { _ in (QRCodeTests.hugeGIF, "x.gif", String?.none) }
        let report = try await Support.scan(Support.message(html: "x", images: images), options: ["max_images": .integer(2)])
        #expect(report.findings.contains { $0.code == "url.limit_images" })
        #expect(report.findings.filter { $0.code == "url.limit_image_pixels" }.count == 2)
    }
}
