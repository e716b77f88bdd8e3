// SPDX-License-Identifier: GPL-3.0-or-later
// Parsing and validating the command line with QCommandLineParser.
#include "commandline.h"

#include "checksumfile.h"
#include "commandlineoptions.h"
#include "engine/tlsconfig.h"
#include "formats/previousrun.h"
#include "formats/runfile.h"
#include "headlessrunner.h"
#include "proxyurl.h"
#include "run/completioncommand.h"
#include "run/sweeprunner.h"
#include "run/whatif.h"
#include "units.h"

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QFileInfo>

#include <cmath>
#include <cstdio>
#include <limits>
#include <sys/stat.h>
#include <unistd.h>

namespace Parafetch {

namespace {

constexpr int UsageError = 2;
constexpr double MaxTimeoutSeconds = double(FetchOptions::MaxTimeoutMs) / Units::MsPerSecond;

QString tr(const char *text)
{
    return QCoreApplication::translate("CommandLine", text);
}

void printError(const QString &message)
{
    std::fprintf(stderr, "parafetch: %s\nTry 'parafetch --help' for more information.\n",
                 qUtf8Printable(message));
}

bool readInt(const QCommandLineParser &parser, const QCommandLineOption &option, int min, int max,
             int *value)
{
    if (!parser.isSet(option))
        return true;
    bool ok = false;
    const QString text = parser.value(option);
    const int number = text.toInt(&ok);
    if (!ok || number < min || number > max) {
        printError(tr("--%1 takes a whole number from %2 to %3, not '%4'")
                       .arg(option.names().constLast())
                       .arg(min)
                       .arg(max)
                       .arg(text));
        return false;
    }
    *value = number;
    return true;
}

bool readByteRate(const QCommandLineParser &parser, const QCommandLineOption &option,
                  qint64 *bytesPerSecond)
{
    if (!parser.isSet(option))
        return true;
    QString error;
    const std::optional<qint64> rate = FetchOptions::parseByteRate(parser.value(option), &error);
    if (!rate) {
        printError(tr("--%1: %2").arg(option.names().constLast(), error));
        return false;
    }
    *bytesPerSecond = *rate;
    return true;
}

bool readSeconds(const QCommandLineParser &parser, const QCommandLineOption &option, int *ms)
{
    if (!parser.isSet(option))
        return true;
    bool ok = false;
    const QString text = parser.value(option);
    const double seconds = text.toDouble(&ok);
    if (!ok || !(seconds >= 0 && seconds <= MaxTimeoutSeconds)) { // NaN fails too
        printError(tr("--%1 takes a number of seconds (0 = no limit), not '%2'")
                       .arg(option.names().constLast(), text));
        return false;
    }
    // Round up: a tiny limit must not become 0, which means no limit.
    *ms = int(std::ceil(seconds * Units::MsPerSecond));
    return true;
}

bool readPatternOptions(const QCommandLineParser &parser, const QCommandLineOption &globOff,
                        const QCommandLineOption &globLimit, UrlPatternOptions *patterns)
{
    int limit = int(patterns->limit);
    if (!readInt(parser, globLimit, 1, int(UrlPatternOptions::MaxLimit), &limit))
        return false;
    patterns->limit = limit;
    patterns->expand = !parser.isSet(globOff);
    return true;
}

// --compare needs exactly two exports, --merge at least one, and neither fetches anything.
bool checkRunFiles(const CommandLine &line, bool fetchOptionsGiven)
{
    const bool comparing = line.mode == CommandLine::Mode::Compare;
    const QString option = comparing ? QStringLiteral("--compare") : QStringLiteral("--merge");
    if (fetchOptionsGiven) {
        printError(tr("%1 reads exports and fetches nothing: leave out --input, --demo, "
                      "--sweep and --shard")
                       .arg(option));
        return false;
    }
    if (comparing ? line.runFiles.size() != 2 : line.runFiles.isEmpty()) {
        printError(
            comparing ? tr("--compare takes two exports, A and B, not %1").arg(line.runFiles.size())
                      : tr("--merge takes the exports to merge as arguments"));
        return false;
    }
    return true;
}

// --what-if reads one export, and a sweep's table if given, and fetches nothing.
bool checkWhatIfFiles(const CommandLine &line, bool fetchingOptionsGiven)
{
    if (fetchingOptionsGiven) {
        printError(tr("--what-if replays an export and fetches nothing: leave out --input, "
                      "--demo, --sweep, --shard, --compare and --merge"));
        return false;
    }
    if (line.runFiles.size() > 2) {
        printError(tr("--what-if takes one more file at most, the CSV of a sweep of the same "
                      "list, not %1 and %2")
                       .arg(line.runFiles.at(1), line.runFiles.at(2)));
        return false;
    }
    return true;
}

// The options that only make sense in some modes, and the export's format per mode.
bool checkModeOptions(const CommandLine &line, bool sampleGiven)
{
    const bool sweeping = !line.sweepLevels.isEmpty();
    const bool whatIf = line.mode == CommandLine::Mode::WhatIf;
    if (whatIf && !line.failRules.isEmpty()) {
        printError(tr("--fail-if works with a run, --merge or --compare, not with --what-if"));
        return false;
    }
    if (whatIf && !line.exportPath.isEmpty()
        && RunFile::formatForPath(line.exportPath) != ExportFormat::Json) {
        printError(tr("--export with --what-if writes the predictions as JSON: give a name "
                      "ending in .json, not '%1'")
                       .arg(line.exportPath));
        return false;
    }
    if (sampleGiven && !sweeping) {
        printError(tr("--sample works with --sweep"));
        return false;
    }
    if (!line.failRules.isEmpty()) {
        if (line.mode == CommandLine::Mode::Window) {
            printError(tr("--fail-if needs --headless"));
            return false;
        }
        if (sweeping) {
            printError(tr("--fail-if works with a run, --merge or --compare, not with --sweep"));
            return false;
        }
        for (const FailRule &rule : line.failRules) {
            if (rule.needsComparison() && line.mode != CommandLine::Mode::Compare) {
                printError(tr("--fail-if '%1' compares two runs: it needs --compare A B")
                               .arg(rule.text()));
                return false;
            }
        }
    }
    if (line.exportPath.isEmpty())
        return true;
    if (line.mode == CommandLine::Mode::Compare) {
        printError(tr("--compare writes no export: leave out --export"));
        return false;
    }
    if (sweeping && RunFile::formatForPath(line.exportPath) != ExportFormat::Csv) {
        printError(tr("--export with --sweep writes the table as CSV: give a name ending in "
                      ".csv, not '%1'")
                       .arg(line.exportPath));
        return false;
    }
    return true;
}

// --timeline writes CSV, and only a headless run has one to write.
bool checkTimelineOption(const CommandLine &line)
{
    if (line.timelinePath.isEmpty())
        return true;
    if (RunFile::formatForPath(line.timelinePath) != ExportFormat::Csv) {
        printError(tr("--timeline writes CSV: give a file name ending in .csv, not '%1'")
                       .arg(line.timelinePath));
        return false;
    }
    if (line.mode != CommandLine::Mode::Headless || !line.sweepLevels.isEmpty()) {
        printError(tr("--timeline records a headless run: it needs --headless, and does not go "
                      "with --sweep, --merge, --compare or --demo-server"));
        return false;
    }
    return true;
}

// A positional argument that names an existing file and is not a URL is a list to read.
bool isListFile(const QString &argument)
{
    return !argument.contains(QLatin1String("://")) && QFileInfo(argument).isFile();
}

// Standard input that a list can come from: a pipe, a socket or a redirected file, not a
// terminal or /dev/null (a script run from cron or a service has one of those).
bool standardInputIsPiped()
{
    struct stat info = {};
    if (::isatty(STDIN_FILENO) == 1 || ::fstat(STDIN_FILENO, &info) != 0)
        return false;
    return S_ISFIFO(info.st_mode) || S_ISSOCK(info.st_mode) || S_ISREG(info.st_mode);
}

// Headless: `parafetch --headless FILE` reads FILE as a list, as -i FILE does, and a piped
// standard input with no other input is read as -i - would.
bool resolveHeadlessInput(CommandLine &line)
{
    QStringList listFiles;
    for (const QString &argument : std::as_const(line.urls)) {
        if (isListFile(argument))
            listFiles.append(argument);
    }
    if (!listFiles.isEmpty()) {
        if (listFiles.size() > 1 || !line.inputPath.isEmpty()) {
            const QString other = listFiles.size() > 1 ? listFiles.at(1) : line.inputPath;
            printError(tr("one list at a time, not %1 and %2: join them, e.g. "
                          "'cat A B | parafetch --headless'")
                           .arg(listFiles.constFirst(), other));
            return false;
        }
        line.inputPath = listFiles.constFirst();
        line.urls.removeAll(line.inputPath);
    }
    if (!line.demo && line.inputPath.isEmpty() && line.urls.isEmpty()) {
        if (standardInputIsPiped()) {
            line.inputPath = QStringLiteral("-");
        } else {
            printError(tr("no URLs given: pass them as arguments, as a list FILE, with --input "
                          "FILE (or - for standard input), on a pipe, or try --demo"));
            return false;
        }
    }
    return true;
}

// The help shows the program's name, not the path it was started by (a build folder).
QString helpText(const QCommandLineParser &parser)
{
    QString text = parser.helpText();
    const qsizetype firstLineEnd = text.indexOf(QLatin1Char('\n'));
    const QString startedAs = QCoreApplication::arguments().value(0);
    if (!startedAs.isEmpty()) {
        const qsizetype at = text.first(qMax<qsizetype>(firstLineEnd, 0)).indexOf(startedAs);
        if (at >= 0)
            text.replace(at, startedAs.size(), QStringLiteral("parafetch"));
    }
    // The commands in a column, the sentences beside them: "  COMMAND  WHAT".
    constexpr int CommandWidth = 37;
    text += tr("\nExamples:\n");
    for (const CommandLineOptions::Example &example : CommandLineOptions::examples()) {
        text += QStringLiteral("  ") + example.command;
        if (!example.what.isEmpty())
            text +=
                QString(qMax<qsizetype>(CommandWidth - example.command.size(), 1), QLatin1Char(' '))
                + example.what;
        text += QLatin1Char('\n');
    }
    return text + HeadlessRunner::exitCodesHelp();
}

} // namespace

bool CommandLine::parse(const QCoreApplication &app, CommandLine *line, int *exitCode)
{
    *exitCode = UsageError;
    QCommandLineParser parser;
    const CommandLineOptions options;
    options.addTo(&parser);

    if (!parser.parse(app.arguments())) {
        printError(parser.errorText());
        return false;
    }
    if (parser.isSet(options.help)) {
        std::fputs(qUtf8Printable(helpText(parser)), stdout);
        *exitCode = 0;
        return false;
    }
    if (parser.isSet(options.version)) {
        std::printf("%s %s\n", qUtf8Printable(QCoreApplication::applicationName()),
                    qUtf8Printable(QCoreApplication::applicationVersion()));
        *exitCode = 0;
        return false;
    }

    CommandLine result;
    FetchOptions &fetch = result.fetch;
    int portNumber = 0;
    // With --what-if, -j is a list of worker counts (read below).
    if ((!parser.isSet(options.whatIf)
         && !readInt(parser, options.jobs, FetchOptions::MinConcurrency,
                     FetchOptions::MaxConcurrency, &fetch.concurrency))
        || !readInt(parser, options.retries, 0, FetchOptions::MaxRetries, &fetch.retries)
        || !readInt(parser, options.retryDelay, 0, FetchOptions::DefaultRetryMaxDelayMs,
                    &fetch.retryBaseDelayMs)
        || !readInt(parser, options.maxRedirects, 0, FetchOptions::MaxRedirects,
                    &fetch.maxRedirects)
        || !readInt(parser, options.port, 0, 65535, &portNumber)
        || !readInt(parser, options.perHost, 0, FetchOptions::MaxPerHost, &fetch.perHost)
        || !readInt(parser, options.sample, 1, std::numeric_limits<int>::max(), &result.sampleSize)
        || !readSeconds(parser, options.timeout, &fetch.timeoutMs)
        || !readSeconds(parser, options.idleTimeout, &fetch.idleTimeoutMs)
        || !readByteRate(parser, options.limitRate, &fetch.limitRate)
        || !readByteRate(parser, options.limitRatePerUrl, &fetch.limitRatePerUrl))
        return false;
    result.port = quint16(portNumber);
    if (parser.isSet(options.rate)) {
        QString error;
        const std::optional<qint64> interval =
            FetchOptions::parseRequestRate(parser.value(options.rate), &error);
        if (!interval) {
            printError(tr("--rate: %1").arg(error));
            return false;
        }
        fetch.startIntervalNs = *interval;
    }
    if (parser.isSet(options.checksums)) {
        QString error;
        auto byName = ChecksumFile::read(parser.value(options.checksums), &error);
        if (!byName) {
            printError(tr("--checksums: %1").arg(error));
            return false;
        }
        fetch.checksumsFile = parser.value(options.checksums);
        fetch.checksumsByName = std::make_shared<const ChecksumFile::ByName>(std::move(*byName));
    }
    if (parser.isSet(options.onComplete)) {
        QString error;
        QStringList command;
        if (!CompletionCommand::parse(parser.value(options.onComplete), &command, &error)) {
            printError(error);
            return false;
        }
        if (parser.isSet(options.sweep)) {
            printError(tr("--on-complete does not go with --sweep: a sweep fetches the list "
                          "several times"));
            return false;
        }
        fetch.onComplete = parser.value(options.onComplete).trimmed();
    }
    if (parser.isSet(options.ifExists)) {
        const auto policy =
            FetchOptions::existingFileFromName(parser.value(options.ifExists).trimmed());
        if (!policy) {
            printError(tr("--if-exists takes rename, skip or overwrite, not '%1'")
                           .arg(parser.value(options.ifExists)));
            return false;
        }
        fetch.existingFile = *policy;
    }
    if (parser.isSet(options.cookies)) {
        QString error;
        auto read = CookieFile::read(parser.value(options.cookies), &error);
        if (!read) {
            printError(tr("--cookies: %1").arg(error));
            return false;
        }
        fetch.cookiesFile = parser.value(options.cookies);
        fetch.cookies = std::make_shared<const QList<CookieFile::Cookie>>(std::move(*read));
    }
    if (parser.isSet(options.ifChanged)) {
        QString error;
        auto previous = PreviousRun::read(parser.value(options.ifChanged), &error);
        if (!previous) {
            printError(tr("--if-changed: %1").arg(error));
            return false;
        }
        // Not an error: those URLs are simply fetched in full.
        if (const QString note = PreviousRun::noteFor(*previous, parser.value(options.ifChanged));
            !note.isEmpty() && !parser.isSet(options.quiet))
            std::fprintf(stderr, "parafetch: --if-changed: %s\n", qUtf8Printable(note));
        fetch.previousResults = std::make_shared<const PreviousResults>(std::move(previous->byUrl));
    }
    if (parser.isSet(options.perHostInterval)) {
        int ms = 0;
        if (!readSeconds(parser, options.perHostInterval, &ms))
            return false;
        fetch.perHostIntervalNs = qint64(ms) * Units::NsPerMs;
    }

    for (const QString &text : parser.values(options.header)) {
        QString error;
        const auto parsed = FetchOptions::parseHeader(text, &error);
        if (!parsed) {
            printError(error);
            return false;
        }
        fetch.headers.append(*parsed);
    }
    if (parser.isSet(options.userAgent)) {
        const QString agent = parser.value(options.userAgent);
        if (const QString forbidden = FetchOptions::forbiddenInHeaderValue(agent);
            !forbidden.isEmpty()) {
            printError(tr("--user-agent cannot contain %1: it is sent as a header").arg(forbidden));
            return false;
        }
        fetch.userAgent = agent.toUtf8();
    }
    if (parser.isSet(options.http11) && parser.isSet(options.http2)) {
        printError(tr("--http1.1 and --http2 do not go together: choose one"));
        return false;
    }
    if (parser.isSet(options.http11))
        fetch.httpVersion = FetchOptions::HttpVersion::Http1_1;
    else if (parser.isSet(options.http2))
        fetch.httpVersion = FetchOptions::HttpVersion::Http2;
    if (parser.isSet(options.head))
        fetch.method = FetchOptions::Method::Head;
    fetch.computeSha256 = !parser.isSet(options.noHash);
    fetch.resume = !parser.isSet(options.noResume);
    fetch.outputDirectory = parser.value(options.outputDir);
    if (parser.isSet(options.caFile)) {
        QString error;
        if (!checkCaFile(parser.value(options.caFile), &error)) {
            printError(tr("--ca-file: %1").arg(error));
            return false;
        }
        fetch.caFile = parser.value(options.caFile);
    }
    if (parser.isSet(options.proxy)) {
        QString error;
        if (parser.isSet(options.noProxy)) {
            printError(tr("--proxy and --no-proxy do not go together: choose one"));
            return false;
        }
        if (!ProxyUrl::parse(parser.value(options.proxy), &error)) {
            printError(tr("--proxy: %1").arg(error));
            return false;
        }
        fetch.proxy = parser.value(options.proxy).trimmed();
    } else if (parser.isSet(options.noProxy)) {
        fetch.proxy = ProxyUrl::NoProxyWord;
    }
    QString error;
    if ((parser.isSet(options.sweep)
         && !SweepRunner::parseLevels(parser.value(options.sweep), &result.sweepLevels, &error))
        || (parser.isSet(options.shard)
            && !ShardSpec::parse(parser.value(options.shard), &result.shard, &error))
        || !FailRule::parseList(parser.values(options.failIf), &result.failRules, &error)) {
        printError(error);
        return false;
    }
    result.journalPath = parser.value(options.journal);
    if (parser.isSet(options.journal) && result.journalPath.isEmpty()) {
        printError(tr("--journal needs a file name"));
        return false;
    }
    result.sweepScreenshotPath = parser.value(options.screenshotSweep);
    if (!readPatternOptions(parser, options.globOff, options.globLimit, &result.patterns))
        return false;

    result.inputPath = parser.value(options.input);
    result.urls = parser.positionalArguments();
    result.exportPath = parser.value(options.exportTo);
    result.timelinePath = parser.value(options.timeline);
    if (parser.isSet(options.timeline) && result.timelinePath.isEmpty()) {
        printError(tr("--timeline needs a file name"));
        return false;
    }
    result.quiet = parser.isSet(options.quiet);
    result.demo = parser.isSet(options.demo);
    result.useSystemProxy = !parser.isSet(options.noProxy);

    result.screenshotPath = parser.value(options.screenshot);
    for (const QCommandLineOption *option :
         { &options.jobs,    &options.timeout,         &options.idleTimeout,
           &options.retries, &options.retryDelay,      &options.maxRedirects,
           &options.head,    &options.header,          &options.userAgent,
           &options.noHash,  &options.noResume,        &options.outputDir,
           &options.caFile,  &options.perHost,         &options.http11,
           &options.http2,   &options.limitRate,       &options.limitRatePerUrl,
           &options.rate,    &options.perHostInterval, &options.checksums,
           &options.cookies, &options.onComplete,      &options.ifChanged,
           &options.ifExists }) {
        result.fetchOptionsGiven = result.fetchOptionsGiven || parser.isSet(*option);
    }
    result.fetchOptionsGiven = result.fetchOptionsGiven || parser.isSet(options.proxy);

    if (parser.isSet(options.compare) && parser.isSet(options.merge)) {
        printError(tr("--compare and --merge do not go together: choose one"));
        return false;
    }
    if (parser.isSet(options.whatIf)) {
        result.whatIfWorkers = WhatIf::defaultWorkerList();
        if (parser.isSet(options.perHost))
            result.whatIfPerHost = fetch.perHost;
        if (parser.isSet(options.jobs)
            && !WhatIf::parseWorkerList(parser.value(options.jobs), &result.whatIfWorkers,
                                        &error)) {
            printError(tr("-j with --what-if: %1").arg(error));
            return false;
        }
    }
    if (parser.isSet(options.demoServer)) {
        result.mode = Mode::DemoServer;
    } else if (parser.isSet(options.whatIf)) {
        result.mode = Mode::WhatIf;
        result.runFiles = QStringList { parser.value(options.whatIf) } + result.urls;
        result.urls.clear();
        if (!checkWhatIfFiles(result,
                              parser.isSet(options.sweep) || parser.isSet(options.shard)
                                  || result.demo || !result.inputPath.isEmpty()
                                  || parser.isSet(options.compare) || parser.isSet(options.merge)))
            return false;
    } else if (parser.isSet(options.compare) || parser.isSet(options.merge)) {
        result.mode = parser.isSet(options.compare) ? Mode::Compare : Mode::Merge;
        result.runFiles = result.urls;
        result.urls.clear();
        if (!checkRunFiles(result,
                           parser.isSet(options.sweep) || parser.isSet(options.shard) || result.demo
                               || !result.inputPath.isEmpty()))
            return false;
    } else if (!parser.isSet(options.headless) && !parser.isSet(options.sweep)) {
        result.mode = Mode::Window;
    } else {
        result.mode = Mode::Headless;
        if (!resolveHeadlessInput(result))
            return false;
    }
    if (!result.exportPath.isEmpty() && !RunFile::formatForPath(result.exportPath)) {
        printError(tr("--export needs a file name ending in .json, .csv or .har, not '%1'")
                       .arg(result.exportPath));
        return false;
    }
    if (!checkModeOptions(result, parser.isSet(options.sample)) || !checkTimelineOption(result))
        return false;
    if (!result.journalPath.isEmpty()
        && (result.mode != Mode::Headless || !result.sweepLevels.isEmpty() || result.demo)) {
        // --demo's list names a new port each time: no second run would find its journal.
        printError(tr("--journal journals a headless run: it needs --headless, and does not go "
                      "with --sweep, --demo, --merge, --compare or --demo-server"));
        return false;
    }
    if (result.mode == Mode::Headless && !result.screenshotPath.isEmpty()) {
        printError(tr("--screenshot needs the window: leave out --headless"));
        return false;
    }
    *line = std::move(result);
    *exitCode = 0;
    return true;
}

} // namespace Parafetch
