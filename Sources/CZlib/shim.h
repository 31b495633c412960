// zlib alone: quarantined messages at rest (MoatStore), PDF FlateDecode streams (MoatURL) and the
// compressed storages of PowerPoint 97-2003 presentations (MoatMacro).
#include <zlib.h>

// zlib's inflateInit is a macro: re-exported as a function Swift can call.
static inline int moat_zlib_inflateInit(z_stream *stream) {
    return inflateInit(stream);
}
