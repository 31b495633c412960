#ifndef MOAT_CUNBOUND_SHIM_H
#define MOAT_CUNBOUND_SHIM_H
#include <unbound.h>
#endif
