#ifndef MOAT_CARCHIVE_SHIM_H
#define MOAT_CARCHIVE_SHIM_H
#include <archive.h>
#include <archive_entry.h>
/* AE_IFREG is a compound macro in some builds; re-export it as a constant. */
static const unsigned int moat_AE_IFREG = AE_IFREG;
#endif
