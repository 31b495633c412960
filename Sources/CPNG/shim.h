// libpng 1.6 simplified read API (libpng-dev), and zlib, libpng's own dependency, for the
// FlateDecode streams of PDF attachments (MoatURL's one other use of DEFLATE) and the compressed
// storages of PowerPoint 97-2003 presentations (MoatMacro, which uses zlib alone).
#include <png.h>
#include <zlib.h>

// zlib's inflateInit is a macro: re-exported as a function Swift can call.
static inline int moat_inflateInit(z_stream *stream) {
    return inflateInit(stream);
}
