#ifndef MOAT_CCLAMAV_SHIM_H
#define MOAT_CCLAMAV_SHIM_H
#include <clamav.h>
/* Compound macros Swift cannot import, re-exported as constants. */
static const unsigned int moat_CL_DB_STDOPT = CL_DB_STDOPT;
#endif
