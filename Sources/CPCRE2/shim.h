#ifndef MOAT_CPCRE2_SHIM_H
#define MOAT_CPCRE2_SHIM_H
// PCRE2's generic names are macros over the width-suffixed functions: Swift calls pcre2_*_8.
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#endif
