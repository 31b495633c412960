#ifndef MOAT_CMAGIC_SHIM_H
#define MOAT_CMAGIC_SHIM_H
#include <magic.h>
#endif
