// SPDX-License-Identifier: GPL-3.0-or-later
// What both executables share: application names and signals turned into events.
#pragma once

#include <QString>

#include <functional>

class QCoreApplication;

namespace Parafetch {

void setApplicationNames();

// Whether the window can start: QT_QPA_PLATFORM names a platform (the user chose one, e.g.
// offscreen), or DISPLAY or WAYLAND_DISPLAY names a display. Without one, QApplication aborts
// with a message about reinstalling, which is not the problem. Asked before QApplication exists.
bool displayAvailable();
// What to tell the user instead, one line with its newline, starting with "parafetch: ".
QString noDisplayMessage();

// Signals become events: the handler only writes the signal number to a socket pair, and the
// event loop does the rest. The first SIGINT/SIGTERM calls onFirstSignal (a run is cancelled
// cleanly: the summary and the export are still written, no .part file is left under a final
// name). A later one calls onRepeatedSignal if given (which decides whether it means "quit
// now"); otherwise it, or the first without onFirstSignal, quits with 128 + the signal.
void installSignalHandlers(QCoreApplication &app, const std::function<void(int)> &onFirstSignal,
                           const std::function<void(int)> &onRepeatedSignal = {});

} // namespace Parafetch
