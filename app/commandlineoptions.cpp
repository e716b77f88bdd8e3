// SPDX-License-Identifier: GPL-3.0-or-later
// The option table: each option's names, value and help text, and what a shell completes for it.
#include "commandlineoptions.h"

#include "fetchoptions.h"
#include "formatting.h"
#include "headlessrunner.h"
#include "urlpattern.h"

#include <QCommandLineParser>
#include <QCoreApplication>

namespace Parafetch {

namespace {

QString tr(const char *text)
{
    return QCoreApplication::translate("CommandLine", text);
}

QCommandLineOption hidden(QCommandLineOption option)
{
    option.setFlags(QCommandLineOption::HiddenFromHelp);
    return option;
}

ValueCompletion anyFile()
{
    return { ValueCompletion::Kind::File, {} };
}

ValueCompletion fileEndingIn(const QStringList &endings)
{
    return { ValueCompletion::Kind::File, endings };
}

} // namespace

CommandLineOptions::CommandLineOptions()
    // Declared here rather than by QCommandLineParser::addHelpOption() and addVersionOption(),
    // in their words, so that the table holds them too; and without addHelpOption()'s
    // --help-all, which lists Qt's own options only for QCommandLineParser::process().
    : help(QStringList { QStringLiteral("h"), QStringLiteral("help") },
           tr("Displays help on commandline options."))
    , version(QStringList { QStringLiteral("v"), QStringLiteral("version") },
              tr("Displays version information."))
    , headless(QStringLiteral("headless"), tr("Run without a window and print results."))
    , jobs(QStringList { QStringLiteral("j"), QStringLiteral("jobs") },
           tr("Fetch at most N URLs at once (1-512, default %1).")
               .arg(FetchOptions::DefaultConcurrency),
           QStringLiteral("N"))
    , input(QStringList { QStringLiteral("i"), QStringLiteral("input") },
            tr("Read URLs from FILE, one per line (or 'url,filename'); "
               "'-' reads standard input (given up when it sends nothing "
               "for %1 s).")
                .arg(formatPlainSeconds(HeadlessRunner::StdinSilenceLimitMs)),
            QStringLiteral("FILE"))
    , exportTo(QStringLiteral("export"), tr("Write the results to FILE (.json, .csv or .har)."),
               QStringLiteral("FILE"))
    , timeline(
          QStringLiteral("timeline"),
          tr("Write the run's throughput to FILE.csv: bytes and finished URLs per 250 ms of wall "
             "time, and the URLs in flight (headless)."),
          QStringLiteral("FILE"))
    , outputDir(QStringList { QStringLiteral("o"), QStringLiteral("output-dir") },
                tr("Save bodies into DIR (default: count and hash them only)."),
                QStringLiteral("DIR"))
    , timeout(QStringLiteral("timeout"),
              tr("Give up an attempt after SECONDS in all (default: no limit)."),
              QStringLiteral("SECONDS"))
    , idleTimeout(QStringLiteral("idle-timeout"),
                  tr("Give up an attempt after SECONDS without data (default %1).")
                      .arg(FetchOptions::DefaultIdleTimeoutMs / 1000),
                  QStringLiteral("SECONDS"))
    , retries(QStringLiteral("retries"),
              tr("Retry connection errors, timeouts, 5xx and 429 up to N "
                 "times with exponential backoff, honouring Retry-After "
                 "(default %1).")
                  .arg(FetchOptions::DefaultRetries),
              QStringLiteral("N"))
    , retryDelay(QStringLiteral("retry-delay"),
                 tr("First backoff delay in milliseconds; it doubles per "
                    "retry (default %1).")
                     .arg(FetchOptions::DefaultRetryBaseDelayMs),
                 QStringLiteral("MS"))
    , maxRedirects(
          QStringLiteral("max-redirects"),
          tr("Follow at most N redirects (default %1).").arg(FetchOptions::DefaultMaxRedirects),
          QStringLiteral("N"))
    , head(QStringLiteral("head"), tr("Check links with HEAD requests instead of fetching bodies."))
    , header(QStringList { QStringLiteral("H"), QStringLiteral("header") },
             tr("Add a request header; repeat for more."), QStringLiteral("NAME: VALUE"))
    , userAgent(QStringLiteral("user-agent"),
                tr("Send S as the User-Agent (default %1).")
                    .arg(QString::fromLatin1(FetchOptions::defaultUserAgent())),
                QStringLiteral("S"))
    , noHash(QStringLiteral("no-hash"), tr("Do not compute SHA-256 of the bodies."))
    , noResume(QStringLiteral("no-resume"),
               tr("On a retry, fetch the whole body again instead of continuing the part already "
                  "saved."))
    , noProxy(QStringLiteral("no-proxy"), tr("Ignore the system proxy settings."))
    , proxy(QStringLiteral("proxy"),
            tr("Send every request through the proxy at URL: http://, socks5:// (names resolved "
               "here) or socks5h:// (by the proxy), with USER:PASSWORD@ if it asks for them."),
            QStringLiteral("URL"))
    , quiet(QStringList { QStringLiteral("q"), QStringLiteral("quiet") },
            tr("Print only the summary, no line per URL and no progress."))
    , demo(QStringLiteral("demo"),
           tr("Fetch a built-in list from a loopback demo server (no network needed)."))
    , demoServer(QStringLiteral("demo-server"),
                 tr("Run the loopback demo server in the foreground and print its address."))
    , screenshot(QStringLiteral("screenshot"),
                 tr("Window: save a PNG of the window to FILE once the run "
                    "has finished, then quit."),
                 QStringLiteral("FILE"))
    , caFile(QStringLiteral("ca-file"),
             tr("Also trust the CA certificates in FILE (PEM) for https."), QStringLiteral("FILE"))
    , perHost(QStringLiteral("per-host"),
              tr("Polite mode: at most N requests to one host at once "
                 "(0-%1, default 0 = no limit beyond --jobs).")
                  .arg(FetchOptions::MaxPerHost),
              QStringLiteral("N"))
    , limitRate(QStringLiteral("limit-rate"),
                tr("Cap the whole run's download rate at RATE bytes per second, as curl takes it: "
                   "500K, 1.5M, 2G (KiB, MiB, GiB per second)."),
                QStringLiteral("RATE"))
    , limitRatePerUrl(
          QStringLiteral("limit-rate-per-url"),
          tr("Cap each URL's download rate at RATE bytes per second (as --limit-rate)."),
          QStringLiteral("RATE"))
    , checksums(
          QStringLiteral("checksums"),
          tr("Check each saved body against FILE, the output of sha256sum (matched by the saved "
             "file name); a mismatch fails the URL and saves nothing."),
          QStringLiteral("FILE"))
    , cookies(QStringLiteral("cookies"),
              tr("Send the cookies in FILE, a Netscape cookies.txt (as browsers export and curl "
                 "writes), where their domain, path and flags allow."),
              QStringLiteral("FILE"))
    , onComplete(
          QStringLiteral("on-complete"),
          tr("Run CMD (a program and its arguments, quoted as in a shell, run without a shell) "
             "for each URL that finishes, with PARAFETCH_URL, PARAFETCH_STATUS, PARAFETCH_PATH, "
             "PARAFETCH_SHA256, PARAFETCH_HTTP_STATUS, PARAFETCH_BYTES and PARAFETCH_ERROR in its "
             "environment."),
          QStringLiteral("CMD"))
    , ifChanged(
          QStringLiteral("if-changed"),
          tr("Fetch again only what changed since PREVIOUS.json, an earlier run's JSON export: "
             "each URL there with an ETag or Last-Modified is asked for conditionally, and a 304 "
             "counts as unchanged (a success) and leaves its saved file as it is."),
          QStringLiteral("PREVIOUS.json"))
    , ifExists(
          QStringLiteral("if-exists"),
          tr("What a download does when its file name is already taken in the output directory: "
             "rename (save as NAME (1), the default), skip (leave a file of the same size and "
             "Last-Modified date as it is; the URL counts as unchanged) or overwrite (replace a "
             "regular file once the body is complete; never a link)."),
          QStringLiteral("POLICY"))
    , rate(QStringLiteral("rate"),
           tr("Start at most N URLs per second, minute, hour or day, however many workers run: "
              "N/s, N/m, N/h, N/d as curl's --rate (a bare N is per hour)."),
           QStringLiteral("N/U"))
    , perHostInterval(QStringLiteral("per-host-interval"),
                      tr("Polite mode: start a URL on one host at most once every SECONDS."),
                      QStringLiteral("SECONDS"))
    , http11(
          QStringLiteral("http1.1"),
          tr("Speak HTTP/1.1 only: over https offer no h2 (default: h2 when the server picks it)."))
    , http2(QStringLiteral("http2"),
            tr("Speak HTTP/2: h2 with prior knowledge over http; over https h2 when the server "
               "offers "
               "it, else HTTP/1.1 (as curl --http2)."))
    , sweep(QStringLiteral("sweep"),
            tr("Run the list once at each worker count in LIST (e.g. "
               "1,2,4,8,16,32) and print wall time, speedup and the knee; "
               "--export FILE.csv writes the table. Implies --headless."),
            QStringLiteral("LIST"))
    , sample(QStringLiteral("sample"),
             tr("With --sweep: use a fixed sample of N URLs of the list "
                "(chosen by a stable hash, so the same list gives the same "
                "sample)."),
             QStringLiteral("N"))
    , compare(QStringLiteral("compare"),
              tr("Compare two exports, A.json B.json (or .csv), given as "
                 "arguments: per-URL changes and figure deltas. Implies "
                 "--headless."))
    , whatIf(
          QStringLiteral("what-if"),
          tr("Replay the per-URL times of RUN.json, a JSON export, through the engine's scheduling "
             "at other settings, fetching nothing: -j LIST (default 1,2,4,…,128) and --per-host N; "
             "prints the predicted wall time, speedup and straggler per worker count, in list "
             "order and longest first. A sweep's CSV of the same list, given as an argument, "
             "calibrates it; --export FILE.json writes the predictions."),
          QStringLiteral("RUN.json"))
    , failIf(QStringLiteral("fail-if"),
             tr("Exit with 3 when RULE holds, e.g. 'p95>2s', 'failed>0', "
                "'p95_delta>10%'; repeatable. Figures: total, succeeded, "
                "failed, cancelled, wall, serial, p50, p90, p95, p99, "
                "speedup (+_delta with --compare), new_failures, fixed, "
                "status_changes, only_in_a, only_in_b (--compare)."),
             QStringLiteral("RULE"))
    , shard(QStringLiteral("shard"),
            tr("Fetch only shard K of N (1 <= K <= N) of the list, chosen "
               "by a stable hash of each URL, for running one list on N "
               "machines."),
            QStringLiteral("K/N"))
    , journal(
          QStringLiteral("journal"),
          tr("Journal the headless run in FILE as it goes; the same command run again (after a "
             "crash, a kill or a reboot) continues it: finished URLs are not fetched again, .part "
             "files are continued. A journal of another list is refused."),
          QStringLiteral("FILE"))
    , merge(QStringLiteral("merge"),
            tr("Merge the JSON exports given as arguments (e.g. one per "
               "shard) into one run; --export FILE writes it. Implies "
               "--headless."))
    , globOff(QStringList { QStringLiteral("g"), QStringLiteral("globoff") },
              tr("Take [ ] { } in URLs literally: no URL patterns (as curl -g)."))
    , globLimit(
          QStringLiteral("glob-limit"),
          tr("A URL pattern ([1-120], [a-z], {one,two}) may expand to at most N URLs (default "
             "%1); a line that would make more adds nothing and is reported.")
              .arg(UrlPatternOptions::DefaultLimit),
          QStringLiteral("N"))
    , screenshotSweep(hidden(QCommandLineOption(
          QStringLiteral("screenshot-sweep"),
          QStringLiteral("Render the sweep dialog after a demo sweep."), QStringLiteral("FILE"))))
    , port(QStringLiteral("port"), tr("Port for --demo-server (default: any free port)."),
           QStringLiteral("P"))
{
    const QStringList exports { QStringLiteral(".json"), QStringLiteral(".csv"),
                                QStringLiteral(".har") };
    QStringList policies;
    for (const auto policy : { FetchOptions::ExistingFile::Rename, FetchOptions::ExistingFile::Skip,
                               FetchOptions::ExistingFile::Overwrite })
        policies.append(FetchOptions::existingFileName(policy));
    const ValueCompletion none;
    const ValueCompletion json = fileEndingIn({ QStringLiteral(".json") });
    const ValueCompletion csv = fileEndingIn({ QStringLiteral(".csv") });
    // --help's order.
    m_entries = {
        { &help, none },
        { &version, none },
        { &headless, none },
        { &jobs, none },
        { &input, anyFile() },
        { &exportTo, fileEndingIn(exports) },
        { &outputDir, { ValueCompletion::Kind::Directory, {} } },
        { &timeout, none },
        { &idleTimeout, none },
        { &retries, none },
        { &retryDelay, none },
        { &maxRedirects, none },
        { &head, none },
        { &header, none, true },
        { &userAgent, none },
        { &noHash, none },
        { &noResume, none },
        { &noProxy, none },
        { &quiet, none },
        { &demo, none },
        { &demoServer, none },
        { &screenshot, fileEndingIn({ QStringLiteral(".png") }) },
        { &port, none },
        { &caFile, anyFile() },
        { &perHost, none },
        { &http11, none },
        { &http2, none },
        { &sweep, none },
        { &sample, none },
        { &compare, none },
        { &failIf, none, true },
        { &shard, none },
        { &merge, none },
        { &limitRate, none },
        { &limitRatePerUrl, none },
        { &rate, none },
        { &perHostInterval, none },
        { &checksums, anyFile() },
        { &cookies, anyFile() },
        { &onComplete, none },
        { &ifChanged, json },
        { &ifExists, { ValueCompletion::Kind::Word, policies } },
        { &globOff, none },
        { &globLimit, none },
        { &screenshotSweep, fileEndingIn({ QStringLiteral(".png") }) },
        { &proxy, none },
        { &journal, anyFile() },
        { &whatIf, json },
        { &timeline, csv },
    };
}

void CommandLineOptions::addTo(QCommandLineParser *parser) const
{
    parser->setApplicationDescription(description());
    for (const Entry &entry : m_entries)
        parser->addOption(*entry.option);
    parser->addPositionalArgument(argumentsName(), argumentsDescription(), argumentsSyntax());
}

QString CommandLineOptions::description()
{
    return tr("Fetches many URLs concurrently and shows where the time went: per-URL times, the "
              "wall time against the serial time, and the speedup that concurrency bought.");
}

QString CommandLineOptions::argumentsName()
{
    return QStringLiteral("urls");
}

QString CommandLineOptions::argumentsDescription()
{
    return tr("URLs to fetch, or one FILE with a list (as --input FILE). With --headless and no "
              "other input, a list piped to standard input is read.");
}

QString CommandLineOptions::argumentsSyntax()
{
    return QStringLiteral("[URL...|FILE]");
}

ValueCompletion CommandLineOptions::argumentsCompletion()
{
    return anyFile();
}

QList<CommandLineOptions::Example> CommandLineOptions::examples()
{
    return {
        { QStringLiteral("parafetch"), tr("the window") },
        { QStringLiteral("parafetch --headless urls.txt"),
          tr("fetch a list, print a line per URL") },
        { QStringLiteral(
              "produce-urls | parafetch --headless -j 16 -o downloads --export run.json"),
          {} },
        { QStringLiteral("parafetch --headless --sweep 1,2,4,8,16,32 urls.txt"), {} },
        { QStringLiteral("parafetch --compare before.json after.json --fail-if 'p95_delta>10%'"),
          {} },
        { QStringLiteral("parafetch --what-if run.json -j 1,4,16,64"), {} },
        { QStringLiteral("parafetch --headless --proxy socks5h://user:***@127.0.0.1:1080 urls.txt"),
          {} },
    };
}

} // namespace Parafetch
