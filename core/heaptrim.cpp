// SPDX-License-Identifier: GPL-3.0-or-later
// releaseFreedMemory() and the bulk-load policy: glibc's malloc_trim and mallopt, nothing
// elsewhere.
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

void beginBulkLoad()
{
#if defined(__GLIBC__)
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
}

void endBulkLoad()
{
    releaseFreedMemory();
#if defined(__GLIBC__)
    mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
#endif
}

} // namespace Parafetch
