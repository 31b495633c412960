import Foundation

/// An 8-bit grey image, zbar's input format ("Y800"): one byte per pixel, rows packed.
public struct GrayImage: Sendable {
    public var width: Int
    public var height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Light for dark: a light-on-dark QR code read as the dark-on-light one decoders expect.
    func inverted() -> GrayImage {
        GrayImage(width: width, height: height, pixels: pixels.map { 255 - $0 })
    }

    /// Box-filtered downscale by an integer factor (a phone camera sees fewer pixels).
    func downscaled(by factor: Int) -> GrayImage {
        let w = width / factor, h = height / factor
        guard factor > 1, w > 0, h > 0 else { return self }
        var out = [UInt8](repeating: 0, count: w * h)
        let area = factor * factor
        for y in 0..<h {
            for x in 0..<w {
                var sum = 0
                for dy in 0..<factor {
                    let row = (y * factor + dy) * width + x * factor
                    for dx in 0..<factor { sum += Int(pixels[row + dx]) }
                }
                out[y * w + x] = UInt8(sum / area)
            }
        }
        return GrayImage(width: w, height: h, pixels: out)
    }

    /// Nearest-neighbour upscale by an integer factor (tiny codes with one pixel per module).
    func upscaled(by factor: Int) -> GrayImage {
        guard factor > 1 else { return self }
        let w = width * factor, h = height * factor
        var out = [UInt8](repeating: 0, count: w * h)
        for y in 0..<h {
            let source = (y / factor) * width
            for x in 0..<w { out[y * w + x] = pixels[source + x / factor] }
        }
        return GrayImage(width: w, height: h, pixels: out)
    }

    /// Rotation by `degrees` about the centre onto a canvas that holds the whole result, white
    /// outside the source (bilinear sampling).
    func rotated(degrees: Double) -> GrayImage {
        let radians = degrees * .pi / 180
        let c = cos(radians), s = sin(radians)
        let w = Int((Double(width) * abs(c) + Double(height) * abs(s)).rounded(.up))
        let h = Int((Double(width) * abs(s) + Double(height) * abs(c)).rounded(.up))
        var out = [UInt8](repeating: 255, count: w * h)
        let cx = Double(width) / 2, cy = Double(height) / 2
        let ox = Double(w) / 2, oy = Double(h) / 2
        for y in 0..<h {
            let dy = Double(y) - oy
            for x in 0..<w {
                let dx = Double(x) - ox
                let sx = c * dx + s * dy + cx
                let sy = -s * dx + c * dy + cy
                let x0 = Int(sx.rounded(.down)), y0 = Int(sy.rounded(.down))
                guard x0 >= 0, y0 >= 0, x0 + 1 < width, y0 + 1 < height else { continue }
                let fx = sx - Double(x0), fy = sy - Double(y0)
                let p00 = Double(pixels[y0 * width + x0]), p10 = Double(pixels[y0 * width + x0 + 1])
                let p01 = Double(pixels[(y0 + 1) * width + x0]), p11 = Double(pixels[(y0 + 1) * width + x0 + 1])
                let top = p00 + (p10 - p00) * fx, bottom = p01 + (p11 - p01) * fx
                out[y * w + x] = UInt8(max(0, min(255, top + (bottom - top) * fy)))
            }
        }
        return GrayImage(width: w, height: h, pixels: out)
    }
}
