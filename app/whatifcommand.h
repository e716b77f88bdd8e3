// SPDX-License-Identifier: GPL-3.0-or-later
// --what-if RUN.json [SWEEP.csv]: a run's per-URL times replayed at other settings, printed.
#pragma once

namespace Parafetch {

struct CommandLine;

// Prints the calibration (the run's measured wall, and a sweep's, beside the replay's) and the
// predictions per worker count and order; writes them as JSON with --export. BadInput when a
// file cannot be read or is not what it should be, or the run has no measured URL; else 0.
int runWhatIf(const CommandLine &line);

} // namespace Parafetch
