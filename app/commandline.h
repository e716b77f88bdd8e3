// The command line: every option of the parafetch executable, parsed into one value.
#pragma once

#include "fetchoptions.h"

#include <QString>
#include <QStringList>

class QCoreApplication;

namespace Parafetch {

struct CommandLine
{
    enum class Mode { Headless, DemoServer };

    Mode mode = Mode::Headless;
    FetchOptions fetch;
    QString inputPath;        // "-" = standard input
    QStringList urls;         // positional arguments
    QString exportPath;
    bool quiet = false;
    bool demo = false;
    bool useSystemProxy = true;
    quint16 port = 0;

    // Parses the application's arguments. On --help or --version prints and sets *exitCode
    // to 0; on a usage error prints the reason to stderr and sets *exitCode to 2. Returns
    // false in both cases: the program should exit with *exitCode.
    static bool parse(const QCoreApplication &app, CommandLine *line, int *exitCode);
};

} // namespace Parafetch
