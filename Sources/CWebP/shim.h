// libwebp 1.2 simple decoding API (libwebp-dev): WebP to its luma plane.
#include <webp/decode.h>
