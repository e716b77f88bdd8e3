// SPDX-License-Identifier: GPL-3.0-or-later
// releaseFreedMemory(): glibc's malloc_trim, nothing elsewhere.
#include "heaptrim.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace Parafetch {

void releaseFreedMemory()
{
#if defined(__GLIBC__)
    malloc_trim(0);
#endif
}

} // namespace Parafetch
