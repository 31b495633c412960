// zbar 0.23 (libzbar-dev): QR-code reading from 8-bit grey images.
#include <zbar.h>

// "Y800" as zbar's fourcc (zbar_fourcc is a macro Swift cannot import).
static const unsigned long moat_zbar_Y800 = 0x30303859UL;
