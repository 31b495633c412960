// libpng 1.6 simplified read API (libpng-dev). zlib on its own is CZlib.
#include <png.h>
