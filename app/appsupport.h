// What both executables share: application names and signals turned into events.
#pragma once

#include <functional>

class QCoreApplication;

namespace Parafetch {

void setApplicationNames();

// Signals become events: the handler only writes the signal number to a socket pair, and the
// event loop does the rest. The first SIGINT/SIGTERM calls onFirstSignal (a run is cancelled
// cleanly: the summary and the export are still written, no .part file is left under a final
// name). A later one calls onRepeatedSignal if given (which decides whether it means "quit
// now"); otherwise it, or the first without onFirstSignal, quits with 128 + the signal.
void installSignalHandlers(QCoreApplication &app, const std::function<void(int)> &onFirstSignal,
                           const std::function<void(int)> &onRepeatedSignal = {});

} // namespace Parafetch
