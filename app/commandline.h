// SPDX-License-Identifier: GPL-3.0-or-later
// The command line: every option of the parafetch executable, parsed into one value.
#pragma once

#include "fetchoptions.h"
#include "run/runcompare.h"
#include "run/shard.h"
#include "urlpattern.h"

#include <QString>
#include <QStringList>

class QCoreApplication;

namespace Parafetch {

struct CommandLine
{
    // Compare, Merge and WhatIf read exports and fetch nothing; a sweep is a Headless run with
    // levels.
    enum class Mode { Window, Headless, DemoServer, Compare, Merge, WhatIf };

    Mode mode = Mode::Window;
    FetchOptions fetch;
    QString inputPath; // "-" = standard input
    QStringList urls; // positional arguments
    QString exportPath;
    QString timelinePath; // --timeline FILE.csv: the run's throughput per interval, as CSV
    bool quiet = false;
    bool demo = false;
    bool useSystemProxy = true;
    quint16 port = 0;
    QString screenshotPath; // window: save a PNG of the window once the run has finished
    bool fetchOptionsGiven =
        false; // any fetch option on the command line (window: overrides settings)
    QList<int> sweepLevels; // --sweep: run the list at each of these concurrencies
    int sampleSize = 0; // --sample: a sweep on this many URLs of the list, 0 = all
    ShardSpec shard; // --shard K/N: only the URLs of shard K
    QString journalPath; // --journal FILE: a headless run journaled there, continued from it
    QList<FailRule> failRules; // --fail-if: exit 3 when one holds
    QStringList runFiles; // --compare A B, --merge FILE..., --what-if RUN [SWEEP]: files to read
    QList<int> whatIfWorkers; // --what-if: the worker counts to predict (-j LIST)
    int whatIfPerHost = -1; // --what-if: the per-host cap to predict with; -1 = the run's own
    QString sweepScreenshotPath; // hidden: render the sweep dialog after a demo sweep to FILE
    UrlPatternOptions patterns; // -g/--globoff, --glob-limit: URL patterns in the list

    // Parses the application's arguments. On --help or --version prints and sets *exitCode
    // to 0; on a usage error prints the reason to stderr and sets *exitCode to 2. Returns
    // false in both cases: the program should exit with *exitCode.
    static bool parse(const QCoreApplication &app, CommandLine *line, int *exitCode);
};

} // namespace Parafetch
