// The command line: every option of the parafetch executable, parsed into one value.
#pragma once

#include "fetchoptions.h"

#include <QString>
#include <QStringList>

class QCoreApplication;

namespace Parafetch {

struct CommandLine
{
    enum class Mode { Window, Headless, DemoServer };

    Mode mode = Mode::Window;
    FetchOptions fetch;
    QString inputPath;        // "-" = standard input
    QStringList urls;         // positional arguments
    QString exportPath;
    bool quiet = false;
    bool demo = false;
    bool useSystemProxy = true;
    quint16 port = 0;
    QString screenshotPath;   // window: save a PNG of the window once the run has finished
    bool fetchOptionsGiven = false; // any fetch option on the command line (window: overrides settings)

    // Whether these arguments need a window (and so a QApplication rather than a
    // QCoreApplication); decided before any application object exists.
    static bool wantsWindow(int argc, char **argv);

    // Parses the application's arguments. On --help or --version prints and sets *exitCode
    // to 0; on a usage error prints the reason to stderr and sets *exitCode to 2. Returns
    // false in both cases: the program should exit with *exitCode.
    static bool parse(const QCoreApplication &app, CommandLine *line, int *exitCode);
};

} // namespace Parafetch
