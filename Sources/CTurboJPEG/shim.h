// TurboJPEG 2.1 v2 API (libturbojpeg0-dev): JPEG to 8-bit grey.
#include <turbojpeg.h>
