// SPDX-License-Identifier: GPL-3.0-or-later
// Hands the memory that a large, finished operation freed back to the system.
#pragma once

namespace Parafetch {

// Reading a long list frees hundreds of megabytes in small blocks (the pasted text, the lines, the
// parser's tables) between blocks that stay (the queued jobs): the C library keeps such holes
// for later, so the process would go on showing them as its own. Where the C library can
// (glibc's malloc_trim), the whole free pages among them go back; elsewhere this does nothing.
void releaseFreedMemory();

// Around the reading of a long list. glibc gives a block of 128 KiB or more pages of its own,
// unmapped when freed, but raises that threshold (up to 32 MiB) each time it frees such a
// block: a list's growing tables and key blocks then land in the heap among the rows' small
// allocations and leave holes there that no trim can return (measured with a million URLs:
// 405 MiB held through the run against 365 with the threshold kept). beginBulkLoad() holds
// the threshold at 128 KiB; endBulkLoad() returns what the load freed and sets it to 32 MiB,
// where glibc's own would end, so that a run's large read buffers are reused, not remapped.
// Elsewhere both do nothing (endBulkLoad() still releases).
void beginBulkLoad();
void endBulkLoad();

} // namespace Parafetch
