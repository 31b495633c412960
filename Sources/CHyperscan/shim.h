#ifndef MOAT_CHYPERSCAN_SHIM_H
#define MOAT_CHYPERSCAN_SHIM_H
#include <hs/hs.h>
#endif
