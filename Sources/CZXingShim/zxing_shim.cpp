// A C face for zxing-cpp 1.4 (Debian libzxing-dev), whose API is C++ only.
#include "zxing_shim.h"

// Text as UTF-8 std::string (the 1.4 headers otherwise give std::wstring and warn).
#define ZX_USE_UTF8 1
#include <ZXing/ReadBarcode.h>

int moat_zxing_read_qr(const uint8_t *luminance, int width, int height, int try_harder,
                       void *context, moat_zxing_sink sink) {
    if (luminance == nullptr || width <= 0 || height <= 0 || sink == nullptr) return 0;
    try {
        ZXing::DecodeHints hints;
        hints.setFormats(ZXing::BarcodeFormat::QRCode);
        hints.setTryHarder(try_harder != 0);
        hints.setTryRotate(try_harder != 0);
        hints.setTryDownscale(try_harder != 0);
        ZXing::ImageView image(luminance, width, height, ZXing::ImageFormat::Lum);
        auto results = ZXing::ReadBarcodes(image, hints);
        int count = 0;
        for (const auto &result : results) {
            if (!result.isValid()) continue;
            const std::string text = result.text();
            sink(context, text.data(), text.size());
            count += 1;
        }
        return count;
    } catch (...) {
        return -1;
    }
}
