// SPDX-License-Identifier: GPL-3.0-or-later
// Tests of the parafetch executable run headless: exit codes, output lines, options, exports.
#include "commandline.h"
#include "exitcodes.h"
#include "formats/jsonformat.h"
#include "headlessrunner.h"
#include "run/verdict.h"
#include "server/demolist.h"
#include "server/loopbackserver.h"
#include "testsupport.h"

#include <QCryptographicHash>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QMap>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QProcess>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QSet>
#include <QSignalSpy>
#include <QStringDecoder>
#include <QTemporaryDir>
#include <QTest>
#include <QThread>

#include <csignal>
#include <fcntl.h>
#include <memory>
#include <sys/ioctl.h>
#include <unistd.h>

using namespace Parafetch;
using namespace Parafetch::TestSupport;
using namespace Qt::StringLiterals;

namespace {

// Only a guard against a hung child; never a measure of speed.
constexpr int HangGuardMs = 120'000;
constexpr int ServerThreads = 4;
// For PARAFETCH_STDIN_SILENCE_MS and PARAFETCH_FORCE_QUIT_GRACE_MS: a limit so long that the
// hang guard ends the test first, so that no outcome depends on how fast the machine is.
constexpr int NeverMs = 3'600'000;
// The child's silence limit where giving up is the point; the test never waits for it.
constexpr int ShortSilenceMs = 50;
constexpr qint64 NsPerMs = 1'000'000;

// A CA certificate (PEM) for --ca-file; nothing is fetched over TLS with it.
constexpr char TestCaPem[] = R"(-----BEGIN CERTIFICATE-----
MIIBkDCCATWgAwIBAgIUUoxgUYc06Yhpx/lC+iDQ5KQWouswCgYIKoZIzj0EAwIw
HDEaMBgGA1UEAwwRUGFyYWZldGNoIHRlc3QgQ0EwIBcNMjYxMTI1MDM1NDIwWhgP
MjEyNjExMDEwMzU0MjBaMBwxGjAYBgNVBAMMEVBhcmFmZXRjaCB0ZXN0IENBMFkw
EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAECYAk6fFtCdQzki0Q4FC2Kvnpedc5Fk+w
Rvmo5EMiZvNYZJP2e24WB26lfilCylidikrBVqsMz8tqIyV9EomknqNTMFEwHQYD
VR0OBBYEFA7S7Rcq+JdMAqgJ6fq7WxIxTb+1MB8GA1UdIwQYMBaAFA7S7Rcq+JdM
AqgJ6fq7WxIxTb+1MA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSQAwRgIh
AOgN8/ga7Z4p9ZaeJTR1m56NluxysBlhfflWHlJVaWRQAiEA6yhbtI2QQcTLW/DZ
xnsI8/akNSkLmscYSzyy+e6sb8Q=
-----END CERTIFICATE-----
)";

// An export of URLs that each took durationMs; those in `failing` answered 404.
QByteArray exportOf(const QStringList &urls, qint64 durationMs, const QStringList &failing = {})
{
    QList<Job> jobs;
    for (const QString &url : urls) {
        Job job;
        job.url = QUrl(url);
        job.sourceLine = int(jobs.size()) + 1;
        const bool fails = failing.contains(url);
        job.state = fails ? JobState::Failed : JobState::Succeeded;
        job.errorKind = fails ? ErrorKind::HttpStatus : ErrorKind::None;
        job.httpStatus = fails ? 404 : 200;
        job.startedAtNs = 0;
        job.finishedAtNs = durationMs * NsPerMs;
        jobs.append(job);
    }
    RunInfo info;
    info.startedAt = QDateTime::currentDateTimeUtc();
    return JsonFormat::toJson(jobs, RunSummary::compute(jobs), info);
}

const QRegularExpression &getDataPattern()
{
    static const QRegularExpression pattern(QStringLiteral(
        "^getData for=\"([^\"]*)\" takes time=(\\d+\\.\\d{3})s status=(\\d+) size=(\\d+)( .*)?$"));
    return pattern;
}

struct RunResult
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;

    QList<QByteArray> outLines() const
    {
        QList<QByteArray> lines = out.split('\n');
        if (!lines.isEmpty() && lines.constLast().isEmpty())
            lines.removeLast();
        return lines;
    }
    QList<QRegularExpressionMatch> getDataLines() const
    {
        QList<QRegularExpressionMatch> matches;
        for (const QByteArray &line : outLines()) {
            const auto match = getDataPattern().match(QString::fromUtf8(line));
            if (match.hasMatch())
                matches.append(match);
        }
        return matches;
    }
    QString describe() const
    {
        return QStringLiteral("exit code %1\n--- stdout:\n%2\n--- stderr:\n%3")
            .arg(exitCode)
            .arg(QString::fromUtf8(out), QString::fromUtf8(err));
    }
};

QProcessEnvironment childEnvironment()
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const QString &name : { QStringLiteral("http_proxy"), QStringLiteral("HTTP_PROXY"),
                                 QStringLiteral("https_proxy"), QStringLiteral("HTTPS_PROXY"),
                                 QStringLiteral("all_proxy"), QStringLiteral("ALL_PROXY") })
        environment.remove(name);
    environment.insert(QStringLiteral("no_proxy"), QStringLiteral("*"));
    environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    return environment;
}

QString summaryLinesProblem(const RunResult &result)
{
    const QList<QByteArray> lines = result.outLines();
    const auto indexOf = [&lines](const char *prefix) {
        for (int i = 0; i < lines.size(); ++i) {
            if (lines.at(i).startsWith(prefix))
                return i;
        }
        return -1;
    };
    const int main = indexOf("main takes time=");
    const int serial = indexOf("serial exec time would be time=");
    const int speedup = indexOf("speedup=");
    if (main < 0 || serial < 0 || speedup < 0)
        return QStringLiteral("a summary line is missing");
    if (!(main < serial && serial < speedup))
        return QStringLiteral("the summary lines are out of order");
    if (!QRegularExpression(QStringLiteral("^main takes time=\\d+\\.\\d{3}s$"))
             .match(QString::fromUtf8(lines.at(main)))
             .hasMatch()
        || !QRegularExpression(QStringLiteral("^serial exec time would be time=\\d+\\.\\d{3}s$"))
                .match(QString::fromUtf8(lines.at(serial)))
                .hasMatch()
        || !QRegularExpression(QStringLiteral("^speedup=\\d+\\.\\d{2}x$"))
                .match(QString::fromUtf8(lines.at(speedup)))
                .hasMatch())
        return QStringLiteral("a summary line has the wrong format");
    for (int i = main; i < lines.size(); ++i) {
        if (lines.at(i).startsWith("getData"))
            return QStringLiteral("a getData line follows the summary");
    }
    return {};
}

// Whether signalNumber is in the signal mask that /proc/PID/status shows under field, e.g.
// "SigCgt:" (caught: the handler is installed) or "ShdPnd:" (sent to the process, not yet
// delivered).
bool signalInMask(qint64 pid, const QByteArray &field, int signalNumber)
{
    QFile status(QStringLiteral("/proc/%1/status").arg(pid));
    if (!status.open(QIODevice::ReadOnly))
        return false;
    for (const QByteArray &line : status.readAll().split('\n')) {
        if (!line.startsWith(field))
            continue;
        bool ok = false;
        const quint64 mask = line.mid(field.size()).trimmed().toULongLong(&ok, 16);
        return ok && (mask & (quint64(1) << (signalNumber - 1))) != 0;
    }
    return false;
}

bool catchesSignal(qint64 pid, int signalNumber)
{
    return signalInMask(pid, "SigCgt:", signalNumber);
}

// Waits until signalNumber, sent to pid, has been delivered (has left the pending set). Spins
// rather than QTRY_*: its 50 ms steps would give the run time to end between two signals that
// timeout(1) sends microseconds apart. No events are processed meanwhile, so QProcess cannot
// reap the child, and a kill() that follows still finds it.
bool waitUntilDelivered(qint64 pid, int signalNumber)
{
    const QDeadlineTimer guard(HangGuardMs);
    while (signalInMask(pid, "ShdPnd:", signalNumber)) {
        if (guard.hasExpired())
            return false;
        QThread::yieldCurrentThread();
    }
    return true;
}

// Waits for the spied finished signal; only a guard against a hang. (Not QTRY_*: on a failure
// it waits twice as long again to report, past the test function's watchdog.)
bool waitForFinished(QSignalSpy &finished)
{
    return !finished.isEmpty() || finished.wait(HangGuardMs);
}

// Bytes in a pipe that its reader has not read yet (Linux answers FIONREAD on either end).
int unreadBytes(int pipeFd)
{
    int count = -1;
    return ::ioctl(pipeFd, FIONREAD, &count) == 0 ? count : -1;
}

} // namespace

class TestHeadless : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void exitCodes_data();
    void exitCodes();
    void urlPatternsFetchEveryExpandedUrl_data();
    void urlPatternsFetchEveryExpandedUrl();
    void aTimeoutBelowOneMillisecondIsNotNoLimit_data();
    void aTimeoutBelowOneMillisecondIsNotNoLimit();
    void lineFormatAndSummaryOrder();
    void linesStayWholeWithManyWorkers();
    void problemsInAMixedInputAreReportedWhileGoodLinesRun_data();
    void problemsInAMixedInputAreReportedWhileGoodLinesRun();
    void readsUrlsFromStandardInput();
    void aListArrivesWithoutDashI_data();
    void aListArrivesWithoutDashI();
    void twoListFilesAreRefused();
    void binaryLinesAreNeverEchoedRaw();
    void helpNamesTheProgramAndEndsWithExamplesAndExitCodes();
    void exportIsReadableByTheImporter_data();
    void exportIsReadableByTheImporter();
    void aBandwidthCapIsSaidInTheSummaryAndTheExport();
    void theVerdictNamesTheStragglerOnStdoutAndInTheExport();
    void theTimelineAddsUpToTheSummarysBytes();
    void checksumsFailTheRunAndTheRule_data();
    void checksumsFailTheRunAndTheRule();
    void headSendsHeadRequests();
    void headersReachTheServer_data();
    void headersReachTheServer();
    void outputDirectoryGetsCompleteFilesOnly();
    void onCompleteRunsACommandPerFinishedUrlWithoutAShell();
    void terminatingARunLeavesNoPartialFile();
    void standardInputThatStaysOpenAndSilentIsGivenUp_data();
    void standardInputThatStaysOpenAndSilentIsGivenUp();
    void aSignalWhileStandardInputIsSilentEndsTheRun_data();
    void aSignalWhileStandardInputIsSilentEndsTheRun();
    void aListPipedOverTimeIsReadCompletely();
    void aStopRequestDeliveredTwiceStillWritesTheExport_data();
    void aStopRequestDeliveredTwiceStillWritesTheExport();
    void aRepeatedSignalQuitsAtOnceOnlyAfterTheGracePeriod_data();
    void aRepeatedSignalQuitsAtOnceOnlyAfterTheGracePeriod();
    void unwritableOutputsAreRefusedBeforeAnyRequest_data();
    void unwritableOutputsAreRefusedBeforeAnyRequest();
    void withoutATerminalModeTheWindowRuns();
    void aMissingWindowIsAClearError();
    void withoutADisplayTheWindowIsAClearError_data();
    void withoutADisplayTheWindowIsAClearError();
    void credentialsAreNeverPrinted_data();
    void credentialsAreNeverPrinted();
    void secretQueryValuesAreNeverPrinted_data();
    void secretQueryValuesAreNeverPrinted();
    void helpListsEveryOption_data();
    void helpListsEveryOption();
    void versionPrintsTheVersion();
    void quietPrintsOnlyTheSummary_data();
    void quietPrintsOnlyTheSummary();
    void demoRunsTheBuiltInList();
    void demoServerServesUntilTerminated();
    void noProgressMeterWhenNotATerminal();
    void sweepPrintsATableAndWritesCsv();
    void compareExitsThreeOnlyWhenARuleHolds_data();
    void compareExitsThreeOnlyWhenARuleHolds();
    void failIfAppliesToAPlainRun_data();
    void failIfAppliesToAPlainRun();
    void shardsPartitionTheListAndMergeBack();

private:
    // Runs parafetch to its end with `args`, feeding `input` on stdin (then closing it).
    // False, with a warning, if it did not finish, crashed or wrote terminal escape codes.
    [[nodiscard]] bool run(const QStringList &args, RunResult *result,
                           const QByteArray &input = {});
    QString url(const QString &pathAndQuery) const { return m_server.url(pathAndQuery).toString(); }
    QString writeFile(const QString &name, const QByteArray &contents);
    // A /bytes/<n> URL no other test asks for, so its recorded request is unambiguous.
    QString uniqueUrl(int bytes);
    QList<RecordedRequest> requestsFor(const QString &fullUrl) const;
    // Starts parafetch --headless args in the test folder, with these variables added to the
    // environment; the caller talks to it and waits for it.
    [[nodiscard]] bool startHeadless(QProcess &process, const QStringList &args,
                                     const QMap<QString, QString> &variables = {});
    // exitCodes rows for the options of sweeps, comparisons, shards, TLS and politeness.
    void addOptionRows();

    LoopbackServer m_server;
    QTemporaryDir m_dir;
    int m_uniqueCounter = 0;
};

void TestHeadless::initTestCase()
{
    QVERIFY2(QFile::exists(QStringLiteral(PARAFETCH_EXECUTABLE)), PARAFETCH_EXECUTABLE);
    QVERIFY2(m_server.listen(0, ServerThreads), qPrintable(m_server.errorString()));
    QVERIFY(m_dir.isValid());
}

bool TestHeadless::run(const QStringList &args, RunResult *result, const QByteArray &input)
{
    QProcess process;
    process.setProcessEnvironment(childEnvironment());
    process.setWorkingDirectory(m_dir.path());
    // Without --headless (and without a terminal-only option) parafetch opens its window.
    process.start(QStringLiteral(PARAFETCH_EXECUTABLE),
                  QStringList { QStringLiteral("--headless") } + args);
    if (!process.waitForStarted(HangGuardMs)) {
        qWarning("parafetch did not start: %s", qPrintable(process.errorString()));
        return false;
    }
    if (!input.isEmpty())
        process.write(input);
    process.closeWriteChannel();
    if (!process.waitForFinished(HangGuardMs)) {
        qWarning("parafetch %s did not finish", qPrintable(args.join(QLatin1Char(' '))));
        process.kill();
        process.waitForFinished();
        return false;
    }
    result->exitCode = process.exitCode();
    result->out = process.readAllStandardOutput();
    result->err = process.readAllStandardError();
    if (process.exitStatus() != QProcess::NormalExit) {
        qWarning("parafetch %s crashed\n%s", qPrintable(args.join(QLatin1Char(' '))),
                 qPrintable(result->describe()));
        return false;
    }
    // Neither stream is a terminal here, so no progress meter and no cursor movement.
    if (result->err.contains("\x1b[") || result->out.contains("\x1b[")) {
        qWarning("terminal escape codes written to a pipe\n%s", qPrintable(result->describe()));
        return false;
    }
    return true;
}

QString TestHeadless::writeFile(const QString &name, const QByteArray &contents)
{
    const QString path = m_dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)
        || file.write(contents) != contents.size())
        qFatal("cannot write %s", qPrintable(path));
    return path;
}

QString TestHeadless::uniqueUrl(int bytes)
{
    return url(QStringLiteral("/bytes/%1?unique=%2").arg(bytes).arg(++m_uniqueCounter));
}

QList<RecordedRequest> TestHeadless::requestsFor(const QString &fullUrl) const
{
    const QByteArray target = QUrl(fullUrl).toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority);
    QList<RecordedRequest> matching;
    for (const RecordedRequest &request : m_server.recordedRequests()) {
        if (request.target == target)
            matching.append(request);
    }
    return matching;
}

bool TestHeadless::startHeadless(QProcess &process, const QStringList &args,
                                 const QMap<QString, QString> &variables)
{
    QProcessEnvironment environment = childEnvironment();
    for (auto it = variables.cbegin(); it != variables.cend(); ++it)
        environment.insert(it.key(), it.value());
    process.setProcessEnvironment(environment);
    process.setWorkingDirectory(m_dir.path());
    process.start(QStringLiteral(PARAFETCH_EXECUTABLE),
                  QStringList { QStringLiteral("--headless") } + args);
    if (!process.waitForStarted(HangGuardMs)) {
        qWarning("parafetch did not start: %s", qPrintable(process.errorString()));
        return false;
    }
    return true;
}

void TestHeadless::exitCodes_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QStringList>("stderrMentions");

    QTest::newRow("all URLs answer 200 exits 0")
        << QStringList { url(QStringLiteral("/bytes/10")), url(QStringLiteral("/bytes/20")),
                         url(QStringLiteral("/delay/5/bytes/3")) }
        << AllSucceeded << QStringList {};
    QTest::newRow("a redirect to a 200 exits 0")
        << QStringList { url(QStringLiteral("/redirect/2")) } << AllSucceeded << QStringList {};
    QTest::newRow("one 404 among successes exits 1")
        << QStringList { url(QStringLiteral("/bytes/10")), url(QStringLiteral("/status/404")),
                         url(QStringLiteral("/bytes/11")) }
        << SomeFailed << QStringList {};
    QTest::newRow("a 500 that stays a 500 after retries exits 1")
        << QStringList { QStringLiteral("--retry-delay"), QStringLiteral("1"),
                         url(QStringLiteral("/status/500")) }
        << SomeFailed << QStringList {};
    QTest::newRow("a refused connection exits 1")
        << QStringList { QStringLiteral("--retry-delay"), QStringLiteral("1"),
                         TestSupport::refusedUrl().toString(), url(QStringLiteral("/bytes/12")) }
        << SomeFailed << QStringList {};
    QTest::newRow("no arguments exits 2 and says why")
        << QStringList {} << BadInput << QStringList { QStringLiteral("no URLs") };
    QTest::newRow("-j 0 exits 2 naming the option")
        << QStringList { QStringLiteral("-j"), QStringLiteral("0"),
                         url(QStringLiteral("/bytes/1")) }
        << BadInput << QStringList { QStringLiteral("--jobs"), QStringLiteral("'0'") };
    QTest::newRow("-j 600 exits 2 naming the option")
        << QStringList { QStringLiteral("-j"), QStringLiteral("600"),
                         url(QStringLiteral("/bytes/1")) }
        << BadInput << QStringList { QStringLiteral("--jobs"), QStringLiteral("'600'") };
    QTest::newRow("--jobs with a word exits 2 naming the option")
        << QStringList { QStringLiteral("--jobs=many"), url(QStringLiteral("/bytes/1")) }
        << BadInput << QStringList { QStringLiteral("--jobs"), QStringLiteral("many") };
    QTest::newRow("--timeout below zero exits 2 naming the option")
        << QStringList { QStringLiteral("--timeout"), QStringLiteral("-1"),
                         url(QStringLiteral("/bytes/1")) }
        << BadInput << QStringList { QStringLiteral("--timeout") };
    QTest::newRow("--timeout nan exits 2 naming the option")
        << QStringList { QStringLiteral("--timeout"), QStringLiteral("nan"),
                         url(QStringLiteral("/bytes/1")) }
        << BadInput << QStringList { QStringLiteral("--timeout"), QStringLiteral("nan") };
    QTest::newRow("--limit-rate 5Q exits 2 naming the option and the value")
        << QStringList { QStringLiteral("--limit-rate"), QStringLiteral("5Q"),
                         url(QStringLiteral("/bytes/1")) }
        << BadInput
        << QStringList { QStringLiteral("--limit-rate"), QStringLiteral("\"5Q\" is not a rate") };
    QTest::newRow("--limit-rate-per-url -1K exits 2 naming the option") << QStringList {
        QStringLiteral("--limit-rate-per-url=-1K"), url(QStringLiteral("/bytes/1"))
    } << BadInput << QStringList { QStringLiteral("--limit-rate-per-url"), QStringLiteral("-1K") };
    QTest::newRow("--rate 5/w exits 2 naming the option and the value")
        << QStringList { QStringLiteral("--rate"), QStringLiteral("5/w"),
                         url(QStringLiteral("/bytes/1")) }
        << BadInput << QStringList { QStringLiteral("--rate"), QStringLiteral("\"5/w\"") };
    QTest::newRow("--per-host-interval soon exits 2 naming the option")
        << QStringList { QStringLiteral("--per-host-interval"), QStringLiteral("soon"),
                         url(QStringLiteral("/bytes/1")) }
        << BadInput
        << QStringList { QStringLiteral("--per-host-interval"), QStringLiteral("soon") };
    QTest::newRow("--checksums of a file that is not sha256sum output exits 2 naming the line")
        << QStringList { QStringLiteral("--checksums"),
                         writeFile(QStringLiteral("not-sums.txt"), "# sums\nhello world\n"),
                         url(QStringLiteral("/bytes/1")) }
        << BadInput << QStringList { QStringLiteral("--checksums"), QStringLiteral("line 2") };
    QTest::newRow("--cookies of a file that is not cookies.txt exits 2 naming the line")
        << QStringList { QStringLiteral("--cookies"),
                         writeFile(QStringLiteral("not-cookies.txt"),
                                   "# Netscape HTTP Cookie File\nname=value\n"),
                         url(QStringLiteral("/bytes/1")) }
        << BadInput << QStringList { QStringLiteral("--cookies"), QStringLiteral("line 2") };
    QTest::newRow("--if-changed of a missing file exits 2 naming the option and the file")
        << QStringList { QStringLiteral("--if-changed"), QStringLiteral("no-such-run.json"),
                         url(QStringLiteral("/bytes/1")) }
        << BadInput
        << QStringList { QStringLiteral("--if-changed"), QStringLiteral("no-such-run.json") };
    QTest::newRow("--if-changed of a CSV export exits 2: not a Parafetch JSON export")
        << QStringList { QStringLiteral("--if-changed"),
                         writeFile(QStringLiteral("run.csv"),
                                   "line,url,state\n1,http://a/,succeeded\n"),
                         url(QStringLiteral("/bytes/1")) }
        << BadInput
        << QStringList { QStringLiteral("--if-changed"),
                         QStringLiteral("is not a Parafetch JSON export") };
    QTest::newRow("--if-changed of another JSON document exits 2: not a Parafetch JSON export")
        << QStringList { QStringLiteral("--if-changed"),
                         writeFile(QStringLiteral("other.json"), "{\"format\": \"har\"}"),
                         url(QStringLiteral("/bytes/1")) }
        << BadInput
        << QStringList { QStringLiteral("--if-changed"),
                         QStringLiteral("is not a Parafetch JSON export") };
    QTest::newRow("--if-changed of an export whose ETag holds a line break exits 2 naming it")
        << QStringList { QStringLiteral("--if-changed"),
                         writeFile(QStringLiteral("split.json"),
                                   "{\"format\": \"parafetch-run\", \"formatVersion\": 1, "
                                   "\"jobs\": [{\"url\": "
                                   "\"http://127.0.0.1/\", \"state\": \"succeeded\", "
                                   "\"etag\": \"\\\"1\\\"\\r\\nX-Injected: 1\"}]}"),
                         url(QStringLiteral("/bytes/1")) }
        << BadInput
        << QStringList { QStringLiteral("--if-changed"), QStringLiteral("jobs[0]: etag"),
                         QStringLiteral("a line break (CR)") };
    QTest::newRow("--glob-limit 0 exits 2 naming the option and the value")
        << QStringList { QStringLiteral("--glob-limit"), QStringLiteral("0"),
                         url(QStringLiteral("/bytes/")) + QStringLiteral("[1-2]") }
        << BadInput << QStringList { QStringLiteral("--glob-limit"), QStringLiteral("'0'") };
    QTest::newRow("--glob-limit lots exits 2 naming the option and the value")
        << QStringList { QStringLiteral("--glob-limit=lots"), url(QStringLiteral("/bytes/1")) }
        << BadInput << QStringList { QStringLiteral("--glob-limit"), QStringLiteral("'lots'") };
    QTest::newRow("a pattern over --glob-limit is a problem naming the line and the count")
        << QStringList { QStringLiteral("--glob-limit"), QStringLiteral("2"),
                         url(QStringLiteral("/bytes/")) + QStringLiteral("[1-3]") }
        << BadInput
        << QStringList { QStringLiteral("line 1"), QStringLiteral("3 URLs"),
                         QStringLiteral("no URLs to fetch") };
    QTest::newRow("an unknown option exits 2 naming it")
        << QStringList { QStringLiteral("--frobnicate"), url(QStringLiteral("/bytes/1")) }
        << BadInput << QStringList { QStringLiteral("frobnicate") };
    QTest::newRow("a header without a colon exits 2")
        << QStringList { QStringLiteral("-H"), QStringLiteral("NoColonHere"),
                         url(QStringLiteral("/bytes/1")) }
        << BadInput << QStringList { QStringLiteral("NoColonHere") };
    // A NUL cannot be passed in an argument; tst_badinput covers it in the shared check.
    for (const auto &[name, agent] :
         { std::pair { "a CR", "Agent/1\rX-Injected: 1" },
           { "an LF", "Agent/1\nX-Injected: 1" },
           { "CRLF followed by X-Injected: 1", "Agent/1\r\nX-Injected: 1" } }) {
        QTest::addRow("--user-agent with %s exits 2 naming the option", name)
            << QStringList { QStringLiteral("--user-agent"), QString::fromLatin1(agent),
                             url(QStringLiteral("/headers")) }
            << BadInput
            << QStringList { QStringLiteral("--user-agent"), QStringLiteral("line break") };
    }
    QTest::newRow("a header value with CRLF exits 2 naming the header")
        << QStringList { QStringLiteral("-H"), QStringLiteral("X-Trace: a\r\nX-Injected: 1"),
                         url(QStringLiteral("/headers")) }
        << BadInput << QStringList { QStringLiteral("'X-Trace'"), QStringLiteral("line break") };
    const QString missing = m_dir.filePath(QStringLiteral("no-such-list.txt"));
    QTest::newRow("--input of a missing file exits 2 naming the file")
        << QStringList { QStringLiteral("--input"), missing } << BadInput
        << QStringList { missing };
    const QString invalid =
        writeFile(QStringLiteral("all-invalid.txt"),
                  "ftp://x/\nnot a url\n\n# a comment\nmailto:someone@example.com\n");
    QTest::newRow("an input of invalid lines only exits 2 naming each line")
        << QStringList { QStringLiteral("--input"), invalid } << BadInput
        << QStringList { QStringLiteral("line 1"), QStringLiteral("line 2"),
                         QStringLiteral("line 5"), QStringLiteral("no URLs to fetch") };
    QTest::newRow("an empty input file exits 2")
        << QStringList { QStringLiteral("-i"), writeFile(QStringLiteral("empty.txt"), {}) }
        << BadInput << QStringList { QStringLiteral("no URLs to fetch") };
    const QString unwritable = m_dir.filePath(QStringLiteral("no-such-dir/out.json"));
    QTest::newRow("an export that cannot be written exits 2 before fetching, naming the file")
        << QStringList { QStringLiteral("--export"), unwritable, url(QStringLiteral("/bytes/1")) }
        << BadInput << QStringList { unwritable };
    QTest::newRow("--merge with an export that cannot be written exits 2 naming the file")
        << QStringList { QStringLiteral("--merge"),
                         writeFile(QStringLiteral("to-merge.json"),
                                   exportOf({ url(QStringLiteral("/bytes/1")) }, 5)),
                         QStringLiteral("--export"), unwritable }
        << BadInput << QStringList { unwritable };
    QTest::newRow("-o naming a folder that does not exist yet is made: exits 0")
        << QStringList { QStringLiteral("-o"), m_dir.filePath(QStringLiteral("made/on/demand")),
                         url(QStringLiteral("/bytes/1")) }
        << AllSucceeded << QStringList {};
    QTest::newRow("--export to a .txt file exits 2 naming it")
        << QStringList { QStringLiteral("--export"), QStringLiteral("x.txt"),
                         url(QStringLiteral("/bytes/1")) }
        << BadInput << QStringList { QStringLiteral("--export"), QStringLiteral("x.txt") };
    const QString unwritableTimeline = m_dir.filePath(QStringLiteral("no-such-dir/t.csv"));
    QTest::newRow("a --timeline that cannot be written exits 2 before fetching, naming both")
        << QStringList { QStringLiteral("--timeline"), unwritableTimeline,
                         url(QStringLiteral("/bytes/1")) }
        << BadInput << QStringList { QStringLiteral("--timeline"), unwritableTimeline };
    QTest::newRow("--timeline to a .json file exits 2: it writes CSV")
        << QStringList { QStringLiteral("--timeline"), QStringLiteral("x.json"),
                         url(QStringLiteral("/bytes/1")) }
        << BadInput << QStringList { QStringLiteral("--timeline"), QStringLiteral("x.json") };
    QTest::newRow("--timeline with --sweep exits 2 naming both")
        << QStringList { QStringLiteral("--timeline"), QStringLiteral("x.csv"),
                         QStringLiteral("--sweep"), QStringLiteral("1,2"),
                         url(QStringLiteral("/bytes/1")) }
        << BadInput << QStringList { QStringLiteral("--timeline"), QStringLiteral("--sweep") };
    addOptionRows();
}

void TestHeadless::exitCodes()
{
    QFETCH(QStringList, args);
    QFETCH(int, exitCode);
    QFETCH(QStringList, stderrMentions);

    RunResult result;
    QVERIFY(run(args, &result));

    QVERIFY2(result.exitCode == exitCode, qPrintable(result.describe()));
    const QString err = QString::fromUtf8(result.err);
    for (const QString &mention : stderrMentions)
        QVERIFY2(err.contains(mention),
                 qPrintable(mention + QLatin1Char('\n') + result.describe()));
    if (exitCode == BadInput) {
        QVERIFY2(!err.trimmed().isEmpty(), qPrintable(result.describe()));
        QVERIFY2(result.getDataLines().isEmpty(), qPrintable(result.describe()));
        QVERIFY(!QFile::exists(m_dir.filePath(QStringLiteral("x.txt"))));
    } else {
        QVERIFY2(summaryLinesProblem(result).isEmpty(), qPrintable(result.describe()));
    }
}

void TestHeadless::urlPatternsFetchEveryExpandedUrl_data()
{
    QTest::addColumn<QStringList>("options");
    QTest::addColumn<QStringList>("targets"); // what the server was asked for, in any order
    QTest::addColumn<QString>("note"); // on stderr; empty = no pattern note

    QTest::newRow("[1-3] and {a,b} multiply into six requests")
        << QStringList()
        << QStringList { u"/bytes/1?glob=a"_s, u"/bytes/1?glob=b"_s, u"/bytes/2?glob=a"_s,
                         u"/bytes/2?glob=b"_s, u"/bytes/3?glob=a"_s, u"/bytes/3?glob=b"_s }
        << u"line 1: pattern expanded to 6 URLs"_s;
    QTest::newRow("-g sends the brackets and braces as they are")
        << QStringList { u"-g"_s } << QStringList { u"/bytes/[1-3]?glob=%7Ba,b%7D"_s } << QString();
    QTest::newRow("--globoff is -g")
        << QStringList { u"--globoff"_s } << QStringList { u"/bytes/[1-3]?glob=%7Ba,b%7D"_s }
        << QString();
}

void TestHeadless::urlPatternsFetchEveryExpandedUrl()
{
    QFETCH(QStringList, options);
    QFETCH(QStringList, targets);
    QFETCH(QString, note);

    m_server.resetStatistics();
    // A marker of this row's requests: the server records those of every test so far.
    const QString row = u"&row="_s + QString::number(++m_uniqueCounter);
    const QString list =
        writeFile(QStringLiteral("patterns.txt"),
                  (url(QStringLiteral("/bytes/")) + u"[1-3]?glob={a,b}"_s + row + u'\n').toUtf8());
    RunResult result;
    QVERIFY(run(options + QStringList { QStringLiteral("-i"), list }, &result));

    QCOMPARE(m_server.requestCount(), targets.size());
    QStringList asked;
    for (const RecordedRequest &request : m_server.recordedRequests()) {
        if (request.target.endsWith(row.toLatin1()))
            asked << QString::fromLatin1(request.target).chopped(row.size());
    }
    asked.sort();
    targets.sort();
    QCOMPARE(asked, targets);
    const QString err = QString::fromUtf8(result.err);
    if (note.isEmpty())
        QVERIFY2(!err.contains(u"pattern"_s), qPrintable(result.describe()));
    else
        QVERIFY2(err.contains(note), qPrintable(result.describe()));
}

void TestHeadless::aTimeoutBelowOneMillisecondIsNotNoLimit_data()
{
    QTest::addColumn<QString>("option");

    QTest::newRow("--timeout 0.0001 limits the attempt") << QStringLiteral("--timeout");
    QTest::newRow("--idle-timeout 0.0001 limits the attempt") << QStringLiteral("--idle-timeout");
}

void TestHeadless::aTimeoutBelowOneMillisecondIsNotNoLimit()
{
    QFETCH(QString, option);

    // 0 means "no limit"; a positive limit, however small, must not turn into it. Refusing the
    // value (2) or timing out (1) are both fine; fetching the slow URL to the end is not.
    RunResult result;
    QVERIFY(run({ option, QStringLiteral("0.0001"), QStringLiteral("--retries"),
                  QStringLiteral("0"), url(QStringLiteral("/delay/1000/bytes/1")) },
                &result));

    QVERIFY2(result.exitCode == SomeFailed || result.exitCode == BadInput,
             qPrintable(result.describe()));
}

void TestHeadless::lineFormatAndSummaryOrder()
{
    const QMap<QString, qint64> sizes = {
        { url(QStringLiteral("/bytes/100")), 100 },
        { url(QStringLiteral("/bytes/7")), 7 },
        { url(QStringLiteral("/delay/20/bytes/1")), 1 },
        { url(QStringLiteral("/bytes/0")), 0 },
    };

    RunResult result;
    QVERIFY(run(sizes.keys(), &result));

    QVERIFY2(result.exitCode == AllSucceeded, qPrintable(result.describe()));
    const QList<QByteArray> lines = result.outLines();
    QVERIFY2(lines.size() >= sizes.size() + 3, qPrintable(result.describe()));
    QSet<QString> seen;
    for (int i = 0; i < sizes.size(); ++i) {
        const auto match = getDataPattern().match(QString::fromUtf8(lines.at(i)));
        QVERIFY2(match.hasMatch(), lines.at(i).constData());
        QVERIFY2(sizes.contains(match.captured(1)), lines.at(i).constData());
        QCOMPARE(match.captured(3), QStringLiteral("200"));
        QCOMPARE(match.captured(4).toLongLong(), sizes.value(match.captured(1)));
        QVERIFY2(match.captured(5).isEmpty(), lines.at(i).constData()); // nothing failed or retried
        seen.insert(match.captured(1));
    }
    QCOMPARE(seen.size(), sizes.size());
    QVERIFY2(lines.at(sizes.size()).startsWith("main takes time="), qPrintable(result.describe()));
    QVERIFY2(lines.at(sizes.size() + 1).startsWith("serial exec time would be time="),
             qPrintable(result.describe()));
    QVERIFY2(lines.at(sizes.size() + 2).startsWith("speedup="), qPrintable(result.describe()));
    QCOMPARE(summaryLinesProblem(result), QString());
    QCOMPARE(result.getDataLines().size(), sizes.size());
}

void TestHeadless::linesStayWholeWithManyWorkers()
{
    constexpr int urlCount = 50;
    QStringList urls;
    for (int i = 0; i < urlCount; ++i)
        urls.append(url(QStringLiteral("/delay/%1/bytes/%2").arg(20 + i % 7).arg(1000 + i)));
    m_server.resetStatistics();

    RunResult result;
    QVERIFY(run(QStringList { QStringLiteral("-j"), QStringLiteral("16") } + urls, &result));

    QVERIFY2(result.exitCode == AllSucceeded, qPrintable(result.describe()));
    // The workers really overlapped, so the lines were written while others were running.
    QVERIFY2(m_server.maxInFlight() > 1, qPrintable(QString::number(m_server.maxInFlight())));
    // The summary, the verdict and the histograms' rows ("  20 ms – 50 ms  37 ####### p50").
    const QRegularExpression otherLine(
        QStringLiteral("^(main takes time=|serial exec time would be time=|speedup=|urls=)\\S+"
                       "|^why not faster: |^per-URL time:$|^time to first byte:$"
                       "|^  [\\d.]+ m?s – [\\d.]+ m?s +\\d+( #+)?( +p\\d\\d)*$"));
    QSet<QString> seen;
    for (const QByteArray &line : result.outLines()) {
        const QString text = QString::fromUtf8(line);
        const auto match = getDataPattern().match(text);
        if (match.hasMatch()) {
            QVERIFY2(urls.contains(match.captured(1)), line.constData());
            QCOMPARE(match.captured(4).toInt(), 1000 + int(urls.indexOf(match.captured(1))));
            QVERIFY2(!seen.contains(match.captured(1)), line.constData());
            seen.insert(match.captured(1));
        } else {
            QVERIFY2(otherLine.match(text).hasMatch(), line.constData());
        }
    }
    QCOMPARE(seen.size(), urlCount);
    QCOMPARE(summaryLinesProblem(result), QString());
}

void TestHeadless::problemsInAMixedInputAreReportedWhileGoodLinesRun_data()
{
    QTest::addColumn<QString>("lastGoodPath");
    QTest::addColumn<int>("exitCode");

    QTest::newRow("bad lines do not change the exit code when all fetches succeed")
        << QStringLiteral("/bytes/30") << AllSucceeded;
    QTest::newRow("a failed fetch among bad lines exits 1")
        << QStringLiteral("/status/404") << SomeFailed;
}

void TestHeadless::problemsInAMixedInputAreReportedWhileGoodLinesRun()
{
    QFETCH(QString, lastGoodPath);
    QFETCH(int, exitCode);

    const QString first = url(QStringLiteral("/bytes/25"));
    const QString last = url(lastGoodPath);
    const QByteArray list = "# a list with problems\n" // 1
        + first.toUtf8() + "\n" // 2
        + "ftp://files.example.com/a.zip\n" // 3
        + "not a url\n" // 4
        + "\n" // 5
        + first.toUtf8() + "\n" // 6: duplicate
        + "see " + last.toUtf8() + " for details\n"; // 7
    const QString path = writeFile(QStringLiteral("mixed.txt"), list);

    RunResult result;
    QVERIFY(run({ QStringLiteral("--input"), path }, &result));

    QVERIFY2(result.exitCode == exitCode, qPrintable(result.describe()));
    const QString err = QString::fromUtf8(result.err);
    for (const char *line : { "line 3", "line 4", "line 6" })
        QVERIFY2(err.contains(QLatin1String(line)), qPrintable(result.describe()));
    for (const char *line : { "line 1:", "line 2:", "line 5:", "line 7:" })
        QVERIFY2(!err.contains(QLatin1String(line)), qPrintable(result.describe()));
    QVERIFY2(err.contains(QLatin1String("ftp")), qPrintable(result.describe()));
    QVERIFY2(err.contains(path), qPrintable(result.describe()));

    const auto fetched = result.getDataLines();
    QCOMPARE(fetched.size(), 2);
    QSet<QString> urls;
    for (const auto &match : fetched)
        urls.insert(match.captured(1));
    QCOMPARE(urls, (QSet<QString> { first, last }));
    QCOMPARE(summaryLinesProblem(result), QString());
}

void TestHeadless::readsUrlsFromStandardInput()
{
    const QStringList urls = { url(QStringLiteral("/bytes/31")), url(QStringLiteral("/bytes/32")),
                               url(QStringLiteral("/delay/10/bytes/33")) };
    const QByteArray input = "# piped in\r\n" + urls.join(QStringLiteral("\r\n")).toUtf8() + "\r\n";

    RunResult result;
    QVERIFY(run({ QStringLiteral("-i"), QStringLiteral("-") }, &result, input));

    QVERIFY2(result.exitCode == AllSucceeded, qPrintable(result.describe()));
    const auto fetched = result.getDataLines();
    QCOMPARE(fetched.size(), urls.size());
    for (const auto &match : fetched) {
        QVERIFY2(urls.contains(match.captured(1)), qPrintable(match.captured(0)));
        QCOMPARE(match.captured(4), match.captured(1).section(QLatin1Char('/'), -1));
    }
    QCOMPARE(summaryLinesProblem(result), QString());
}

void TestHeadless::aListArrivesWithoutDashI_data()
{
    QTest::addColumn<bool>("asFile"); // else piped to standard input

    QTest::newRow("parafetch --headless FILE reads FILE as a list") << true;
    QTest::newRow("a list piped to standard input, nothing else given, is read") << false;
}

void TestHeadless::aListArrivesWithoutDashI()
{
    QFETCH(bool, asFile);

    const QStringList urls { uniqueUrl(31), uniqueUrl(32) };
    const QByteArray list = urls.join(QLatin1Char('\n')).toUtf8() + "\n";
    RunResult result;
    if (asFile)
        QVERIFY(run({ writeFile(QStringLiteral("list-as-argument.txt"), list) }, &result));
    else
        QVERIFY(run({}, &result, list));

    QVERIFY2(result.exitCode == AllSucceeded, qPrintable(result.describe()));
    QCOMPARE(result.getDataLines().size(), urls.size());
    for (const QString &fetched : urls)
        QCOMPARE(requestsFor(fetched).size(), 1);
}

void TestHeadless::twoListFilesAreRefused()
{
    const QString first = writeFile(QStringLiteral("first-list.txt"), "http://127.0.0.1:9/a\n");
    const QString second = writeFile(QStringLiteral("second-list.txt"), "http://127.0.0.1:9/b\n");
    RunResult result;
    QVERIFY(run({ first, second }, &result));
    QVERIFY2(result.exitCode == BadInput, qPrintable(result.describe()));
    QVERIFY2(result.err.contains("one list at a time"), qPrintable(result.describe()));
    QVERIFY2(result.err.contains(QFile::encodeName(second)), qPrintable(result.describe()));
    QVERIFY2(result.getDataLines().isEmpty(), qPrintable(result.describe()));
}

void TestHeadless::binaryLinesAreNeverEchoedRaw()
{
    // Escape sequences, a bell, a NUL, bytes that are not UTF-8, a long line without a URL:
    // each is a problem with its line number, shown without a byte that would drive the
    // terminal, and short; the good URL among them still runs.
    const QString good = uniqueUrl(33);
    static const char withNul[] = "\xff\xfe\x00\x01garbage\x9b\x1b]0;title\x07\n";
    const QByteArray list = good.toUtf8() + "\n" + QByteArray("\x1b[31mred\x1b[0m \x07 bell\n")
        + QByteArray(withNul, sizeof withNul - 1) + QByteArray(4000, 'A') + "\x1b\x7f\n";
    RunResult result;
    QVERIFY(run({ writeFile(QStringLiteral("binary-list.txt"), list) }, &result));

    QVERIFY2(result.exitCode == AllSucceeded, qPrintable(result.describe()));
    QCOMPARE(requestsFor(good).size(), 1);
    for (const char *line : { "line 2:", "line 3:", "line 4:" })
        QVERIFY2(result.err.contains(line), qPrintable(result.describe()));
    for (const char byte : result.err) {
        const auto value = static_cast<unsigned char>(byte);
        QVERIFY2(
            byte == '\n' || (value >= 0x20 && value != 0x7f),
            qPrintable(QStringLiteral("byte 0x%1 on stderr").arg(value, 2, 16, QLatin1Char('0'))));
    }
    QStringDecoder utf8(QStringDecoder::Utf8);
    const QString decoded = utf8(result.err);
    QVERIFY2(!utf8.hasError(), "stderr is not valid UTF-8");
    constexpr int LongestProblemLine = 400;
    for (const QString &line : decoded.split(QLatin1Char('\n')))
        QVERIFY2(line.size() <= LongestProblemLine, qPrintable(line));
}

void TestHeadless::helpNamesTheProgramAndEndsWithExamplesAndExitCodes()
{
    RunResult result;
    QVERIFY(run({ QStringLiteral("--help") }, &result));
    QVERIFY2(result.exitCode == AllSucceeded, qPrintable(result.describe()));
    const QString help = QString::fromUtf8(result.out);
    // Not the path it was started by (here the build folder's).
    QVERIFY2(help.startsWith(QLatin1String("Usage: parafetch [options]")), qPrintable(help));
    QVERIFY2(!help.contains(QStringLiteral(PARAFETCH_EXECUTABLE)), qPrintable(help));
    // One list of exit codes, after the examples, and nothing after it but its lines.
    QCOMPARE(help.count(QLatin1String("Exit codes:")), 1);
    QCOMPARE(help.count(QLatin1String("Examples:")), 1);
    const qsizetype examples = help.indexOf(QLatin1String("Examples:"));
    const qsizetype exitCodes = help.indexOf(QLatin1String("Exit codes:"));
    QVERIFY2(examples < exitCodes, qPrintable(help));
    QVERIFY2(help.sliced(examples, exitCodes - examples).count(QLatin1String("parafetch ")) >= 3,
             qPrintable(help));
    for (const QString &line :
         help.sliced(exitCodes).split(QLatin1Char('\n'), Qt::SkipEmptyParts).mid(1))
        QVERIFY2(line.startsWith(QLatin1String("  ")), qPrintable(line));
    QVERIFY2(help.sliced(exitCodes).contains(QLatin1String("128+N")), qPrintable(help));
}

void TestHeadless::exportIsReadableByTheImporter_data()
{
    QTest::addColumn<QString>("fileName");

    QTest::newRow("JSON export reads back") << QStringLiteral("out.json");
    QTest::newRow("CSV export reads back") << QStringLiteral("out.csv");
    QTest::newRow("an upper-case suffix is accepted") << QStringLiteral("OUT.JSON");
}

void TestHeadless::exportIsReadableByTheImporter()
{
    QFETCH(QString, fileName);

    QTemporaryDir exportDir(m_dir.filePath(QStringLiteral("export-XXXXXX")));
    QVERIFY(exportDir.isValid());
    const QString path = exportDir.filePath(fileName);
    const QStringList urls = { url(QStringLiteral("/bytes/40")), url(QStringLiteral("/status/404")),
                               url(QStringLiteral("/delay/5/bytes/41")) };

    RunResult result;
    QVERIFY(run(QStringList { QStringLiteral("--export"), path } + urls, &result));

    QVERIFY2(result.exitCode == SomeFailed, qPrintable(result.describe()));
    // Written atomically: the export and nothing else (no temporary file left beside it).
    QCOMPARE(QDir(exportDir.path()).entryList(QDir::Files | QDir::Hidden),
             QStringList { fileName });
    ImportedRun imported;
    QString error;
    QVERIFY2(RunFile::read(path, &imported, &error), qPrintable(error));
    QCOMPARE(imported.jobs.size(), urls.size());
    QCOMPARE(imported.summary.total, 3);
    QCOMPARE(imported.summary.succeeded, 2);
    QCOMPARE(imported.summary.failed, 1);
    for (const Job &job : std::as_const(imported.jobs)) {
        const QString jobUrl = job.url.toString();
        QVERIFY2(urls.contains(jobUrl), qPrintable(jobUrl));
        if (jobUrl.endsWith(QLatin1String("/status/404"))) {
            QCOMPARE(stateName(job.state), stateName(JobState::Failed));
            QCOMPARE(errorKindName(job.errorKind), errorKindName(ErrorKind::HttpStatus));
            QCOMPARE(job.httpStatus, 404);
        } else {
            QCOMPARE(stateName(job.state), stateName(JobState::Succeeded));
            QCOMPARE(job.httpStatus, 200);
            QCOMPARE(job.bytesReceived, jobUrl.section(QLatin1Char('/'), -1).toLongLong());
            QCOMPARE(job.sha256, LoopbackServer::expectedSha256(job.bytesReceived));
        }
    }
}

void TestHeadless::aBandwidthCapIsSaidInTheSummaryAndTheExport()
{
    QTemporaryDir exportDir(m_dir.filePath(QStringLiteral("export-XXXXXX")));
    QVERIFY(exportDir.isValid());
    const QString path = exportDir.filePath(QStringLiteral("capped.json"));
    RunResult result;
    QVERIFY(run({ QStringLiteral("--limit-rate"), QStringLiteral("1.5M"),
                  QStringLiteral("--limit-rate-per-url=512K"), QStringLiteral("--export"), path,
                  url(QStringLiteral("/bytes/4000")) },
                &result));
    QVERIFY2(result.exitCode == AllSucceeded, qPrintable(result.describe()));
    // Beside the summary, so that its rates and speedup are read as measured under the cap.
    QVERIFY2(result.out.contains("Capped at 1.5 MiB/s in all and 512.0 KiB/s per URL"),
             qPrintable(result.describe()));
    ImportedRun imported;
    QString error;
    QVERIFY2(RunFile::read(path, &imported, &error), qPrintable(error));
    QCOMPARE(imported.info.limitRate, qint64(1572864));
    QCOMPARE(imported.jobs.size(), 1);
    QCOMPARE(imported.jobs.at(0).sha256, LoopbackServer::expectedSha256(4000));
}

// --timeline: a run of about a second (URLs that drip) at four workers gives several points of
// 250 ms whose bytes add up to the summary's, and the JSON export carries the same points.
void TestHeadless::theTimelineAddsUpToTheSummarysBytes()
{
    QTemporaryDir exportDir(m_dir.filePath(QStringLiteral("export-XXXXXX")));
    QVERIFY(exportDir.isValid());
    const QString csvPath = exportDir.filePath(QStringLiteral("timeline.csv"));
    const QString jsonPath = exportDir.filePath(QStringLiteral("run.json"));
    QStringList args { QStringLiteral("-j"),         QStringLiteral("4"),
                       QStringLiteral("--timeline"), csvPath,
                       QStringLiteral("--export"),   jsonPath };
    const int urls = 10;
    for (int i = 0; i < urls - 2; ++i)
        args << url(QStringLiteral("/bytes/%1").arg(1000 + i * 777));
    args << url(QStringLiteral("/drip/20/50")) << url(QStringLiteral("/drip/10/80"));
    RunResult result;
    QVERIFY(run(args, &result));
    QVERIFY2(result.exitCode == AllSucceeded, qPrintable(result.describe()));
    const QRegularExpressionMatch bytesMatch =
        QRegularExpression(QStringLiteral(" bytes=(\\d+) ")).match(QString::fromUtf8(result.out));
    QVERIFY2(bytesMatch.hasMatch(), qPrintable(result.describe()));
    const qint64 summaryBytes = bytesMatch.captured(1).toLongLong();

    QFile csv(csvPath);
    QVERIFY(csv.open(QIODevice::ReadOnly));
    QList<QByteArray> rows = csv.readAll().split('\n');
    QCOMPARE(rows.takeFirst(), QByteArray("tMs,bytes,urlsFinished,activeWorkers\r"));
    QCOMPARE(rows.takeLast(), QByteArray()); // the last row ends with CRLF too
    QVERIFY2(rows.size() >= 3, qPrintable(result.describe())); // about a second: 4 points
    qint64 bytes = 0;
    int finished = 0;
    double previousMs = 0;
    for (const QByteArray &row : std::as_const(rows)) {
        const QList<QByteArray> cells = row.trimmed().split(',');
        QCOMPARE(cells.size(), 4);
        const double ms = cells[0].toDouble();
        QVERIFY2(ms > previousMs, row.constData());
        previousMs = ms;
        bytes += cells[1].toLongLong();
        finished += cells[2].toInt();
        QVERIFY2(cells[3].toInt() >= 0 && cells[3].toInt() <= 4, row.constData());
    }
    QCOMPARE(QByteArray(rows.first().split(',').first()), QByteArray("250.000"));
    QCOMPARE(bytes, summaryBytes);
    QCOMPARE(finished, urls);

    ImportedRun imported;
    QString error;
    QVERIFY2(RunFile::read(jsonPath, &imported, &error), qPrintable(error));
    QCOMPARE(imported.info.timeline.size(), rows.size());
    QCOMPARE(imported.info.timeline.last().urlsFinished, rows.last().split(',').at(2).toInt());
}

// "Why wasn't it faster?" under the summary and as the export's "verdict": one URL of 13 is held
// for a second by the server, the others answer at once, at 4 workers.
void TestHeadless::theVerdictNamesTheStragglerOnStdoutAndInTheExport()
{
    QTemporaryDir exportDir(m_dir.filePath(QStringLiteral("export-XXXXXX")));
    QVERIFY(exportDir.isValid());
    const QString path = exportDir.filePath(QStringLiteral("verdict.json"));
    QStringList args { QStringLiteral("-j"),         QStringLiteral("4"),
                       QStringLiteral("--per-host"), QStringLiteral("4"),
                       QStringLiteral("--export"),   path };
    for (int i = 0; i < 12; ++i)
        args << url(QStringLiteral("/bytes/%1").arg(10 + i));
    const QString slow = url(QStringLiteral("/delay/1000/bytes/7"));
    args << slow;
    RunResult result;
    QVERIFY(run(args, &result));
    QVERIFY2(result.exitCode == AllSucceeded, qPrintable(result.describe()));
    QVERIFY2(
        result.out.contains("why not faster: One URL set most of the wall time: " + slow.toUtf8()),
        qPrintable(result.describe()));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QJsonObject root = QJsonDocument::fromJson(file.readAll()).object();
    QCOMPARE(root.value(QLatin1String("perHost")).toInt(), 4);
    const QJsonArray verdict = root.value(QLatin1String("verdict")).toArray();
    QCOMPARE(verdict.size(), 1);
    const QJsonObject straggler = verdict.first().toObject();
    QCOMPARE(straggler.value(QLatin1String("kind")).toString(), QStringLiteral("straggler"));
    QVERIFY(straggler.value(QLatin1String("text")).toString().contains(slow));
    QVERIFY(straggler.value(QLatin1String("costMs")).toDouble() >= 1000); // the server's delay
    QVERIFY(straggler.value(QLatin1String("share")).toDouble() >= Verdict::StragglerShare);
    // The histograms: counts adding up to the URLs (13 finished, all with a TTFB), the slow URL
    // alone in a bucket of a second or more, which p99 marks.
    const QJsonObject histogram = root.value(QLatin1String("histogram")).toObject();
    for (const char *series : { "durationMs", "ttfbMs" }) {
        const QJsonObject one = histogram.value(QLatin1String(series)).toObject();
        const QJsonArray counts = one.value(QLatin1String("counts")).toArray();
        const QJsonArray bounds = one.value(QLatin1String("boundsMs")).toArray();
        int sum = 0;
        for (const auto &count : counts)
            sum += count.toInt();
        QCOMPARE(sum, 13);
        QCOMPARE(bounds.size(), counts.size() + 1);
        QCOMPARE(counts.last().toInt(), 1);
        QVERIFY(bounds.at(bounds.size() - 2).toDouble() >= 1000);
        QVERIFY(one.value(QLatin1String("p99Ms")).toDouble() >= 1000);
        QVERIFY(one.value(QLatin1String("p50Ms")).toDouble() < 1000);
    }
    QVERIFY2(result.out.contains("per-URL time:\n"), qPrintable(result.describe()));
    QVERIFY2(result.out.contains("time to first byte:\n"), qPrintable(result.describe()));
    QVERIFY2(QRegularExpression(QStringLiteral("\\n  1 s – 2 s +1 #+ +(p95 )?p99\\n"))
                 .match(QString::fromUtf8(result.out))
                 .hasMatch(),
             qPrintable(result.describe()));
    ImportedRun imported; // the verdict is written, not read back: the file stays readable
    QString error;
    QVERIFY2(RunFile::read(path, &imported, &error), qPrintable(error));
    QCOMPARE(imported.info.perHost, 4);
}

void TestHeadless::checksumsFailTheRunAndTheRule_data()
{
    QTest::addColumn<bool>("fromFile"); // --checksums FILE rather than the list's sha256= field
    QTest::addColumn<QString>("rule"); // --fail-if; empty for none
    QTest::addColumn<int>("exitCode");

    QTest::newRow("list field: a mismatch exits 1") << false << QString() << int(SomeFailed);
    QTest::newRow("list field: --fail-if checksum_mismatch>0 exits 3")
        << false << QStringLiteral("checksum_mismatch>0") << int(RuleFailed);
    QTest::newRow("--checksums FILE: --fail-if checksum_mismatch>0 exits 3")
        << true << QStringLiteral("checksum_mismatch>0") << int(RuleFailed);
    QTest::newRow("--fail-if checksum_mismatch>1 holds not: the usual 1")
        << true << QStringLiteral("checksum_mismatch>1") << int(SomeFailed);
}

void TestHeadless::checksumsFailTheRunAndTheRule()
{
    QFETCH(bool, fromFile);
    QFETCH(QString, rule);
    QFETCH(int, exitCode);

    QTemporaryDir out(m_dir.filePath(QStringLiteral("sums-XXXXXX")));
    QVERIFY(out.isValid());
    const QByteArray right = LoopbackServer::expectedSha256(300).toHex();
    const QByteArray wrong = LoopbackServer::expectedSha256(301).toHex();
    QByteArray list = url(QStringLiteral("/bytes/300")).toUtf8() + ",good.bin";
    list += fromFile ? QByteArray("\n") : ",sha256=" + right + '\n';
    list += url(QStringLiteral("/bytes/400")).toUtf8() + ",bad.bin";
    list += fromFile ? QByteArray("\n") : ",sha256=" + wrong + '\n';
    QStringList arguments { QStringLiteral("--output-dir"), out.path(), QStringLiteral("--input"),
                            writeFile(QStringLiteral("sums-list.txt"), list) };
    if (fromFile) {
        arguments << QStringLiteral("--checksums")
                  << writeFile(QStringLiteral("SHA256SUMS"),
                               right + "  good.bin\n" + wrong + "  bad.bin\n");
    }
    if (!rule.isEmpty())
        arguments << QStringLiteral("--fail-if") << rule;
    RunResult result;
    QVERIFY(run(arguments, &result));
    QVERIFY2(result.exitCode == exitCode, qPrintable(result.describe()));
    QVERIFY2(result.err.contains("checksum mismatch: expected " + wrong)
                 || result.out.contains("checksum mismatch: expected " + wrong),
             qPrintable(result.describe()));
    // The good body is saved; the bad one never stands under its name, nor as a .part.
    QCOMPARE(QDir(out.path()).entryList(QDir::Files | QDir::Hidden),
             QStringList { QStringLiteral("good.bin") });
}

void TestHeadless::headSendsHeadRequests()
{
    const QString target = uniqueUrl(4096);

    RunResult result;
    QVERIFY(run({ QStringLiteral("--head"), target }, &result));

    QVERIFY2(result.exitCode == AllSucceeded, qPrintable(result.describe()));
    const QList<RecordedRequest> requests = requestsFor(target);
    QCOMPARE(requests.size(), 1);
    QCOMPARE(requests.constFirst().method, QByteArray("HEAD"));
    const auto fetched = result.getDataLines();
    QCOMPARE(fetched.size(), 1);
    QCOMPARE(fetched.constFirst().captured(3), QStringLiteral("200"));
    QCOMPARE(fetched.constFirst().captured(4), QStringLiteral("0")); // no body with HEAD
}

void TestHeadless::headersReachTheServer_data()
{
    QTest::addColumn<QStringList>("options");
    QTest::addColumn<QList<QByteArrayList>>("expected"); // { name, value } pairs

    QTest::newRow("-H adds a request header")
        << QStringList { QStringLiteral("-H"), QStringLiteral("X-Test: 1") }
        << QList<QByteArrayList> { { "X-Test", "1" } };
    QTest::newRow("--header trims the value but keeps the spaces inside it")
        << QStringList { QStringLiteral("--header"), QStringLiteral("X-Other:   two words  ") }
        << QList<QByteArrayList> { { "X-Other", "two words" } };
    QTest::newRow("repeated -H options all arrive")
        << QStringList { QStringLiteral("-H"), QStringLiteral("X-First: a"), QStringLiteral("-H"),
                         QStringLiteral("X-Second: b") }
        << QList<QByteArrayList> { { "X-First", "a" }, { "X-Second", "b" } };
    QTest::newRow("--user-agent replaces the default")
        << QStringList { QStringLiteral("--user-agent"), QStringLiteral("UA-test/1.0 (tests)") }
        << QList<QByteArrayList> { { "User-Agent", "UA-test/1.0 (tests)" } };
    QTest::newRow("the default user agent names Parafetch and its version")
        << QStringList {}
        << QList<QByteArrayList> { { "User-Agent", "Parafetch/" PARAFETCH_VERSION } };
}

void TestHeadless::headersReachTheServer()
{
    QFETCH(QStringList, options);
    QFETCH(QList<QByteArrayList>, expected);

    const QString target = uniqueUrl(16);

    RunResult result;
    QVERIFY(run(options + QStringList { target }, &result));

    QVERIFY2(result.exitCode == AllSucceeded, qPrintable(result.describe()));
    const QList<RecordedRequest> requests = requestsFor(target);
    QCOMPARE(requests.size(), 1);
    QCOMPARE(requests.constFirst().method, QByteArray("GET"));
    for (const QByteArrayList &header : expected)
        QCOMPARE(requests.constFirst().header(header.at(0)), header.at(1));
}

void TestHeadless::outputDirectoryGetsCompleteFilesOnly()
{
    QTemporaryDir outputDir(m_dir.filePath(QStringLiteral("downloads-XXXXXX")));
    QVERIFY(outputDir.isValid());
    const QString list =
        writeFile(QStringLiteral("to-save.txt"),
                  (url(QStringLiteral("/bytes/100")) + QLatin1Char('\n')
                   + url(QStringLiteral("/delay/10/bytes/2000")) + QStringLiteral(",named.bin\n")
                   + url(QStringLiteral("/status/404")) + QLatin1Char('\n')
                   + url(QStringLiteral("/reset/5000")) + QLatin1Char('\n'))
                      .toUtf8());

    RunResult result;
    QVERIFY(run({ QStringLiteral("--output-dir"), outputDir.path(), QStringLiteral("--retries"),
                  QStringLiteral("0"), QStringLiteral("-i"), list },
                &result));

    QVERIFY2(result.exitCode == SomeFailed, qPrintable(result.describe()));
    const QDir dir(outputDir.path());
    const QStringList files = dir.entryList(QDir::Files | QDir::Hidden, QDir::Name);
    QVERIFY2(files.filter(QStringLiteral(".part")).isEmpty(),
             qPrintable(files.join(QLatin1Char(' '))));
    // Only the two complete bodies are there; the 404 and the reset leave nothing.
    QCOMPARE(files.size(), 2);
    QVERIFY2(files.contains(QStringLiteral("named.bin")), qPrintable(files.join(QLatin1Char(' '))));
    QSet<qint64> sizes;
    for (const QString &name : files) {
        QFile file(dir.filePath(name));
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray body = file.readAll();
        QCOMPARE(body, LoopbackServer::bodyBytes(0, body.size()));
        sizes.insert(body.size());
    }
    QCOMPARE(sizes, (QSet<qint64> { 100, 2000 }));
    QCOMPARE(QFileInfo(dir.filePath(QStringLiteral("named.bin"))).size(), qint64(2000));
    // Each saved body is named on its line, with the path it was saved under.
    int savedLines = 0;
    for (const auto &match : result.getDataLines()) {
        if (match.captured(5).contains(QLatin1String(" saved=\"") + dir.path()))
            ++savedLines;
    }
    QCOMPARE(savedLines, 2);
}

void TestHeadless::withoutATerminalModeTheWindowRuns()
{
    // parafetch itself never loads Qt Widgets: it hands the window over to parafetch-window
    // (exec, same arguments), which fetches the list and, asked for a screenshot, saves it.
    QTemporaryDir home(m_dir.filePath(QStringLiteral("window-XXXXXX")));
    QVERIFY(home.isValid());
    QProcessEnvironment environment = childEnvironment();
    // The window keeps settings and a last list: never in the user's own folders.
    environment.insert(QStringLiteral("XDG_CONFIG_HOME"), home.filePath(QStringLiteral("config")));
    environment.insert(QStringLiteral("XDG_DATA_HOME"), home.filePath(QStringLiteral("data")));
    const QString png = home.filePath(QStringLiteral("window.png"));
    const QString fetched = uniqueUrl(321);
    QProcess process;
    process.setProcessEnvironment(environment);
    process.start(QStringLiteral(PARAFETCH_EXECUTABLE),
                  { QStringLiteral("--screenshot"), png, fetched });
    QVERIFY2(process.waitForFinished(HangGuardMs), qPrintable(process.errorString()));
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QVERIFY2(process.exitCode() == AllSucceeded, process.readAllStandardError().constData());
    QCOMPARE(requestsFor(fetched).size(), 1);
    QFile picture(png);
    QVERIFY2(picture.open(QIODevice::ReadOnly), qPrintable(png));
    QCOMPARE(picture.read(8), QByteArray("\x89PNG\r\n\x1a\n", 8));
}

void TestHeadless::aMissingWindowIsAClearError()
{
    // A parafetch copied somewhere on its own still runs headless, and says what is missing
    // when the window is asked for.
    QTemporaryDir alone(m_dir.filePath(QStringLiteral("alone-XXXXXX")));
    QVERIFY(alone.isValid());
    const QString copy = alone.filePath(QStringLiteral("parafetch"));
    QVERIFY(QFile::copy(QStringLiteral(PARAFETCH_EXECUTABLE), copy));
    QProcess process;
    process.setProcessEnvironment(childEnvironment());
    process.start(copy,
                  { QStringLiteral("--screenshot"), alone.filePath(QStringLiteral("x.png")) });
    QVERIFY2(process.waitForFinished(HangGuardMs), qPrintable(process.errorString()));
    QCOMPARE(process.exitCode(), BadInput);
    const QByteArray err = process.readAllStandardError();
    QVERIFY2(
        err.contains("cannot start the window")
            && err.contains(QFile::encodeName(alone.filePath(QStringLiteral("parafetch-window")))),
        err.constData());
    QVERIFY(!QFileInfo::exists(alone.filePath(QStringLiteral("x.png"))));
    process.start(copy, { QStringLiteral("--version") });
    QVERIFY(process.waitForFinished(HangGuardMs));
    QCOMPARE(process.exitCode(), AllSucceeded);
    QVERIFY(process.readAllStandardOutput().startsWith("parafetch "));
}

void TestHeadless::withoutADisplayTheWindowIsAClearError_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<bool>("display"); // QT_QPA_PLATFORM=offscreen, else no display at all
    QTest::addColumn<QString>("mentions");

    QTest::newRow("no arguments and no display: exits 2 pointing at --headless")
        << QStringList {} << false << QStringLiteral("no display");
    QTest::newRow("a list file for the window and no display: exits 2 pointing at --headless")
        << QStringList { writeFile(QStringLiteral("window-list.txt"), "http://127.0.0.1:9/\n") }
        << false << QStringLiteral("--headless");
    QTest::newRow("a mistyped option and no display: exits 2 saying Unknown option")
        << QStringList { QStringLiteral("--hedless") } << false
        << QStringLiteral("Unknown option 'hedless'");
    QTest::newRow("a mistyped option with a display: exits 2 saying Unknown option")
        << QStringList { QStringLiteral("--hedless") } << true
        << QStringLiteral("Unknown option 'hedless'");
}

void TestHeadless::withoutADisplayTheWindowIsAClearError()
{
    QFETCH(QStringList, args);
    QFETCH(bool, display);
    QFETCH(QString, mentions);

    QProcessEnvironment environment = childEnvironment();
    for (const QString &name : { QStringLiteral("DISPLAY"), QStringLiteral("WAYLAND_DISPLAY"),
                                 QStringLiteral("QT_QPA_PLATFORM") })
        environment.remove(name);
    if (display)
        environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    QProcess process;
    process.setProcessEnvironment(environment);
    process.setWorkingDirectory(m_dir.path());
    process.start(QStringLiteral(PARAFETCH_EXECUTABLE), args);
    QVERIFY2(process.waitForFinished(HangGuardMs), qPrintable(process.errorString()));
    const QString err = QString::fromUtf8(process.readAllStandardError());
    // Not Qt's abort (SIGABRT, 134 from a shell) with its advice to reinstall.
    QVERIFY2(process.exitStatus() == QProcess::NormalExit, qPrintable(err));
    QVERIFY2(process.exitCode() == BadInput, qPrintable(err));
    QVERIFY2(err.contains(mentions), qPrintable(err));
    QVERIFY2(!err.contains(QStringLiteral("platform plugin")), qPrintable(err));
}

void TestHeadless::onCompleteRunsACommandPerFinishedUrlWithoutAShell()
{
    QTemporaryDir outputDir(m_dir.filePath(QStringLiteral("completed-XXXXXX")));
    QVERIFY(outputDir.isValid());
    const QString log = outputDir.filePath(QStringLiteral("hook.log"));
    const QString injected = outputDir.filePath(QStringLiteral("INJECTED"));
    // A server-chosen name that a command built as a shell string would run.
    const QString hostileName = QStringLiteral("$(touch${IFS}INJECTED);`touch${IFS}INJECTED`");
    const QString list =
        writeFile(QStringLiteral("to-complete.txt"),
                  (url(QStringLiteral("/bytes/100")) + QLatin1Char('\n')
                   + url(QStringLiteral("/status/404")) + QLatin1Char('\n')
                   + url(QStringLiteral("/attachment/")
                         + QString::fromLatin1(QUrl::toPercentEncoding(hostileName)))
                   + QLatin1Char('\n'))
                      .toUtf8());
    // The user's own shell, quoted by the user; the values come in as environment data.
    const QString command =
        QStringLiteral("sh -c 'cd \"$0\" && printf \"%s|%s|%s|%s|%s|%s\\n\" \"$PARAFETCH_STATUS\" "
                       "\"$PARAFETCH_HTTP_STATUS\" \"$PARAFETCH_PATH\" \"$PARAFETCH_SHA256\" "
                       "\"$PARAFETCH_BYTES\" \"$PARAFETCH_ERROR\" >> hook.log' ")
        + outputDir.path();

    RunResult result;
    QVERIFY(run({ QStringLiteral("-o"), outputDir.path(), QStringLiteral("--retries"),
                  QStringLiteral("0"), QStringLiteral("--on-complete"), command,
                  QStringLiteral("-i"), list },
                &result));
    QVERIFY2(result.exitCode == SomeFailed, qPrintable(result.describe()));
    // Every command had ended when parafetch did: three lines, and the summary says three.
    QVERIFY2(result.out.contains("on-complete: 3 command(s) run"), qPrintable(result.describe()));
    QFile file(log);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(file.readAll()).split(u'\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 3);
    const auto lineWith = [&lines](const QString &part) {
        const QStringList found = lines.filter(part);
        return found.size() == 1 ? found.constFirst() : QString();
    };
    const QByteArray hundred = LoopbackServer::bodyBytes(0, 100);
    const QString hundredSha =
        QString::fromLatin1(QCryptographicHash::hash(hundred, QCryptographicHash::Sha256).toHex());
    // No file and no checksum for the 404; its error kind.
    const QString failed = lineWith(QStringLiteral("failed|404|"));
    QVERIFY2(failed.startsWith(QStringLiteral("failed|404|||"))
                 && failed.endsWith(QStringLiteral("|http-status")),
             qPrintable(lines.join(u'\n')));
    QCOMPARE(lineWith(QStringLiteral("/100|")),
             QStringLiteral("succeeded|200|%1|%2|100|")
                 .arg(outputDir.filePath(QStringLiteral("100")), hundredSha));
    // The server's name reached the command as data, whole.
    QVERIFY2(!lineWith(QStringLiteral("succeeded|200|%1|").arg(outputDir.filePath(hostileName)))
                  .isEmpty(),
             qPrintable(lines.join(u'\n')));
    QVERIFY(QFile::exists(outputDir.filePath(hostileName)));
    QVERIFY2(!QFile::exists(injected), "a server's file name was run as a command");
}

void TestHeadless::terminatingARunLeavesNoPartialFile()
{
    QTemporaryDir outputDir(m_dir.filePath(QStringLiteral("interrupted-XXXXXX")));
    QVERIFY(outputDir.isValid());
    const QDir dir(outputDir.path());
    const QString slow =
        uniqueUrl(1).replace(QStringLiteral("/bytes/1?"), QStringLiteral("/drip/200/100?"));
    QProcess process;
    process.setProcessEnvironment(childEnvironment());
    process.start(QStringLiteral(PARAFETCH_EXECUTABLE),
                  { QStringLiteral("--headless"), QStringLiteral("--output-dir"), outputDir.path(),
                    url(QStringLiteral("/bytes/10")), slow });
    QVERIFY2(process.waitForStarted(HangGuardMs), qPrintable(process.errorString()));
    const auto cleanup = qScopeGuard([&process] {
        if (process.state() != QProcess::NotRunning) {
            process.kill();
            process.waitForFinished();
        }
    });

    // The fast body is saved and the slow one is on its way (it takes 20 s in all).
    QTRY_VERIFY_WITH_TIMEOUT(dir.entryList(QDir::Files).size() == 2, HangGuardMs);
    QTRY_VERIFY_WITH_TIMEOUT(dir.entryList(QDir::Files).contains(QStringLiteral("10")),
                             HangGuardMs);
    QCOMPARE(requestsFor(slow).size(), 1);
    QCOMPARE(process.state(), QProcess::Running);

    process.terminate();
    QVERIFY2(process.waitForFinished(HangGuardMs), "parafetch ignored SIGTERM");

    const QString err = QString::fromUtf8(process.readAllStandardError());
    const QString out = QString::fromUtf8(process.readAllStandardOutput());
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QCOMPARE(process.exitCode(), SignalExitBase + SIGTERM);
    // The run was cancelled, not dropped: the summary still counts both URLs.
    QVERIFY2(out.contains(QLatin1String("main takes time=")), qPrintable(out));
    QVERIFY2(out.contains(QLatin1String("urls=2 succeeded=1 failed=0 cancelled=1")),
             qPrintable(out));
    QVERIFY2(err.contains(QLatin1String("interrupted")), qPrintable(err));
    QCOMPARE(dir.entryList(QDir::Files | QDir::Hidden), QStringList { QStringLiteral("10") });
    QFile saved(dir.filePath(QStringLiteral("10")));
    QVERIFY(saved.open(QIODevice::ReadOnly));
    QCOMPARE(saved.readAll(), LoopbackServer::bodyBytes(0, 10));
}

void TestHeadless::standardInputThatStaysOpenAndSilentIsGivenUp_data()
{
    QTest::addColumn<QByteArray>("sent");

    QTest::newRow("nothing at all: exit 2 naming standard input") << QByteArray();
    QTest::newRow("two whole URLs, then silence: neither is fetched")
        << (url(QStringLiteral("/bytes/61")) + QLatin1Char('\n') + url(QStringLiteral("/bytes/62"))
            + QLatin1Char('\n'))
               .toUtf8();
    QTest::newRow("half a line, then silence: nothing is fetched")
        << url(QStringLiteral("/bytes/63")).toUtf8().left(20);
}

void TestHeadless::standardInputThatStaysOpenAndSilentIsGivenUp()
{
    QFETCH(QByteArray, sent);

    m_server.resetStatistics();
    QProcess process;
    QSignalSpy finished(&process, &QProcess::finished);
    QVERIFY(startHeadless(
        process, { QStringLiteral("-i"), QStringLiteral("-") },
        { { QStringLiteral("PARAFETCH_STDIN_SILENCE_MS"), QString::number(ShortSilenceMs) } }));
    if (!sent.isEmpty())
        process.write(sent);
    // The write channel stays open: the pipe is silent, not closed.

    QVERIFY2(waitForFinished(finished), "parafetch kept waiting on a silent standard input");
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    const QByteArray err = process.readAllStandardError();
    QVERIFY2(process.exitCode() == BadInput, err.constData());
    QVERIFY2(err.contains("standard input"), err.constData());
    // A list cut short is not run as if it were whole.
    QCOMPARE(m_server.requestCount(), 0);
    QVERIFY(!process.readAllStandardOutput().contains("getData"));
}

void TestHeadless::aSignalWhileStandardInputIsSilentEndsTheRun_data()
{
    QTest::addColumn<int>("signalNumber");

    QTest::newRow("SIGTERM: exit 143, the URLs read so far exported as cancelled") << int(SIGTERM);
    QTest::newRow("SIGINT (Ctrl+C): exit 130, the URLs read so far exported as cancelled")
        << int(SIGINT);
}

void TestHeadless::aSignalWhileStandardInputIsSilentEndsTheRun()
{
    QFETCH(int, signalNumber);

    const QString exportPath =
        m_dir.filePath(QStringLiteral("stdin-signal-%1.json").arg(signalNumber));
    const QString target = uniqueUrl(64);
    m_server.resetStatistics();
    QProcess process;
    QSignalSpy finished(&process, &QProcess::finished);
    // The silence limit is out of reach: only the signal can end this run in time.
    QVERIFY(startHeadless(
        process,
        { QStringLiteral("-i"), QStringLiteral("-"), QStringLiteral("--export"), exportPath },
        { { QStringLiteral("PARAFETCH_STDIN_SILENCE_MS"), QString::number(NeverMs) } }));
    process.write(target.toUtf8() + '\n');
    QTRY_VERIFY_WITH_TIMEOUT(catchesSignal(process.processId(), signalNumber), HangGuardMs);

    const qint64 pid = process.processId();
    QVERIFY(pid > 0); // kill(0, ...) would signal this test's process group, ctest with it
    QCOMPARE(::kill(pid_t(pid), signalNumber), 0);

    QVERIFY2(waitForFinished(finished), "the signal did not end the wait on standard input");
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    const QByteArray err = process.readAllStandardError();
    QVERIFY2(process.exitCode() == SignalExitBase + signalNumber, err.constData());
    QVERIFY2(err.contains("interrupted"), err.constData());
    QCOMPARE(m_server.requestCount(), 0);
    // Whether the line was read before the signal or not, nothing in the export ran.
    ImportedRun exported;
    QString error;
    QVERIFY2(RunFile::read(exportPath, &exported, &error), qPrintable(error));
    QVERIFY(exported.jobs.size() <= 1);
    for (const Job &job : std::as_const(exported.jobs))
        QCOMPARE(job.state, JobState::Cancelled);
}

void TestHeadless::aListPipedOverTimeIsReadCompletely()
{
    // A pipe of our own, so the test can tell when the child has read each piece: only then
    // does the next one go in, and the child meets an empty pipe in between.
    int pipeFds[2] = { -1, -1 };
    QVERIFY(::pipe2(pipeFds, O_CLOEXEC) == 0);
    const auto closePipe = qScopeGuard([&pipeFds] {
        for (int fd : pipeFds) {
            if (fd >= 0)
                ::close(fd);
        }
    });
    const QStringList urls = { url(QStringLiteral("/bytes/71?over-time")),
                               url(QStringLiteral("/bytes/72?over-time")),
                               url(QStringLiteral("/bytes/73?over-time")) };
    const QList<QByteArray> pieces = {
        "# a list that arrives over time\n", // a comment line
        urls.at(0).toUtf8() + '\n', // a whole line
        urls.at(1).toUtf8().left(12), // a line cut in two
        urls.at(1).toUtf8().mid(12) + '\r', // and its \r\n too
        '\n' + urls.at(2).toUtf8(), // the last line without a line end
    };

    QProcess process;
    QSignalSpy finished(&process, &QProcess::finished);
    process.setStandardInputFile(QStringLiteral("/proc/self/fd/%1").arg(pipeFds[0]));
    QVERIFY(startHeadless(
        process, { QStringLiteral("-i"), QStringLiteral("-") },
        { { QStringLiteral("PARAFETCH_STDIN_SILENCE_MS"), QString::number(NeverMs) } }));
    ::close(std::exchange(pipeFds[0], -1)); // the child has its own
    for (const QByteArray &piece : pieces) {
        QCOMPARE(::write(pipeFds[1], piece.constData(), std::size_t(piece.size())),
                 ssize_t(piece.size()));
        QTRY_COMPARE_WITH_TIMEOUT(unreadBytes(pipeFds[1]), 0, HangGuardMs);
    }
    ::close(std::exchange(pipeFds[1], -1)); // the end of the list

    QVERIFY2(waitForFinished(finished), "parafetch did not finish");
    RunResult result;
    result.exitCode = process.exitCode();
    result.out = process.readAllStandardOutput();
    result.err = process.readAllStandardError();
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QVERIFY2(result.exitCode == AllSucceeded, qPrintable(result.describe()));
    QSet<QString> fetched;
    for (const auto &match : result.getDataLines())
        fetched.insert(match.captured(1));
    QCOMPARE(fetched, QSet<QString>(urls.cbegin(), urls.cend()));
    QVERIFY2(result.err.isEmpty(), qPrintable(result.describe()));
}

void TestHeadless::aStopRequestDeliveredTwiceStillWritesTheExport_data()
{
    QTest::addColumn<QList<int>>("signalNumbers");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QString>("exportName");

    QTest::newRow("one SIGTERM: exit 143, the summary and the JSON export")
        << QList<int> { SIGTERM } << SignalExitBase + SIGTERM << QStringLiteral("stop-once.json");
    QTest::newRow("SIGTERM twice back to back, as timeout(1) sends it: exit 143, CSV export")
        << QList<int> { SIGTERM, SIGTERM } << SignalExitBase + SIGTERM
        << QStringLiteral("stop-twice.csv");
    QTest::newRow("SIGTERM then SIGINT back to back: the first decides, HAR export")
        << QList<int> { SIGTERM, SIGINT } << SignalExitBase + SIGTERM
        << QStringLiteral("stop-term-int.har");
    QTest::newRow("Ctrl+C twice back to back: exit 130, JSON export")
        << QList<int> { SIGINT, SIGINT } << SignalExitBase + SIGINT
        << QStringLiteral("stop-int-int.json");
}

void TestHeadless::aStopRequestDeliveredTwiceStillWritesTheExport()
{
    QFETCH(QList<int>, signalNumbers);
    QFETCH(int, exitCode);
    QFETCH(QString, exportName);

    // Many URLs in flight, as in a real run: cancelling them all takes a while, and a repeat
    // that arrives meanwhile must not cut the run short.
    constexpr int SlowCount = 32;
    const QString exportPath = m_dir.filePath(exportName);
    const QString fast = uniqueUrl(10);
    QStringList slow;
    for (int i = 0; i < SlowCount; ++i)
        slow.append(
            uniqueUrl(1).replace(QStringLiteral("/bytes/1?"), QStringLiteral("/drip/200/100?")));
    QProcess process;
    QSignalSpy finished(&process, &QProcess::finished);
    // A grace period out of reach: a repeat is the same request however slow the machine is.
    QVERIFY(startHeadless(
        process,
        QStringList { QStringLiteral("-j"), QString::number(SlowCount + 1),
                      QStringLiteral("--export"), exportPath, fast }
            + slow,
        { { QStringLiteral("PARAFETCH_FORCE_QUIT_GRACE_MS"), QString::number(NeverMs) } }));
    // The fast URL is done and the slow ones (20 s each) are on their way.
    QByteArray out;
    const QByteArray fastLine = "getData for=\"" + fast.toUtf8() + '"';
    const auto allSlowAsked = [&] {
        return std::all_of(slow.cbegin(), slow.cend(), [this](const QString &target) {
            return requestsFor(target).size() == 1;
        });
    };
    QTRY_VERIFY_WITH_TIMEOUT(
        (out += process.readAllStandardOutput()).contains(fastLine) && allSlowAsked(), HangGuardMs);

    // Two equal signals pending at once merge into one: each goes as soon as the one before
    // has been delivered, as when timeout(1) signals the process and then its group.
    // Two different signals: "first" is the one whose handler ran first. Delivery alone does
    // not order them, since each may go to another thread, so the second waits for the first's
    // word on standard error.
    // The pid is taken once: QProcess says 0 once it has reaped the child (the wait for
    // "interrupted" below runs the event loop), and kill(0, ...) would signal this test's
    // whole process group, ctest with it.
    const qint64 pid = process.processId();
    QVERIFY(pid > 0);
    QByteArray err;
    for (qsizetype i = 0; i < signalNumbers.size(); ++i) {
        const int signalNumber = signalNumbers.at(i);
        // The first signal has already ended the run: it decided, as the row expects.
        if (i > 0 && process.state() == QProcess::NotRunning)
            break;
        QCOMPARE(::kill(pid_t(pid), signalNumber), 0);
        QVERIFY(waitUntilDelivered(pid, signalNumber));
        if (i + 1 < signalNumbers.size() && signalNumbers.at(i + 1) != signalNumber)
            QTRY_VERIFY_WITH_TIMEOUT(
                (err += process.readAllStandardError()).contains("interrupted"), HangGuardMs);
    }

    QVERIFY2(waitForFinished(finished), "parafetch did not finish");
    out += process.readAllStandardOutput();
    err += process.readAllStandardError();
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
#if defined(__SANITIZE_THREAD__)
    // ThreadSanitizer holds signals back and runs their handlers at a point of its own, not in
    // the order they were delivered: there, two different signals may reach us either way round.
    const bool orderKept = std::all_of(signalNumbers.cbegin(), signalNumbers.cend(),
                                       [&](int number) { return number == signalNumbers.first(); });
#else
    const bool orderKept = true;
#endif
    if (orderKept)
        QVERIFY2(process.exitCode() == exitCode, err.constData());
    else
        QVERIFY2(
            std::any_of(signalNumbers.cbegin(), signalNumbers.cend(),
                        [&](int number) { return process.exitCode() == SignalExitBase + number; }),
            err.constData());
    QVERIFY2(out.contains("urls=" + QByteArray::number(SlowCount + 1)
                          + " succeeded=1 failed=0 cancelled=" + QByteArray::number(SlowCount)),
             out.constData());
    ImportedRun exported;
    QString error;
    QVERIFY2(RunFile::read(exportPath, &exported, &error),
             qPrintable(error + QLatin1Char('\n') + QString::fromUtf8(err)));
    QCOMPARE(exported.jobs.size(), SlowCount + 1);
    for (const Job &job : std::as_const(exported.jobs)) {
        const bool isFast = job.url.toString() == fast;
        QVERIFY2(isFast || slow.contains(job.url.toString()), qPrintable(job.url.toString()));
        QCOMPARE(job.state, isFast ? JobState::Succeeded : JobState::Cancelled);
    }
}

void TestHeadless::aRepeatedSignalQuitsAtOnceOnlyAfterTheGracePeriod_data()
{
    QTest::addColumn<int>("graceMs");
    QTest::addColumn<int>("exitCode");

    // In this process, so that the two signals are two calls in a row and no timing decides
    // whether the run ended in between.
    QTest::newRow(
        "a repeat after the grace period quits at once: exit 4, the URL exported as cancelled")
        << 0 << ForceQuit;
    QTest::newRow(
        "a repeat within the grace period is the same request: exit 143 when the run ends")
        << NeverMs << SignalExitBase + SIGTERM;
}

void TestHeadless::aRepeatedSignalQuitsAtOnceOnlyAfterTheGracePeriod()
{
    QFETCH(int, graceMs);
    QFETCH(int, exitCode);

    qputenv("PARAFETCH_FORCE_QUIT_GRACE_MS", QByteArray::number(graceMs));
    const auto unset = qScopeGuard([] { qunsetenv("PARAFETCH_FORCE_QUIT_GRACE_MS"); });
    const QString exportPath = m_dir.filePath(QStringLiteral("repeat-%1.json").arg(graceMs));
    const QString slow =
        uniqueUrl(1).replace(QStringLiteral("/bytes/1?"), QStringLiteral("/drip/200/100?"));
    CommandLine line;
    line.mode = CommandLine::Mode::Headless;
    line.quiet = true;
    line.urls = QStringList { slow };
    line.exportPath = exportPath;
    HeadlessRunner runner(line);
    QSignalSpy finished(&runner, &HeadlessRunner::finished);
    QVERIFY(runner.start());
    QTRY_COMPARE_WITH_TIMEOUT(requestsFor(slow).size(), 1, HangGuardMs);

    runner.interrupt(SIGTERM);
    runner.interrupt(SIGTERM);

    QVERIFY2(waitForFinished(finished), "parafetch did not finish");
    QCOMPARE(finished.constFirst().constFirst().toInt(), exitCode);
    ImportedRun exported;
    QString error;
    QVERIFY2(RunFile::read(exportPath, &exported, &error), qPrintable(error));
    QCOMPARE(exported.jobs.size(), 1);
    QCOMPARE(exported.jobs.constFirst().state, JobState::Cancelled);
    QCOMPARE(exported.summary.cancelled, 1);
}

void TestHeadless::unwritableOutputsAreRefusedBeforeAnyRequest_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("named");
    QTest::addColumn<QString>("untouchedFolder"); // nothing may be left in it
    QTest::addColumn<bool>("permissionOnly"); // root writes anywhere: skipped as root

    const QDir dir(m_dir.path());
    const QString plainFile = writeFile(QStringLiteral("a-plain-file"), "not a folder\n");
    const QString missing = m_dir.filePath(QStringLiteral("no-such-folder"));
    const QString folderNamedJson = m_dir.filePath(QStringLiteral("a-folder.json"));
    const QString readOnly = m_dir.filePath(QStringLiteral("read-only"));
    if (!dir.mkpath(folderNamedJson) || !dir.mkpath(readOnly)
        || !QFile::setPermissions(readOnly, QFile::ReadOwner | QFile::ExeOwner))
        qFatal("cannot make the folders in %s", qPrintable(m_dir.path()));
    const auto exportTo = [](const QString &path) {
        return QStringList { QStringLiteral("--export"), path };
    };
    const auto saveInto = [](const QString &path) {
        return QStringList { QStringLiteral("-o"), path };
    };

    QTest::newRow("--export into a folder that does not exist")
        << exportTo(missing + QStringLiteral("/out.json")) << missing + QStringLiteral("/out.json")
        << m_dir.path() << false;
    QTest::newRow("--export under a regular file (not a folder)")
        << exportTo(plainFile + QStringLiteral("/out.csv"))
        << plainFile + QStringLiteral("/out.csv") << m_dir.path() << false;
    QTest::newRow("--export naming a folder")
        << exportTo(folderNamedJson) << folderNamedJson << folderNamedJson << false;
    QTest::newRow("--export into a folder without write permission")
        << exportTo(readOnly + QStringLiteral("/out.har")) << readOnly + QStringLiteral("/out.har")
        << readOnly << true;
    QTest::newRow("-o naming a regular file")
        << saveInto(plainFile) << plainFile << m_dir.path() << false;
    QTest::newRow("-o under a regular file")
        << saveInto(plainFile + QStringLiteral("/bodies")) << plainFile + QStringLiteral("/bodies")
        << m_dir.path() << false;
    QTest::newRow("-o in a folder without write permission")
        << saveInto(readOnly + QStringLiteral("/bodies")) << readOnly + QStringLiteral("/bodies")
        << readOnly << true;
    QTest::newRow("--sweep with its CSV in a folder that does not exist")
        << (QStringList { QStringLiteral("--sweep"), QStringLiteral("1,2") }
            + exportTo(missing + QStringLiteral("/sweep.csv")))
        << missing + QStringLiteral("/sweep.csv") << m_dir.path() << false;
}

void TestHeadless::unwritableOutputsAreRefusedBeforeAnyRequest()
{
    QFETCH(QStringList, args);
    QFETCH(QString, named);
    QFETCH(QString, untouchedFolder);
    QFETCH(bool, permissionOnly);

    if (permissionOnly && ::geteuid() == 0)
        QSKIP("running as root, which may write into any folder: no permission to take away");
    const auto listing = [&untouchedFolder] {
        return QDir(untouchedFolder)
            .entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot);
    };
    const QStringList before = listing();
    m_server.resetStatistics();

    RunResult result;
    QVERIFY(run(args + QStringList { uniqueUrl(81) }, &result));

    QVERIFY2(result.exitCode == BadInput, qPrintable(result.describe()));
    QVERIFY2(result.err.contains(named.toUtf8()), qPrintable(result.describe()));
    QCOMPARE(m_server.requestCount(), 0);
    QVERIFY2(result.getDataLines().isEmpty(), qPrintable(result.describe()));
    QCOMPARE(listing(), before);
}

void TestHeadless::credentialsAreNeverPrinted_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QByteArray>("stdinList");
    QTest::addColumn<QString>("exportName");
    QTest::addColumn<int>("exitCode");

    const auto withCredentials = [this](const QString &path) {
        QUrl withUser = m_server.url(path);
        withUser.setUserName(QStringLiteral("user"));
        withUser.setPassword(QStringLiteral("secret"));
        return withUser.toString();
    };
    QUrl refused = TestSupport::refusedUrl();
    refused.setUserInfo(QStringLiteral("user:secret"));

    QTest::newRow("a successful fetch shows *** in place of user:secret")
        << QStringList { withCredentials(QStringLiteral("/bytes/10")) } << QByteArray()
        << QStringLiteral("ok.json") << AllSucceeded;
    QTest::newRow("a 404 hides them in the line, the error and the CSV export")
        << QStringList { withCredentials(QStringLiteral("/status/404")) } << QByteArray()
        << QStringLiteral("404.csv") << SomeFailed;
    QTest::newRow("a redirect hides them in the final URL")
        << QStringList { withCredentials(QStringLiteral("/redirect/1")) } << QByteArray()
        << QStringLiteral("redirect.json") << AllSucceeded;
    QTest::newRow("a refused connection hides them in the error")
        << QStringList { QStringLiteral("--retries"), QStringLiteral("0"), refused.toString() }
        << QByteArray() << QStringLiteral("refused.json") << SomeFailed;
    QTest::newRow("an unsupported line from stdin is reported without them")
        << QStringList { QStringLiteral("-i"), QStringLiteral("-") }
        << ("ftp://user:secret@files.example.com/a\n"
            + withCredentials(QStringLiteral("/bytes/11")).toUtf8() + "\n")
        << QStringLiteral("stdin.csv") << AllSucceeded;
    QTest::newRow("a duplicate line is reported without them")
        << QStringList { QStringLiteral("-i"), QStringLiteral("-") }
        << (withCredentials(QStringLiteral("/bytes/12")).toUtf8() + "\n"
            + withCredentials(QStringLiteral("/bytes/12")).toUtf8() + "\n")
        << QStringLiteral("duplicate.json") << AllSucceeded;
}

void TestHeadless::credentialsAreNeverPrinted()
{
    QFETCH(QStringList, args);
    QFETCH(QByteArray, stdinList);
    QFETCH(QString, exportName);
    QFETCH(int, exitCode);

    const QString exportPath = m_dir.filePath(exportName);
    RunResult result;
    QVERIFY(run(QStringList { QStringLiteral("--export"), exportPath } + args, &result, stdinList));

    QVERIFY2(result.exitCode == exitCode, qPrintable(result.describe()));
    QVERIFY2(!result.out.contains("secret"), qPrintable(result.describe()));
    QVERIFY2(!result.err.contains("secret"), qPrintable(result.describe()));
    QVERIFY2(!result.out.contains("user:"), qPrintable(result.describe()));
    const auto fetched = result.getDataLines();
    QCOMPARE(fetched.size(), 1);
    QVERIFY2(fetched.constFirst().captured(1).contains(QLatin1String("***@")),
             qPrintable(result.describe()));
    QFile exported(exportPath);
    QVERIFY(exported.open(QIODevice::ReadOnly));
    const QByteArray contents = exported.readAll();
    QVERIFY2(!contents.isEmpty(), qPrintable(result.describe()));
    QVERIFY2(!contents.contains("secret"), contents.constData());
    QVERIFY2(contents.contains("***"), contents.constData());
}

void TestHeadless::secretQueryValuesAreNeverPrinted_data()
{
    QTest::addColumn<QString>("exportName");
    QTest::newRow("the classic lines and a HAR export") << QStringLiteral("query.har");
    QTest::newRow("the classic lines and a CSV export") << QStringLiteral("query.csv");
}

void TestHeadless::secretQueryValuesAreNeverPrinted()
{
    QFETCH(QString, exportName);
    const QString token = QStringLiteral("pf-qtoken-%1").arg(++m_uniqueCounter);
    const QString key = QStringLiteral("pf-qkey-%1").arg(m_uniqueCounter);
    const QString found =
        url(QStringLiteral("/bytes/10?access_token=%1&page=2&q=tokenizer").arg(token));
    const QString missing = url(QStringLiteral("/status/404?api_key=%1&page=2").arg(key));
    const QString exportPath = m_dir.filePath(exportName);
    RunResult result;
    QVERIFY(run({ QStringLiteral("--retries"), QStringLiteral("0"), QStringLiteral("--export"),
                  exportPath, found, missing },
                &result));
    QVERIFY2(result.exitCode == SomeFailed, qPrintable(result.describe()));

    // The server got the real values.
    QCOMPARE(requestsFor(found).size(), 1);
    QCOMPARE(requestsFor(missing).size(), 1);

    QFile exported(exportPath);
    QVERIFY(exported.open(QIODevice::ReadOnly));
    const QByteArray contents = exported.readAll();
    for (const QByteArray &text : { result.out, result.err, contents }) {
        QVERIFY2(!text.contains(token.toUtf8()), qPrintable(result.describe()));
        QVERIFY2(!text.contains(key.toUtf8()), qPrintable(result.describe()));
    }
    QStringList shown;
    for (const QRegularExpressionMatch &line : result.getDataLines())
        shown.append(line.captured(1));
    shown.sort();
    QCOMPARE(shown,
             QStringList({ url(QStringLiteral("/bytes/10?access_token=***&page=2&q=tokenizer")),
                           url(QStringLiteral("/status/404?api_key=***&page=2")) }));
    QVERIFY2(contents.contains("access_token=***&page=2&q=tokenizer"), contents.constData());
}

void TestHeadless::helpListsEveryOption_data()
{
    QTest::addColumn<QString>("option");

    for (const char *option : { "--jobs",
                                "--input",
                                "--export",
                                "--output-dir",
                                "--timeout",
                                "--retries",
                                "--head",
                                "--header",
                                "--user-agent",
                                "--quiet",
                                "--demo",
                                "--demo-server",
                                "--port",
                                "--help",
                                "--version",
                                "--ca-file",
                                "--per-host",
                                "--sweep",
                                "--sample",
                                "--compare",
                                "--fail-if",
                                "--shard",
                                "--merge",
                                "--http1.1",
                                "--http2",
                                "--limit-rate",
                                "--limit-rate-per-url",
                                "--rate",
                                "--per-host-interval",
                                "--checksums",
                                "--cookies" })
        QTest::newRow(qPrintable(QStringLiteral("--help lists %1").arg(QLatin1String(option))))
            << QString::fromLatin1(option);
    QTest::newRow("--help lists --timeline") << QStringLiteral("--timeline");
}

void TestHeadless::helpListsEveryOption()
{
    QFETCH(QString, option);

    RunResult result;
    QVERIFY(run({ QStringLiteral("--help") }, &result));

    QVERIFY2(result.exitCode == AllSucceeded, qPrintable(result.describe()));
    // As a whole word: "--demo" must not be satisfied by "--demo-server" alone.
    const QRegularExpression listed(QRegularExpression::escape(option)
                                    + QStringLiteral("(?![\\w-])"));
    QVERIFY2(listed.match(QString::fromUtf8(result.out)).hasMatch(), qPrintable(result.describe()));
    QVERIFY2(result.getDataLines().isEmpty(), qPrintable(result.describe()));
}

void TestHeadless::versionPrintsTheVersion()
{
    RunResult result;
    QVERIFY(run({ QStringLiteral("--version") }, &result));

    QVERIFY2(result.exitCode == AllSucceeded, qPrintable(result.describe()));
    QCOMPARE(result.out.trimmed(), QByteArray("parafetch " PARAFETCH_VERSION));
    QVERIFY2(result.err.isEmpty(), qPrintable(result.describe()));
}

void TestHeadless::quietPrintsOnlyTheSummary_data()
{
    QTest::addColumn<QString>("option");

    QTest::newRow("--quiet prints no getData lines but the summary") << QStringLiteral("--quiet");
    QTest::newRow("-q is the same") << QStringLiteral("-q");
}

void TestHeadless::quietPrintsOnlyTheSummary()
{
    QFETCH(QString, option);

    RunResult result;
    QVERIFY(run({ option, url(QStringLiteral("/bytes/50")), url(QStringLiteral("/status/404")) },
                &result));

    QVERIFY2(result.exitCode == SomeFailed, qPrintable(result.describe()));
    QVERIFY2(!result.out.contains("getData"), qPrintable(result.describe()));
    QCOMPARE(summaryLinesProblem(result), QString());
    QVERIFY2(result.out.contains("urls=2 succeeded=1 failed=1"), qPrintable(result.describe()));
}

void TestHeadless::demoRunsTheBuiltInList()
{
    const int demoCount = int(demoPaths().size());
    QVERIFY2(demoCount >= 50 && demoCount <= 70, qPrintable(QString::number(demoCount)));

    RunResult result;
    QVERIFY(run({ QStringLiteral("--demo") }, &result));

    // The demo list has deliberate 404/500/502 answers, so some fetches fail.
    QVERIFY2(result.exitCode == SomeFailed, qPrintable(result.describe()));
    const auto fetched = result.getDataLines();
    QCOMPARE(fetched.size(), demoCount);
    QSet<QString> paths;
    for (const auto &match : fetched)
        paths.insert(QUrl(match.captured(1)).path());
    QCOMPARE(paths.size(), demoCount);
    for (const QString &path : demoPaths())
        QVERIFY2(paths.contains(path), qPrintable(path));
    QCOMPARE(summaryLinesProblem(result), QString());
    QVERIFY2(result.out.contains("urls=" + QByteArray::number(demoCount) + ' '),
             qPrintable(result.describe()));
}

void TestHeadless::demoServerServesUntilTerminated()
{
    QProcess process;
    process.setProcessEnvironment(childEnvironment());
    process.start(
        QStringLiteral(PARAFETCH_EXECUTABLE),
        { QStringLiteral("--demo-server"), QStringLiteral("--port"), QStringLiteral("0") });
    QVERIFY2(process.waitForStarted(HangGuardMs), qPrintable(process.errorString()));
    const auto cleanup = qScopeGuard([&process] {
        if (process.state() != QProcess::NotRunning) {
            process.kill();
            process.waitForFinished();
        }
    });

    const QRegularExpression listening(
        QStringLiteral("listening on (http://127\\.0\\.0\\.1:(\\d+)/)\\s*$"),
        QRegularExpression::MultilineOption);
    QByteArray announced;
    QRegularExpressionMatch match;
    while (!(match = listening.match(QString::fromUtf8(announced))).hasMatch()) {
        QVERIFY2(process.waitForReadyRead(HangGuardMs), announced.constData());
        announced += process.readAllStandardOutput();
    }
    const quint16 port = match.captured(2).toUShort();
    QVERIFY(port != 0);
    const QUrl base(match.captured(1));

    QNetworkAccessManager manager;
    manager.setProxy(QNetworkProxy::NoProxy);
    std::unique_ptr<QNetworkReply> reply(
        manager.get(QNetworkRequest(base.resolved(QUrl(QStringLiteral("bytes/10"))))));
    QSignalSpy finished(reply.get(), &QNetworkReply::finished);
    QVERIFY(finished.wait(HangGuardMs));
    QCOMPARE(reply->error(), QNetworkReply::NoError);
    QCOMPARE(reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt(), 200);
    QCOMPARE(reply->readAll(), LoopbackServer::bodyBytes(0, 10));
    QCOMPARE(process.state(), QProcess::Running);

    process.terminate();
    QVERIFY2(process.waitForFinished(HangGuardMs), "the demo server ignored SIGTERM");
    // SIGTERM is handled: the server shuts down cleanly instead of being killed by the signal.
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QVERIFY(!process.readAllStandardError().contains("\x1b["));
}

void TestHeadless::noProgressMeterWhenNotATerminal()
{
    // Slow enough for several ticks of the progress timer.
    RunResult result;
    QVERIFY(run({ url(QStringLiteral("/drip/10/40")), url(QStringLiteral("/delay/300/bytes/5")) },
                &result));

    QVERIFY2(result.exitCode == AllSucceeded, qPrintable(result.describe()));
    QVERIFY2(!result.err.contains("\x1b["), qPrintable(result.describe()));
    QVERIFY2(!result.err.contains('\r'), qPrintable(result.describe()));
    QVERIFY2(result.err.isEmpty(), qPrintable(result.describe()));
    QCOMPARE(result.getDataLines().size(), 2);
}

void TestHeadless::addOptionRows()
{
    const QString target = url(QStringLiteral("/bytes/3"));
    const QString notPem = writeFile(QStringLiteral("not-a-cert.pem"), "hello\n");
    const QString missing = m_dir.filePath(QStringLiteral("no-such-ca.pem"));
    const QString ca = writeFile(QStringLiteral("ca.pem"), TestCaPem);
    const QString runA = writeFile(QStringLiteral("valid-a.json"), exportOf({ target }, 5));

    QTest::newRow("--per-host 2 is accepted")
        << QStringList { QStringLiteral("--per-host"), QStringLiteral("2"), target } << AllSucceeded
        << QStringList {};
    QTest::newRow("--per-host 0 (off) is accepted")
        << QStringList { QStringLiteral("--per-host"), QStringLiteral("0"), target } << AllSucceeded
        << QStringList {};
    QTest::newRow("--per-host 513 exits 2 naming the option")
        << QStringList { QStringLiteral("--per-host"), QStringLiteral("513"), target } << BadInput
        << QStringList { QStringLiteral("--per-host"), QStringLiteral("'513'") };
    QTest::newRow("--per-host -1 exits 2")
        << QStringList { QStringLiteral("--per-host=-1"), target } << BadInput
        << QStringList { QStringLiteral("--per-host") };
    QTest::newRow("--ca-file with a PEM certificate is accepted")
        << QStringList { QStringLiteral("--ca-file"), ca, target } << AllSucceeded
        << QStringList {};
    QTest::newRow("--ca-file of a missing file exits 2 naming it")
        << QStringList { QStringLiteral("--ca-file"), missing, target } << BadInput
        << QStringList { QStringLiteral("--ca-file"), missing };
    QTest::newRow("--ca-file without a certificate exits 2 naming it")
        << QStringList { QStringLiteral("--ca-file"), notPem, target } << BadInput
        << QStringList { QStringLiteral("--ca-file"), notPem };
    QTest::newRow("--if-exists with an unknown policy exits 2 naming it and the choices")
        << QStringList { QStringLiteral("--if-exists"), QStringLiteral("replace"), target }
        << BadInput
        << QStringList { QStringLiteral("--if-exists"), QStringLiteral("'replace'"),
                         QStringLiteral("rename, skip or overwrite") };
    QTest::newRow("--if-exists skip is accepted")
        << QStringList { QStringLiteral("--if-exists"), QStringLiteral("skip"), target }
        << AllSucceeded << QStringList {};
    QTest::newRow("--on-complete with a missing program exits 2 naming it")
        << QStringList { QStringLiteral("--on-complete"), QStringLiteral("no-such-program-x1 a"),
                         target }
        << BadInput
        << QStringList { QStringLiteral("--on-complete"), QStringLiteral("no-such-program-x1") };
    QTest::newRow("--on-complete with an unclosed quote exits 2")
        << QStringList { QStringLiteral("--on-complete"), QStringLiteral("true 'a b"), target }
        << BadInput
        << QStringList { QStringLiteral("--on-complete"), QStringLiteral("unclosed quote") };
    QTest::newRow("--on-complete that is empty exits 2")
        << QStringList { QStringLiteral("--on-complete"), QStringLiteral("  "), target } << BadInput
        << QStringList { QStringLiteral("--on-complete needs a command") };
    QTest::newRow("--on-complete with --sweep exits 2")
        << QStringList { QStringLiteral("--on-complete"), QStringLiteral("true"),
                         QStringLiteral("--sweep"), QStringLiteral("1,2"), target }
        << BadInput << QStringList { QStringLiteral("--on-complete"), QStringLiteral("--sweep") };
    QTest::newRow("--on-complete whose command fails is reported, the run's code stands")
        << QStringList { QStringLiteral("--on-complete"), QStringLiteral("false"), target }
        << AllSucceeded << QStringList { QStringLiteral("false exited with 1") };
    QTest::newRow("--shard 0/4 exits 2: shards count from 1")
        << QStringList { QStringLiteral("--shard"), QStringLiteral("0/4"), target } << BadInput
        << QStringList { QStringLiteral("--shard"), QStringLiteral("numbered from 1") };
    QTest::newRow("--shard 3 exits 2 asking for K/N")
        << QStringList { QStringLiteral("--shard"), QStringLiteral("3"), target } << BadInput
        << QStringList { QStringLiteral("K/N") };
    QTest::newRow("--sweep 1,0 exits 2 naming the 0")
        << QStringList { QStringLiteral("--sweep"), QStringLiteral("1,0"), target } << BadInput
        << QStringList { QStringLiteral("--sweep"), QStringLiteral("'0'") };
    QTest::newRow("--sweep with a JSON export exits 2")
        << QStringList { QStringLiteral("--sweep"), QStringLiteral("1,2"),
                         QStringLiteral("--export"), QStringLiteral("x.json"), target }
        << BadInput << QStringList { QStringLiteral(".csv") };
    QTest::newRow("--sample without --sweep exits 2")
        << QStringList { QStringLiteral("--sample"), QStringLiteral("3"), target } << BadInput
        << QStringList { QStringLiteral("--sample") };
    QTest::newRow("--fail-if with a bad rule exits 2 naming it")
        << QStringList { QStringLiteral("--fail-if"), QStringLiteral("p95>2"), target } << BadInput
        << QStringList { QStringLiteral("'p95>2'"), QStringLiteral("unit") };
    QTest::newRow("--fail-if with a delta needs --compare")
        << QStringList { QStringLiteral("--fail-if"), QStringLiteral("p95_delta>10%"), target }
        << BadInput << QStringList { QStringLiteral("--compare") };
    QTest::newRow("--compare with one export exits 2")
        << QStringList { QStringLiteral("--compare"), runA } << BadInput
        << QStringList { QStringLiteral("two exports") };
    QTest::newRow("--compare with an unreadable export exits 2 naming it")
        << QStringList { QStringLiteral("--compare"), runA, missing } << BadInput
        << QStringList { missing };
    QTest::newRow("--compare and --merge together exit 2")
        << QStringList { QStringLiteral("--compare"), QStringLiteral("--merge"), runA, runA }
        << BadInput << QStringList { QStringLiteral("--merge") };
    QTest::newRow("--merge of a CSV export exits 2 asking for JSON")
        << QStringList { QStringLiteral("--merge"),
                         writeFile(QStringLiteral("shard.csv"),
                                   "line,url,state,startedAtMs,finishedAtMs\r\n"
                                   "1,http://a/,succeeded,1.000,2.000\r\n") }
        << BadInput << QStringList { QStringLiteral("JSON") };
}

void TestHeadless::sweepPrintsATableAndWritesCsv()
{
    const QString csv = m_dir.filePath(QStringLiteral("sweep.csv"));
    QStringList urls;
    for (int i = 0; i < 6; ++i)
        urls.append(url(QStringLiteral("/delay/20/bytes/%1?sweep=%1").arg(i + 1)));

    RunResult result;
    QVERIFY(run(QStringList { QStringLiteral("--sweep"), QStringLiteral("4,1,2"),
                              QStringLiteral("--sample"), QStringLiteral("5"),
                              QStringLiteral("--export"), csv }
                    + urls,
                &result));

    QVERIFY2(result.exitCode == AllSucceeded, qPrintable(result.describe()));
    QVERIFY2(result.out.contains("sweep of 5 URLs at N = 1,2,4"), qPrintable(result.describe()));
    QVERIFY2(result.getDataLines().isEmpty(), qPrintable(result.describe()));
    const QRegularExpression row(
        QStringLiteral("^\\s+(\\d+)\\s+\\d+\\.\\d{3}s\\s+\\d+\\.\\d{3}s\\s+"
                       "\\d+\\.\\d{2}x\\s+\\d+%\\s+5\\s+0\\s"));
    QList<int> levels;
    for (const QByteArray &line : result.outLines()) {
        const auto match = row.match(QString::fromUtf8(line));
        if (match.hasMatch())
            levels.append(match.captured(1).toInt());
    }
    QCOMPARE(levels, (QList<int> { 1, 2, 4 }));
    QVERIFY2(result.outLines().constLast().startsWith("knee: "), qPrintable(result.describe()));

    QFile file(csv);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QList<QByteArray> lines = file.readAll().split('\n');
    QCOMPARE(lines.size(), 5);
    QVERIFY(lines.at(0).startsWith("concurrency,urls,succeeded,failed"));
    QVERIFY2(lines.at(1).startsWith("1,5,5,0,0,"), lines.at(1).constData());
    QVERIFY2(lines.at(3).startsWith("4,5,5,0,0,"), lines.at(3).constData());
}

void TestHeadless::compareExitsThreeOnlyWhenARuleHolds_data()
{
    QTest::addColumn<QStringList>("rules");
    QTest::addColumn<int>("exitCode");
    QTest::addColumn<QStringList>("outMentions");

    QTest::newRow("no rules: 0, whatever changed")
        << QStringList {} << AllSucceeded << QStringList {};
    QTest::newRow("failed>0 holds: 3")
        << QStringList { QStringLiteral("--fail-if"), QStringLiteral("failed>0") } << RuleFailed
        << QStringList { QStringLiteral("rule failed>0: 1, FAILED") };
    QTest::newRow("p95>2s holds not: 0")
        << QStringList { QStringLiteral("--fail-if"), QStringLiteral("p95>2s") } << AllSucceeded
        << QStringList { QStringLiteral("rule p95>2s: 0.2s, ok") };
    QTest::newRow("p95_delta>10% holds at +100%: 3")
        << QStringList { QStringLiteral("--fail-if"), QStringLiteral("p95_delta>10%") }
        << RuleFailed << QStringList { QStringLiteral("FAILED") };
    QTest::newRow("one rule of two holds: 3")
        << QStringList { QStringLiteral("--fail-if"), QStringLiteral("p95>2s,new_failures>0") }
        << RuleFailed
        << QStringList { QStringLiteral("rule p95>2s: 0.2s, ok"),
                         QStringLiteral("rule new_failures>0: 1, FAILED") };
}

void TestHeadless::compareExitsThreeOnlyWhenARuleHolds()
{
    QFETCH(QStringList, rules);
    QFETCH(int, exitCode);
    QFETCH(QStringList, outMentions);

    const QString kept = QStringLiteral("http://h/kept"),
                  breaks = QStringLiteral("http://h/breaks");
    const QString gone = QStringLiteral("http://h/gone"), added = QStringLiteral("http://h/added");
    const QString a =
        writeFile(QStringLiteral("compare-a.json"), exportOf({ kept, breaks, gone }, 100));
    const QString b = writeFile(QStringLiteral("compare-b.json"),
                                exportOf({ kept, breaks, added }, 200, { breaks }));

    RunResult result;
    QVERIFY(run(QStringList { QStringLiteral("--compare"), a, b } + rules, &result));

    QVERIFY2(result.exitCode == exitCode, qPrintable(result.describe()));
    const QString out = QString::fromUtf8(result.out);
    // The table is printed whether or not a rule fails.
    for (const QString &expected :
         QStringList { QStringLiteral("new-failure     200 0.100s            404 0.200s"),
                       QStringLiteral("only-in-a"), QStringLiteral("only-in-b"),
                       QStringLiteral("\"http://h/breaks\""),
                       QStringLiteral("changes: unchanged=1 status-changed=0 new-failure=1 fixed=0 "
                                      "only-in-a=1 only-in-b=1") }
             + outMentions)
        QVERIFY2(out.contains(expected),
                 qPrintable(expected + QLatin1Char('\n') + result.describe()));
    QVERIFY2(QRegularExpression(
                 QStringLiteral("\\np95 +0\\.100s +0\\.200s +\\+0\\.100s \\(\\+100\\.0%\\)"))
                 .match(out)
                 .hasMatch(),
             qPrintable(result.describe()));
}

void TestHeadless::failIfAppliesToAPlainRun_data()
{
    QTest::addColumn<QString>("rule");
    QTest::addColumn<int>("exitCode");

    QTest::newRow("failed>0 with a 404 exits 3, not 1") << QStringLiteral("failed>0") << RuleFailed;
    QTest::newRow("total<2 holds not: the usual 1 for the 404")
        << QStringLiteral("total<2") << SomeFailed;
}

void TestHeadless::failIfAppliesToAPlainRun()
{
    QFETCH(QString, rule);
    QFETCH(int, exitCode);

    RunResult result;
    QVERIFY(run({ QStringLiteral("--fail-if"), rule, url(QStringLiteral("/bytes/5")),
                  url(QStringLiteral("/status/404")) },
                &result));

    QVERIFY2(result.exitCode == exitCode, qPrintable(result.describe()));
    QCOMPARE(summaryLinesProblem(result), QString());
    QVERIFY2(result.out.contains("rule " + rule.toUtf8() + ": "), qPrintable(result.describe()));
}

void TestHeadless::shardsPartitionTheListAndMergeBack()
{
    constexpr int Shards = 3;
    QStringList urls;
    for (int i = 0; i < 12; ++i)
        urls.append(url(QStringLiteral("/bytes/%1?shard-test=%1").arg(i + 1)));
    urls.append(url(QStringLiteral("/status/404?shard-test")));
    const QString list =
        writeFile(QStringLiteral("shard-list.txt"), urls.join(QLatin1Char('\n')).toUtf8());

    QStringList exports;
    QSet<QString> fetched;
    int fetchedLines = 0;
    // The export with the most URLs: which shard gets which URL depends on the server's port.
    QString busiestShard;
    int busiestLines = 0;
    for (int k = 1; k <= Shards; ++k) {
        const QString path = m_dir.filePath(QStringLiteral("shard-%1.json").arg(k));
        RunResult result;
        QVERIFY(run({ QStringLiteral("--shard"), QStringLiteral("%1/%2").arg(k).arg(Shards),
                      QStringLiteral("-i"), list, QStringLiteral("--export"), path },
                    &result));
        QVERIFY2(result.exitCode == AllSucceeded || result.exitCode == SomeFailed,
                 qPrintable(result.describe()));
        const auto lines = result.getDataLines();
        for (const auto &match : lines) {
            fetched.insert(match.captured(1));
            ++fetchedLines;
        }
        if (lines.size() > busiestLines) {
            busiestLines = int(lines.size());
            busiestShard = path;
        }
        exports.append(path);
    }
    // Every URL was fetched by exactly one shard.
    QCOMPARE(fetchedLines, urls.size());
    QCOMPARE(fetched, QSet<QString>(urls.cbegin(), urls.cend()));

    const QString merged = m_dir.filePath(QStringLiteral("merged.json"));
    RunResult result;
    QVERIFY(run(QStringList { QStringLiteral("--merge") } + exports
                    + QStringList { QStringLiteral("--export"), merged },
                &result));
    QVERIFY2(result.exitCode == SomeFailed, qPrintable(result.describe())); // the 404
    QCOMPARE(summaryLinesProblem(result), QString());
    QVERIFY2(result.out.contains("urls=13 succeeded=12 failed=1"), qPrintable(result.describe()));
    QVERIFY2(result.err.isEmpty(), qPrintable(result.describe())); // no overlap

    ImportedRun back;
    QString error;
    QVERIFY2(RunFile::read(merged, &back, &error), qPrintable(error));
    QCOMPARE(back.jobs.size(), urls.size());
    for (int i = 0; i < urls.size(); ++i)
        QCOMPARE(back.jobs.at(i).url.toString(), urls.at(i)); // in the list's order
    QVERIFY(back.info.startedAt.isValid());

    // Merging a shard twice is reported on stderr, and its URLs are counted once. (Not shard 1
    // blindly: the URLs hash with the server's port, and a shard may get none of them.)
    QVERIFY(run({ QStringLiteral("--merge"), busiestShard, busiestShard, QStringLiteral("-q") },
                &result));
    QVERIFY2(result.err.contains("more than one export"), qPrintable(result.describe()));
}

QTEST_GUILESS_MAIN(TestHeadless)
#include "tst_headless.moc"
