// SPDX-License-Identifier: GPL-3.0-or-later
// Parsing and validating the command line with QCommandLineParser.
#include "commandline.h"

#include "checksumfile.h"
#include "engine/tlsconfig.h"
#include "formats/previousrun.h"
#include "formats/runfile.h"
#include "formatting.h"
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
    text += tr("\nExamples:\n"
               "  parafetch                            the window\n"
               "  parafetch --headless urls.txt        fetch a list, print a line per URL\n"
               "  produce-urls | parafetch --headless -j 16 -o downloads --export run.json\n"
               "  parafetch --headless --sweep 1,2,4,8,16,32 urls.txt\n"
               "  parafetch --compare before.json after.json --fail-if 'p95_delta>10%'\n"
               "  parafetch --what-if run.json -j 1,4,16,64\n"
               "  parafetch --headless --proxy socks5h://user:***@127.0.0.1:1080 urls.txt\n");
    return text + HeadlessRunner::exitCodesHelp();
}

} // namespace

bool CommandLine::parse(const QCoreApplication &app, CommandLine *line, int *exitCode)
{
    *exitCode = UsageError;
    QCommandLineParser parser;
    parser.setApplicationDescription(
        tr("Fetches many URLs concurrently and shows where the time went: per-URL times, the "
           "wall time against the serial time, and the speedup that concurrency bought."));
    const QCommandLineOption help = parser.addHelpOption();
    const QCommandLineOption version = parser.addVersionOption();

    const QCommandLineOption headless(QStringLiteral("headless"),
                                      tr("Run without a window and print results."));
    const QCommandLineOption jobs(QStringList { QStringLiteral("j"), QStringLiteral("jobs") },
                                  tr("Fetch at most N URLs at once (1-512, default %1).")
                                      .arg(FetchOptions::DefaultConcurrency),
                                  QStringLiteral("N"));
    const QCommandLineOption input(
        QStringList { QStringLiteral("i"), QStringLiteral("input") },
        tr("Read URLs from FILE, one per line (or 'url,filename'); "
           "'-' reads standard input (given up when it sends nothing "
           "for %1 s).")
            .arg(formatPlainSeconds(HeadlessRunner::StdinSilenceLimitMs)),
        QStringLiteral("FILE"));
    const QCommandLineOption exportTo(QStringLiteral("export"),
                                      tr("Write the results to FILE (.json, .csv or .har)."),
                                      QStringLiteral("FILE"));
    const QCommandLineOption timeline(
        QStringLiteral("timeline"),
        tr("Write the run's throughput to FILE.csv: bytes and finished URLs per 250 ms of wall "
           "time, and the URLs in flight (headless)."),
        QStringLiteral("FILE"));
    const QCommandLineOption outputDir(
        QStringList { QStringLiteral("o"), QStringLiteral("output-dir") },
        tr("Save bodies into DIR (default: count and hash them only)."), QStringLiteral("DIR"));
    const QCommandLineOption timeout(
        QStringLiteral("timeout"),
        tr("Give up an attempt after SECONDS in all (default: no limit)."),
        QStringLiteral("SECONDS"));
    const QCommandLineOption idleTimeout(
        QStringLiteral("idle-timeout"),
        tr("Give up an attempt after SECONDS without data (default %1).")
            .arg(FetchOptions::DefaultIdleTimeoutMs / 1000),
        QStringLiteral("SECONDS"));
    const QCommandLineOption retries(QStringLiteral("retries"),
                                     tr("Retry connection errors, timeouts, 5xx and 429 up to N "
                                        "times with exponential backoff, honouring Retry-After "
                                        "(default %1).")
                                         .arg(FetchOptions::DefaultRetries),
                                     QStringLiteral("N"));
    const QCommandLineOption retryDelay(QStringLiteral("retry-delay"),
                                        tr("First backoff delay in milliseconds; it doubles per "
                                           "retry (default %1).")
                                            .arg(FetchOptions::DefaultRetryBaseDelayMs),
                                        QStringLiteral("MS"));
    const QCommandLineOption maxRedirects(
        QStringLiteral("max-redirects"),
        tr("Follow at most N redirects (default %1).").arg(FetchOptions::DefaultMaxRedirects),
        QStringLiteral("N"));
    const QCommandLineOption head(QStringLiteral("head"),
                                  tr("Check links with HEAD requests instead of fetching bodies."));
    const QCommandLineOption header(QStringList { QStringLiteral("H"), QStringLiteral("header") },
                                    tr("Add a request header; repeat for more."),
                                    QStringLiteral("NAME: VALUE"));
    const QCommandLineOption userAgent(
        QStringLiteral("user-agent"),
        tr("Send S as the User-Agent (default %1).")
            .arg(QString::fromLatin1(FetchOptions::defaultUserAgent())),
        QStringLiteral("S"));
    const QCommandLineOption noHash(QStringLiteral("no-hash"),
                                    tr("Do not compute SHA-256 of the bodies."));
    const QCommandLineOption noResume(
        QStringLiteral("no-resume"),
        tr("On a retry, fetch the whole body again instead of continuing the part already saved."));
    const QCommandLineOption noProxy(QStringLiteral("no-proxy"),
                                     tr("Ignore the system proxy settings."));
    const QCommandLineOption proxy(
        QStringLiteral("proxy"),
        tr("Send every request through the proxy at URL: http://, socks5:// (names resolved "
           "here) or socks5h:// (by the proxy), with USER:PASSWORD@ if it asks for them."),
        QStringLiteral("URL"));
    const QCommandLineOption quiet(QStringList { QStringLiteral("q"), QStringLiteral("quiet") },
                                   tr("Print only the summary, no line per URL and no progress."));
    const QCommandLineOption demo(
        QStringLiteral("demo"),
        tr("Fetch a built-in list from a loopback demo server (no network needed)."));
    const QCommandLineOption demoServer(
        QStringLiteral("demo-server"),
        tr("Run the loopback demo server in the foreground and print its address."));
    const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                        tr("Window: save a PNG of the window to FILE once the run "
                                           "has finished, then quit."),
                                        QStringLiteral("FILE"));
    const QCommandLineOption caFile(QStringLiteral("ca-file"),
                                    tr("Also trust the CA certificates in FILE (PEM) for https."),
                                    QStringLiteral("FILE"));
    const QCommandLineOption perHost(QStringLiteral("per-host"),
                                     tr("Polite mode: at most N requests to one host at once "
                                        "(0-%1, default 0 = no limit beyond --jobs).")
                                         .arg(FetchOptions::MaxPerHost),
                                     QStringLiteral("N"));
    const QCommandLineOption limitRate(
        QStringLiteral("limit-rate"),
        tr("Cap the whole run's download rate at RATE bytes per second, as curl takes it: "
           "500K, 1.5M, 2G (KiB, MiB, GiB per second)."),
        QStringLiteral("RATE"));
    const QCommandLineOption limitRatePerUrl(
        QStringLiteral("limit-rate-per-url"),
        tr("Cap each URL's download rate at RATE bytes per second (as --limit-rate)."),
        QStringLiteral("RATE"));
    const QCommandLineOption checksums(
        QStringLiteral("checksums"),
        tr("Check each saved body against FILE, the output of sha256sum (matched by the saved "
           "file name); a mismatch fails the URL and saves nothing."),
        QStringLiteral("FILE"));
    const QCommandLineOption cookies(
        QStringLiteral("cookies"),
        tr("Send the cookies in FILE, a Netscape cookies.txt (as browsers export and curl "
           "writes), where their domain, path and flags allow."),
        QStringLiteral("FILE"));
    const QCommandLineOption onComplete(
        QStringLiteral("on-complete"),
        tr("Run CMD (a program and its arguments, quoted as in a shell, run without a shell) "
           "for each URL that finishes, with PARAFETCH_URL, PARAFETCH_STATUS, PARAFETCH_PATH, "
           "PARAFETCH_SHA256, PARAFETCH_HTTP_STATUS, PARAFETCH_BYTES and PARAFETCH_ERROR in its "
           "environment."),
        QStringLiteral("CMD"));
    const QCommandLineOption ifChanged(
        QStringLiteral("if-changed"),
        tr("Fetch again only what changed since PREVIOUS.json, an earlier run's JSON export: "
           "each URL there with an ETag or Last-Modified is asked for conditionally, and a 304 "
           "counts as unchanged (a success) and leaves its saved file as it is."),
        QStringLiteral("PREVIOUS.json"));
    const QCommandLineOption ifExists(
        QStringLiteral("if-exists"),
        tr("What a download does when its file name is already taken in the output directory: "
           "rename (save as NAME (1), the default), skip (leave a file of the same size and "
           "Last-Modified date as it is; the URL counts as unchanged) or overwrite (replace a "
           "regular file once the body is complete; never a link)."),
        QStringLiteral("POLICY"));
    const QCommandLineOption rate(
        QStringLiteral("rate"),
        tr("Start at most N URLs per second, minute, hour or day, however many workers run: "
           "N/s, N/m, N/h, N/d as curl's --rate (a bare N is per hour)."),
        QStringLiteral("N/U"));
    const QCommandLineOption perHostInterval(
        QStringLiteral("per-host-interval"),
        tr("Polite mode: start a URL on one host at most once every SECONDS."),
        QStringLiteral("SECONDS"));
    const QCommandLineOption http11(
        QStringLiteral("http1.1"),
        tr("Speak HTTP/1.1 only: over https offer no h2 (default: h2 when the server picks it)."));
    const QCommandLineOption http2(
        QStringLiteral("http2"),
        tr("Speak HTTP/2: h2 with prior knowledge over http; over https h2 when the server offers "
           "it, else HTTP/1.1 (as curl --http2)."));
    const QCommandLineOption sweep(QStringLiteral("sweep"),
                                   tr("Run the list once at each worker count in LIST (e.g. "
                                      "1,2,4,8,16,32) and print wall time, speedup and the knee; "
                                      "--export FILE.csv writes the table. Implies --headless."),
                                   QStringLiteral("LIST"));
    const QCommandLineOption sample(QStringLiteral("sample"),
                                    tr("With --sweep: use a fixed sample of N URLs of the list "
                                       "(chosen by a stable hash, so the same list gives the same "
                                       "sample)."),
                                    QStringLiteral("N"));
    const QCommandLineOption compare(QStringLiteral("compare"),
                                     tr("Compare two exports, A.json B.json (or .csv), given as "
                                        "arguments: per-URL changes and figure deltas. Implies "
                                        "--headless."));
    const QCommandLineOption whatIf(
        QStringLiteral("what-if"),
        tr("Replay the per-URL times of RUN.json, a JSON export, through the engine's scheduling "
           "at other settings, fetching nothing: -j LIST (default 1,2,4,…,128) and --per-host N; "
           "prints the predicted wall time, speedup and straggler per worker count, in list "
           "order and longest first. A sweep's CSV of the same list, given as an argument, "
           "calibrates it; --export FILE.json writes the predictions."),
        QStringLiteral("RUN.json"));
    const QCommandLineOption failIf(QStringLiteral("fail-if"),
                                    tr("Exit with 3 when RULE holds, e.g. 'p95>2s', 'failed>0', "
                                       "'p95_delta>10%'; repeatable. Figures: total, succeeded, "
                                       "failed, cancelled, wall, serial, p50, p90, p95, p99, "
                                       "speedup (+_delta with --compare), new_failures, fixed, "
                                       "status_changes, only_in_a, only_in_b (--compare)."),
                                    QStringLiteral("RULE"));
    const QCommandLineOption shard(QStringLiteral("shard"),
                                   tr("Fetch only shard K of N (1 <= K <= N) of the list, chosen "
                                      "by a stable hash of each URL, for running one list on N "
                                      "machines."),
                                   QStringLiteral("K/N"));
    const QCommandLineOption journal(
        QStringLiteral("journal"),
        tr("Journal the headless run in FILE as it goes; the same command run again (after a "
           "crash, a kill or a reboot) continues it: finished URLs are not fetched again, .part "
           "files are continued. A journal of another list is refused."),
        QStringLiteral("FILE"));
    const QCommandLineOption merge(QStringLiteral("merge"),
                                   tr("Merge the JSON exports given as arguments (e.g. one per "
                                      "shard) into one run; --export FILE writes it. Implies "
                                      "--headless."));
    const QCommandLineOption globOff(
        QStringList { QStringLiteral("g"), QStringLiteral("globoff") },
        tr("Take [ ] { } in URLs literally: no URL patterns (as curl -g)."));
    const QCommandLineOption globLimit(
        QStringLiteral("glob-limit"),
        tr("A URL pattern ([1-120], [a-z], {one,two}) may expand to at most N URLs (default "
           "%1); a line that would make more adds nothing and is reported.")
            .arg(UrlPatternOptions::DefaultLimit),
        QStringLiteral("N"));
    QCommandLineOption screenshotSweep(
        QStringLiteral("screenshot-sweep"),
        QStringLiteral("Render the sweep dialog after a demo sweep."), QStringLiteral("FILE"));
    screenshotSweep.setFlags(QCommandLineOption::HiddenFromHelp);
    const QCommandLineOption port(QStringLiteral("port"),
                                  tr("Port for --demo-server (default: any free port)."),
                                  QStringLiteral("P"));

    parser.addOptions({ headless,
                        jobs,
                        input,
                        exportTo,
                        outputDir,
                        timeout,
                        idleTimeout,
                        retries,
                        retryDelay,
                        maxRedirects,
                        head,
                        header,
                        userAgent,
                        noHash,
                        noResume,
                        noProxy,
                        quiet,
                        demo,
                        demoServer,
                        screenshot,
                        port,
                        caFile,
                        perHost,
                        http11,
                        http2,
                        sweep,
                        sample,
                        compare,
                        failIf,
                        shard,
                        merge,
                        limitRate,
                        limitRatePerUrl,
                        rate,
                        perHostInterval,
                        checksums,
                        cookies,
                        onComplete,
                        ifChanged,
                        ifExists,
                        globOff,
                        globLimit,
                        screenshotSweep });
    parser.addOption(proxy);
    parser.addOption(journal);
    parser.addOption(whatIf);
    parser.addOption(timeline);
    parser.addPositionalArgument(QStringLiteral("urls"),
                                 tr("URLs to fetch, or one FILE with a list (as --input FILE). "
                                    "With --headless and no other input, a list piped to "
                                    "standard input is read."),
                                 QStringLiteral("[URL...|FILE]"));

    if (!parser.parse(app.arguments())) {
        printError(parser.errorText());
        return false;
    }
    if (parser.isSet(help)) {
        std::fputs(qUtf8Printable(helpText(parser)), stdout);
        *exitCode = 0;
        return false;
    }
    if (parser.isSet(version)) {
        std::printf("%s %s\n", qUtf8Printable(QCoreApplication::applicationName()),
                    qUtf8Printable(QCoreApplication::applicationVersion()));
        *exitCode = 0;
        return false;
    }

    CommandLine result;
    FetchOptions &fetch = result.fetch;
    int portNumber = 0;
    // With --what-if, -j is a list of worker counts (read below).
    if ((!parser.isSet(whatIf)
         && !readInt(parser, jobs, FetchOptions::MinConcurrency, FetchOptions::MaxConcurrency,
                     &fetch.concurrency))
        || !readInt(parser, retries, 0, FetchOptions::MaxRetries, &fetch.retries)
        || !readInt(parser, retryDelay, 0, FetchOptions::DefaultRetryMaxDelayMs,
                    &fetch.retryBaseDelayMs)
        || !readInt(parser, maxRedirects, 0, FetchOptions::MaxRedirects, &fetch.maxRedirects)
        || !readInt(parser, port, 0, 65535, &portNumber)
        || !readInt(parser, perHost, 0, FetchOptions::MaxPerHost, &fetch.perHost)
        || !readInt(parser, sample, 1, std::numeric_limits<int>::max(), &result.sampleSize)
        || !readSeconds(parser, timeout, &fetch.timeoutMs)
        || !readSeconds(parser, idleTimeout, &fetch.idleTimeoutMs)
        || !readByteRate(parser, limitRate, &fetch.limitRate)
        || !readByteRate(parser, limitRatePerUrl, &fetch.limitRatePerUrl))
        return false;
    result.port = quint16(portNumber);
    if (parser.isSet(rate)) {
        QString error;
        const std::optional<qint64> interval =
            FetchOptions::parseRequestRate(parser.value(rate), &error);
        if (!interval) {
            printError(tr("--rate: %1").arg(error));
            return false;
        }
        fetch.startIntervalNs = *interval;
    }
    if (parser.isSet(checksums)) {
        QString error;
        auto byName = ChecksumFile::read(parser.value(checksums), &error);
        if (!byName) {
            printError(tr("--checksums: %1").arg(error));
            return false;
        }
        fetch.checksumsFile = parser.value(checksums);
        fetch.checksumsByName = std::make_shared<const ChecksumFile::ByName>(std::move(*byName));
    }
    if (parser.isSet(onComplete)) {
        QString error;
        QStringList command;
        if (!CompletionCommand::parse(parser.value(onComplete), &command, &error)) {
            printError(error);
            return false;
        }
        if (parser.isSet(sweep)) {
            printError(tr("--on-complete does not go with --sweep: a sweep fetches the list "
                          "several times"));
            return false;
        }
        fetch.onComplete = parser.value(onComplete).trimmed();
    }
    if (parser.isSet(ifExists)) {
        const auto policy = FetchOptions::existingFileFromName(parser.value(ifExists).trimmed());
        if (!policy) {
            printError(tr("--if-exists takes rename, skip or overwrite, not '%1'")
                           .arg(parser.value(ifExists)));
            return false;
        }
        fetch.existingFile = *policy;
    }
    if (parser.isSet(cookies)) {
        QString error;
        auto read = CookieFile::read(parser.value(cookies), &error);
        if (!read) {
            printError(tr("--cookies: %1").arg(error));
            return false;
        }
        fetch.cookiesFile = parser.value(cookies);
        fetch.cookies = std::make_shared<const QList<CookieFile::Cookie>>(std::move(*read));
    }
    if (parser.isSet(ifChanged)) {
        QString error;
        auto previous = PreviousRun::read(parser.value(ifChanged), &error);
        if (!previous) {
            printError(tr("--if-changed: %1").arg(error));
            return false;
        }
        // Not an error: those URLs are simply fetched in full.
        if (const QString note = PreviousRun::noteFor(*previous, parser.value(ifChanged));
            !note.isEmpty() && !parser.isSet(quiet))
            std::fprintf(stderr, "parafetch: --if-changed: %s\n", qUtf8Printable(note));
        fetch.previousResults = std::make_shared<const PreviousResults>(std::move(previous->byUrl));
    }
    if (parser.isSet(perHostInterval)) {
        int ms = 0;
        if (!readSeconds(parser, perHostInterval, &ms))
            return false;
        fetch.perHostIntervalNs = qint64(ms) * Units::NsPerMs;
    }

    for (const QString &text : parser.values(header)) {
        QString error;
        const auto parsed = FetchOptions::parseHeader(text, &error);
        if (!parsed) {
            printError(error);
            return false;
        }
        fetch.headers.append(*parsed);
    }
    if (parser.isSet(userAgent)) {
        const QString agent = parser.value(userAgent);
        if (const QString forbidden = FetchOptions::forbiddenInHeaderValue(agent);
            !forbidden.isEmpty()) {
            printError(tr("--user-agent cannot contain %1: it is sent as a header").arg(forbidden));
            return false;
        }
        fetch.userAgent = agent.toUtf8();
    }
    if (parser.isSet(http11) && parser.isSet(http2)) {
        printError(tr("--http1.1 and --http2 do not go together: choose one"));
        return false;
    }
    if (parser.isSet(http11))
        fetch.httpVersion = FetchOptions::HttpVersion::Http1_1;
    else if (parser.isSet(http2))
        fetch.httpVersion = FetchOptions::HttpVersion::Http2;
    if (parser.isSet(head))
        fetch.method = FetchOptions::Method::Head;
    fetch.computeSha256 = !parser.isSet(noHash);
    fetch.resume = !parser.isSet(noResume);
    fetch.outputDirectory = parser.value(outputDir);
    if (parser.isSet(caFile)) {
        QString error;
        if (!checkCaFile(parser.value(caFile), &error)) {
            printError(tr("--ca-file: %1").arg(error));
            return false;
        }
        fetch.caFile = parser.value(caFile);
    }
    if (parser.isSet(proxy)) {
        QString error;
        if (parser.isSet(noProxy)) {
            printError(tr("--proxy and --no-proxy do not go together: choose one"));
            return false;
        }
        if (!ProxyUrl::parse(parser.value(proxy), &error)) {
            printError(tr("--proxy: %1").arg(error));
            return false;
        }
        fetch.proxy = parser.value(proxy).trimmed();
    } else if (parser.isSet(noProxy)) {
        fetch.proxy = ProxyUrl::NoProxyWord;
    }
    QString error;
    if ((parser.isSet(sweep)
         && !SweepRunner::parseLevels(parser.value(sweep), &result.sweepLevels, &error))
        || (parser.isSet(shard) && !ShardSpec::parse(parser.value(shard), &result.shard, &error))
        || !FailRule::parseList(parser.values(failIf), &result.failRules, &error)) {
        printError(error);
        return false;
    }
    result.journalPath = parser.value(journal);
    if (parser.isSet(journal) && result.journalPath.isEmpty()) {
        printError(tr("--journal needs a file name"));
        return false;
    }
    result.sweepScreenshotPath = parser.value(screenshotSweep);
    if (!readPatternOptions(parser, globOff, globLimit, &result.patterns))
        return false;

    result.inputPath = parser.value(input);
    result.urls = parser.positionalArguments();
    result.exportPath = parser.value(exportTo);
    result.timelinePath = parser.value(timeline);
    if (parser.isSet(timeline) && result.timelinePath.isEmpty()) {
        printError(tr("--timeline needs a file name"));
        return false;
    }
    result.quiet = parser.isSet(quiet);
    result.demo = parser.isSet(demo);
    result.useSystemProxy = !parser.isSet(noProxy);

    result.screenshotPath = parser.value(screenshot);
    for (const QCommandLineOption *option :
         { &jobs,         &timeout,   &idleTimeout,     &retries,   &retryDelay,
           &maxRedirects, &head,      &header,          &userAgent, &noHash,
           &noResume,     &outputDir, &caFile,          &perHost,   &http11,
           &http2,        &limitRate, &limitRatePerUrl, &rate,      &perHostInterval,
           &checksums,    &cookies,   &onComplete,      &ifChanged, &ifExists }) {
        result.fetchOptionsGiven = result.fetchOptionsGiven || parser.isSet(*option);
    }
    result.fetchOptionsGiven = result.fetchOptionsGiven || parser.isSet(proxy);

    if (parser.isSet(compare) && parser.isSet(merge)) {
        printError(tr("--compare and --merge do not go together: choose one"));
        return false;
    }
    if (parser.isSet(whatIf)) {
        result.whatIfWorkers = WhatIf::defaultWorkerList();
        if (parser.isSet(perHost))
            result.whatIfPerHost = fetch.perHost;
        if (parser.isSet(jobs)
            && !WhatIf::parseWorkerList(parser.value(jobs), &result.whatIfWorkers, &error)) {
            printError(tr("-j with --what-if: %1").arg(error));
            return false;
        }
    }
    if (parser.isSet(demoServer)) {
        result.mode = Mode::DemoServer;
    } else if (parser.isSet(whatIf)) {
        result.mode = Mode::WhatIf;
        result.runFiles = QStringList { parser.value(whatIf) } + result.urls;
        result.urls.clear();
        if (!checkWhatIfFiles(result,
                              parser.isSet(sweep) || parser.isSet(shard) || result.demo
                                  || !result.inputPath.isEmpty() || parser.isSet(compare)
                                  || parser.isSet(merge)))
            return false;
    } else if (parser.isSet(compare) || parser.isSet(merge)) {
        result.mode = parser.isSet(compare) ? Mode::Compare : Mode::Merge;
        result.runFiles = result.urls;
        result.urls.clear();
        if (!checkRunFiles(result,
                           parser.isSet(sweep) || parser.isSet(shard) || result.demo
                               || !result.inputPath.isEmpty()))
            return false;
    } else if (!parser.isSet(headless) && !parser.isSet(sweep)) {
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
    if (!checkModeOptions(result, parser.isSet(sample)) || !checkTimelineOption(result))
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
