import Testing
@testable import MoatURL

/// Issue 15: a GIF whose LZW minimum code size is above 8 made the first literal code exceed a
/// byte, and `UInt8(code)` trapped, taking `moatd` down with one 343-byte message.
struct GIFDecoderTests {
    /// 4×4 GIF89a, one frame, minimum code size 11, first code 0x7FF (a literal below clear = 2048).
    static let oversizedCodeGIF: [UInt8] =
        Array("GIF89a".utf8) + [0x04, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00]
        + [0x2C, 0, 0, 0, 0, 0x04, 0x00, 0x04, 0x00, 0x00]
        + [0x0B, 0x03, 0xFF, 0x07, 0x00, 0x00, 0x3B]

    @Test func minimumCodeSizeAboveEightIsRejectedNotTrapped() {
        #expect(GIFDecoder.decode(Self.oversizedCodeGIF, maxPixels: 1_000_000) == nil)
        #expect(throws: ImageDecodingError.self) { try ImageDecoder.decode(Self.oversizedCodeGIF, maxPixels: 1_000_000) }
    }

    @Test func lzwRefusesCodeSizesOutsideTheFormat() {
        for size in [0, 1, 9, 11, 12, 64] {
            #expect(GIFDecoder.lzw([0xFF, 0x07, 0xFF, 0xFF], minimumCodeSize: size, count: 16).isEmpty)
        }
    }

    @Test func everyCodeSizeAndFirstCodeDecodesWithoutTrapping() {
        // Every legal code size with every first-code bit pattern in the first two bytes.
        for size in 2...8 {
            for low in stride(from: 0, through: 255, by: 15) {
                for high in stride(from: 0, through: 255, by: 17) {
                    let out = GIFDecoder.lzw([UInt8(low), UInt8(high), 0xFF, 0x00], minimumCodeSize: size, count: 64)
                    #expect(out.count <= 64)
                }
            }
        }
    }
}

/// Issue 15's second case: a corrupt JPEG whose header claims 40,000 × 1,000 pixels made the 45°
/// pass draw an 840-megapixel canvas, and the decoding thread ran for minutes past the deadline.
struct RotationBoundTests {
    @Test func longThinImagesAreShrunkBeforeRotating() {
        let image = GrayImage(width: 20_000, height: 500, pixels: [UInt8](repeating: 128, count: 20_000 * 500))
        let source = QRCodeReader.rotationSource(image)
        let side = source.width + source.height
        #expect(side * side / 2 <= QRCodeReader.maxRotationPixels)
        #expect(source.width > 0 && source.height > 0)
    }

    @Test func ordinaryImagesRotateAtTheUsualSize() {
        let image = GrayImage(width: 640, height: 480, pixels: [UInt8](repeating: 255, count: 640 * 480))
        let source = QRCodeReader.rotationSource(image)
        #expect(source.width == 640 && source.height == 480)
    }
}
