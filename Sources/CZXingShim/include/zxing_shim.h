#ifndef MOAT_ZXING_SHIM_H
#define MOAT_ZXING_SHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Receives one decoded QR payload (UTF-8 text as zxing-cpp reads it).
typedef void (*moat_zxing_sink)(void *context, const char *data, size_t length);

/// Reads every QR code in an 8-bit grayscale image (row stride = width) with zxing-cpp, calling
/// `sink` once per code. `try_harder` adds zxing's slower search, rotations and downscaling.
/// Returns the number of codes, or -1 when zxing-cpp failed (an exception, which never crosses
/// into Swift).
int moat_zxing_read_qr(const uint8_t *luminance, int width, int height, int try_harder,
                       void *context, moat_zxing_sink sink);

#ifdef __cplusplus
}
#endif

#endif
