import CPNG
import CTurboJPEG
import CWebP

/// Decodes PNG, JPEG, GIF and WebP bytes to 8-bit grey, checking the pixel count from the header
/// before any pixel buffer is allocated.
///
/// Each call owns its C handles from start to end (one TurboJPEG handle per call), so calls
/// may run on any number of threads at once. Blocking: call on `BlockingWorkPool` threads.
public enum ImageDecoder {
    /// Width and height read from the header alone.
    public static func dimensions(of data: [UInt8], format: ImageFormat) throws(ImageDecodingError) -> (width: Int, height: Int) {
        switch format {
        case .png:
            // IHDR is always the first chunk: width and height are big-endian at offsets 16 and 20.
            guard data.count >= 24, data[12...15].elementsEqual("IHDR".utf8) else { throw .malformed(format, "no IHDR chunk") }
            let width = data[16...19].reduce(0) { $0 << 8 | Int($1) }
            let height = data[20...23].reduce(0) { $0 << 8 | Int($1) }
            return (width, height)
        case .jpeg:
            guard let handle = tjInitDecompress() else { throw .malformed(format, "tjInitDecompress failed") }
            defer { tjDestroy(handle) }
            var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
            let rc = data.withUnsafeBufferPointer {
                tjDecompressHeader3(handle, $0.baseAddress, UInt($0.count), &width, &height, &subsampling, &colorspace)
            }
            guard rc == 0 else { throw .malformed(format, String(cString: tjGetErrorStr2(handle))) }
            return (Int(width), Int(height))
        case .gif:
            guard let size = GIFDecoder.size(of: data) else { throw .malformed(format, "no GIF header") }
            return size
        case .webp:
            var width: Int32 = 0, height: Int32 = 0
            let ok = data.withUnsafeBufferPointer { WebPGetInfo($0.baseAddress, $0.count, &width, &height) }
            guard ok != 0 else { throw .malformed(format, "WebPGetInfo failed") }
            return (Int(width), Int(height))
        }
    }

    /// The image in grey; throws `.tooLarge` before allocating when width × height exceeds `maxPixels`.
    public static func decode(_ data: [UInt8], maxPixels: Int) throws(ImageDecodingError) -> GrayImage {
        guard let format = ImageFormat(sniffing: data) else { throw .unsupported }
        let (width, height) = try dimensions(of: data, format: format)
        guard width > 0, height > 0 else { throw .malformed(format, "zero size") }
        guard width <= maxPixels, height <= maxPixels, width * height <= maxPixels else {
            throw .tooLarge(format: format, width: width, height: height, limit: maxPixels)
        }
        switch format {
        case .png: return try decodePNG(data)
        case .jpeg: return try decodeJPEG(data, width: width, height: height)
        case .gif:
            guard let image = GIFDecoder.decode(data, maxPixels: maxPixels) else { throw .malformed(format, "undecodable GIF") }
            return image
        case .webp: return try decodeWebP(data)
        }
    }

    private static func decodePNG(_ data: [UInt8]) throws(ImageDecodingError) -> GrayImage {
        // libpng's simplified API keeps the control block's address between the calls below: it
        // lives on the heap, not in a Swift `var` whose address is only good for one call.
        let image = UnsafeMutablePointer<png_image>.allocate(capacity: 1)
        image.initialize(to: png_image())
        defer { image.deinitialize(count: 1); image.deallocate() }
        image.pointee.version = UInt32(PNG_IMAGE_VERSION)
        let begun = data.withUnsafeBytes { png_image_begin_read_from_memory(image, $0.baseAddress, $0.count) }
        guard begun != 0 else {
            defer { png_image_free(image) }
            throw .malformed(.png, message(of: image))
        }
        image.pointee.format = UInt32(PNG_FORMAT_GRAY)
        let width = Int(image.pointee.width), height = Int(image.pointee.height)
        // Transparent pixels are composed onto the buffer's contents: start from white.
        var pixels = [UInt8](repeating: 255, count: width * height)
        let finished = pixels.withUnsafeMutableBytes { png_image_finish_read(image, nil, $0.baseAddress, 0, nil) }
        guard finished != 0 else {
            defer { png_image_free(image) }
            throw .malformed(.png, message(of: image))
        }
        return GrayImage(width: width, height: height, pixels: pixels)
    }

    private static func decodeJPEG(_ data: [UInt8], width: Int, height: Int) throws(ImageDecodingError) -> GrayImage {
        guard let handle = tjInitDecompress() else { throw .malformed(.jpeg, "tjInitDecompress failed") }
        defer { tjDestroy(handle) }
        var pixels = [UInt8](repeating: 255, count: width * height)
        let flags = Int32(TJFLAG_ACCURATEDCT | TJFLAG_LIMITSCANS)
        let rc = data.withUnsafeBufferPointer { source in
            pixels.withUnsafeMutableBufferPointer { target in
                tjDecompress2(handle, source.baseAddress, UInt(source.count), target.baseAddress,
                              Int32(width), 0, Int32(height), Int32(TJPF_GRAY.rawValue), flags)
            }
        }
        // A warning (truncated or slightly corrupt data) still leaves a usable picture.
        if rc != 0, tjGetErrorCode(handle) == Int32(TJERR_FATAL.rawValue) {
            throw .malformed(.jpeg, String(cString: tjGetErrorStr2(handle)))
        }
        return GrayImage(width: width, height: height, pixels: pixels)
    }

    private static func decodeWebP(_ data: [UInt8]) throws(ImageDecodingError) -> GrayImage {
        var width: Int32 = 0, height: Int32 = 0, stride: Int32 = 0, uvStride: Int32 = 0
        var u: UnsafeMutablePointer<UInt8>?
        var v: UnsafeMutablePointer<UInt8>?
        // The Y (luma) plane is exactly the grey image zbar wants.
        let luma = data.withUnsafeBufferPointer {
            WebPDecodeYUV($0.baseAddress, $0.count, &width, &height, &u, &v, &stride, &uvStride)
        }
        guard let luma else { throw .malformed(.webp, "WebPDecodeYUV failed") }
        defer { WebPFree(luma) }
        let w = Int(width), h = Int(height), rowStride = Int(stride)
        var pixels = [UInt8](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w { pixels[y * w + x] = luma[y * rowStride + x] }
        }
        return GrayImage(width: w, height: h, pixels: pixels)
    }

    private static func message(of image: UnsafeMutablePointer<png_image>) -> String {
        withUnsafeBytes(of: &image.pointee.message) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return String(decoding: bytes, as: UTF8.self)
        }
    }
}

/// Why an image could not be read.
public enum ImageDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    case unsupported
    case malformed(ImageFormat, String)
    case tooLarge(format: ImageFormat, width: Int, height: Int, limit: Int)

    public var description: String {
        switch self {
        case .unsupported: "not a PNG, JPEG, GIF or WebP image"
        case .malformed(let format, let message): "\(format.rawValue): \(message)"
        case .tooLarge(let format, let width, let height, let limit):
            "\(format.rawValue) of \(width)×\(height) pixels exceeds max_image_pixels=\(limit)"
        }
    }
}
