// SPDX-License-Identifier: GPL-3.0-or-later
// Hands the memory that a large, finished operation freed back to the system.
#pragma once

namespace Parafetch {

// Reading a long list frees hundreds of megabytes in small blocks (the pasted text, the lines, the
// parser's tables) between blocks that stay (the queued jobs): the C library keeps such holes
// for later, so the process would go on showing them as its own. Where the C library can
// (glibc's malloc_trim), the whole free pages among them go back; elsewhere this does nothing.
void releaseFreedMemory();

} // namespace Parafetch
