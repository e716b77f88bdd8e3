// Parsing and validating the command line with QCommandLineParser.
#include "commandline.h"

#include "resultexporter.h"

#include <QCommandLineParser>
#include <QCoreApplication>

#include <cmath>
#include <cstdio>

namespace Parafetch {

namespace {

constexpr int UsageError = 2;
constexpr double MsPerSecond = 1000.0;
constexpr double MaxTimeoutSeconds = FetchOptions::MaxTimeoutMs / MsPerSecond;

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
    *ms = int(std::ceil(seconds * MsPerSecond));
    return true;
}

} // namespace

bool CommandLine::wantsWindow(int argc, char **argv)
{
    for (int i = 1; i < argc; ++i) {
        const QByteArrayView argument(argv[i]);
        if (argument == "--") // what follows is URLs
            break;
        for (const char *terminalOnly : { "--headless", "--demo-server", "-h", "--help", "--help-all",
                                          "-v", "--version" }) {
            if (argument == terminalOnly)
                return false;
        }
    }
    return true;
}

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
    const QCommandLineOption input(QStringList { QStringLiteral("i"), QStringLiteral("input") },
                                   tr("Read URLs from FILE, one per line (or 'url,filename'); "
                                      "'-' reads standard input."),
                                   QStringLiteral("FILE"));
    const QCommandLineOption exportTo(QStringLiteral("export"),
                                      tr("Write the results to FILE (.json or .csv)."),
                                      QStringLiteral("FILE"));
    const QCommandLineOption outputDir(QStringList { QStringLiteral("o"), QStringLiteral("output-dir") },
                                       tr("Save bodies into DIR (default: count and hash them only)."),
                                       QStringLiteral("DIR"));
    const QCommandLineOption timeout(QStringLiteral("timeout"),
                                     tr("Give up an attempt after SECONDS in all (default: no limit)."),
                                     QStringLiteral("SECONDS"));
    const QCommandLineOption idleTimeout(QStringLiteral("idle-timeout"),
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
    const QCommandLineOption maxRedirects(QStringLiteral("max-redirects"),
                                          tr("Follow at most N redirects (default %1).")
                                              .arg(FetchOptions::DefaultMaxRedirects),
                                          QStringLiteral("N"));
    const QCommandLineOption head(QStringLiteral("head"),
                                  tr("Check links with HEAD requests instead of fetching bodies."));
    const QCommandLineOption header(QStringList { QStringLiteral("H"), QStringLiteral("header") },
                                    tr("Add a request header; repeat for more."),
                                    QStringLiteral("NAME: VALUE"));
    const QCommandLineOption userAgent(QStringLiteral("user-agent"),
                                       tr("Send S as the User-Agent (default %1).")
                                           .arg(QString::fromLatin1(FetchOptions::defaultUserAgent())),
                                       QStringLiteral("S"));
    const QCommandLineOption noHash(QStringLiteral("no-hash"),
                                    tr("Do not compute SHA-256 of the bodies."));
    const QCommandLineOption noProxy(QStringLiteral("no-proxy"),
                                     tr("Ignore the system proxy settings."));
    const QCommandLineOption quiet(QStringList { QStringLiteral("q"), QStringLiteral("quiet") },
                                   tr("Print only the summary, no line per URL and no progress."));
    const QCommandLineOption demo(QStringLiteral("demo"),
                                  tr("Fetch a built-in list from a loopback demo server (no network needed)."));
    const QCommandLineOption demoServer(QStringLiteral("demo-server"),
                                        tr("Run the loopback demo server in the foreground and print its address."));
    const QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                        tr("Window: save a PNG of the window to FILE once the run "
                                           "has finished, then quit."),
                                        QStringLiteral("FILE"));
    const QCommandLineOption port(QStringLiteral("port"),
                                  tr("Port for --demo-server (default: any free port)."),
                                  QStringLiteral("P"));

    parser.addOptions({ headless, jobs, input, exportTo, outputDir, timeout, idleTimeout, retries,
                        retryDelay, maxRedirects, head, header, userAgent, noHash, noProxy, quiet,
                        demo, demoServer, screenshot, port });
    parser.addPositionalArgument(QStringLiteral("urls"), tr("URLs to fetch."),
                                 QStringLiteral("[URL...]"));

    if (!parser.parse(app.arguments())) {
        printError(parser.errorText());
        return false;
    }
    if (parser.isSet(help)) {
        std::fputs(qUtf8Printable(parser.helpText()), stdout);
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
    if (!readInt(parser, jobs, FetchOptions::MinConcurrency, FetchOptions::MaxConcurrency,
                 &fetch.concurrency)
        || !readInt(parser, retries, 0, FetchOptions::MaxRetries, &fetch.retries)
        || !readInt(parser, retryDelay, 0, FetchOptions::DefaultRetryMaxDelayMs, &fetch.retryBaseDelayMs)
        || !readInt(parser, maxRedirects, 0, FetchOptions::MaxRedirects, &fetch.maxRedirects)
        || !readInt(parser, port, 0, 65535, &portNumber)
        || !readSeconds(parser, timeout, &fetch.timeoutMs)
        || !readSeconds(parser, idleTimeout, &fetch.idleTimeoutMs))
        return false;
    result.port = quint16(portNumber);

    for (const QString &text : parser.values(header)) {
        QString error;
        const auto parsed = FetchOptions::parseHeader(text, &error);
        if (!parsed) {
            printError(error);
            return false;
        }
        fetch.headers.append(*parsed);
    }
    if (parser.isSet(userAgent))
        fetch.userAgent = parser.value(userAgent).toUtf8();
    if (parser.isSet(head))
        fetch.method = FetchOptions::Method::Head;
    fetch.computeSha256 = !parser.isSet(noHash);
    fetch.outputDirectory = parser.value(outputDir);

    result.inputPath = parser.value(input);
    result.urls = parser.positionalArguments();
    result.exportPath = parser.value(exportTo);
    result.quiet = parser.isSet(quiet);
    result.demo = parser.isSet(demo);
    result.useSystemProxy = !parser.isSet(noProxy);

    result.screenshotPath = parser.value(screenshot);
    for (const QCommandLineOption *option : { &jobs, &timeout, &idleTimeout, &retries, &retryDelay,
                                              &maxRedirects, &head, &header, &userAgent, &noHash,
                                              &outputDir }) {
        result.fetchOptionsGiven = result.fetchOptionsGiven || parser.isSet(*option);
    }

    if (parser.isSet(demoServer)) {
        result.mode = Mode::DemoServer;
    } else if (!parser.isSet(headless)) {
        result.mode = Mode::Window;
    } else {
        result.mode = Mode::Headless;
        if (!result.demo && result.inputPath.isEmpty() && result.urls.isEmpty()) {
            printError(tr("no URLs given: pass them as arguments, with --input FILE (or - for "
                          "standard input), or try --demo"));
            return false;
        }
    }
    if (!result.exportPath.isEmpty() && !ResultExporter::formatForPath(result.exportPath)) {
        printError(tr("--export needs a file name ending in .json or .csv, not '%1'")
                       .arg(result.exportPath));
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
