// SPDX-License-Identifier: GPL-3.0-or-later
// Hostile servers and faults: every case ends in one exact state, kind and message.
#include "engine/fetchengine.h"
#include "exitcodes.h"
#include "formats/runfile.h"
#include "jobqueuemodel.h"
#include "server/loopbackserver.h"
#include "testsupport.h"
#include "urllistparser.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>

#include <csignal>
#include <sys/resource.h>

using namespace Parafetch;
using namespace Parafetch::TestSupport;

namespace {

constexpr qint64 NsPerMs = 1'000'000;
constexpr qint64 BytesPerMiB = 1024 * 1024;
// A host that never resolves (RFC 6761 reserves .invalid).
const QString InvalidHost = QStringLiteral("parafetch-faults.invalid");
// Qt's default guard (QNetworkRequest::decompressedSafetyCheckThreshold): past this many
// inflated bytes a body that expands more than 40:1 is refused.
constexpr qint64 QtDecompressionThreshold = 10 * BytesPerMiB;
// What the bomb may add to this process's peak memory: Qt's threshold, our read buffers and
// slack. A guard that failed would hold hundreds of MiB.
constexpr qint64 BombMemoryAllowance = 64 * BytesPerMiB;
constexpr int BombMiB = 1024;

// The full-disk case: files may grow to 1 MiB; the big download needs 4 MiB.
constexpr rlim_t FileSizeLimitBytes = 1024 * 1024;
constexpr int BigDownloadBytes = 4 * 1024 * 1024;
constexpr int SmallDownloadBytes = 1000;
constexpr int ChildTimeoutMs = 60'000;

// Where the row's URL comes from.
QUrl urlFor(const LoopbackServer &server, const QString &target)
{
    if (target == QLatin1String("refused"))
        return refusedUrl();
    if (target.startsWith(QLatin1String("http")))
        return QUrl(target);
    return server.url(target);
}

} // namespace

class TestFaults : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();

    void fault_data();
    void fault();
    void redirectsAreOneRequestEachOnOneConnection();
    void redirectStatuses_data();
    void redirectStatuses();
    void gzipBombIsStoppedWithBoundedMemory();
    void fullDiskFailsThatDownloadAndTheRunGoesOn();

private:
    std::unique_ptr<LoopbackServer> m_server;
};

void TestFaults::init()
{
    // A fresh server per row: request counts and flaky counters start at zero.
    QVERIFY2(startLoopbackServer(m_server), qPrintable(m_server->errorString()));
}

void TestFaults::fault_data()
{
    QTest::addColumn<QString>("target"); // a server path, "refused", or a whole URL
    QTest::addColumn<FetchOptions>("options");
    QTest::addColumn<JobState>("state");
    QTest::addColumn<ErrorKind>("kind");
    QTest::addColumn<int>("httpStatus");
    QTest::addColumn<QString>("message");
    QTest::addColumn<int>("attempts");
    QTest::addColumn<int>("requests"); // the server's count; -1 = not checked
    QTest::addColumn<qint64>("minGapMs"); // between the first two requests; -1 = not checked

    const FetchOptions plain = testOptions();
    FetchOptions deadline = plain;
    deadline.timeoutMs = 300;
    FetchOptions idle = plain;
    idle.idleTimeoutMs = 200;
    FetchOptions retryOnce = plain;
    retryOnce.retries = 1;

    QTest::newRow("connection refused")
        << "refused" << plain << JobState::Failed << ErrorKind::ConnectionRefused << 0
        << "connection refused" << 1 << 0 << qint64(-1);
    QTest::newRow("a .invalid host is not found, and the message names it")
        << QStringLiteral("http://%1/x").arg(InvalidHost) << plain << JobState::Failed
        << ErrorKind::HostNotFound << 0 << QStringLiteral("host not found: %1").arg(InvalidHost)
        << 1 << 0 << qint64(-1);
    QTest::newRow("the server resets mid-body")
        << "/reset/100" << plain << JobState::Failed << ErrorKind::Truncated << 200
        << "connection closed after 100 of 200 body bytes" << 1 << 1 << qint64(-1);
    // Not in the table: a chunked body cut off by the server (/chunked-close/<n>). Qt 6.4 at
    // times resends the GET and then reports the cut body as complete, and nothing in
    // QNetworkReply tells the two apart; only a Content-Length lets us count the bytes.
    QTest::newRow("Content-Length longer than the body")
        << "/truncate/100" << plain << JobState::Failed << ErrorKind::Truncated << 200
        << "connection closed after 100 of 200 body bytes" << 1 << 1 << qint64(-1);
    QTest::newRow("a slow drip past the deadline is timed out, not cancelled")
        << "/drip/1000/10" << deadline << JobState::Failed << ErrorKind::TimedOut << 200
        << "timed out after 0.3 s" << 1 << 1 << qint64(-1);
    QTest::newRow("silence past the idle timeout is timed out, not cancelled")
        << "/delay/5000" << idle << JobState::Failed << ErrorKind::TimedOut << 0
        << "timed out: no data for 0.2 s" << 1 << 1 << qint64(-1);
    // The first request and one per redirect followed: the limit, then one more 3xx.
    QTest::newRow("a redirect loop stops at the limit and says so")
        << "/redirect-loop" << plain << JobState::Failed << ErrorKind::TooManyRedirects << 302
        << QStringLiteral("too many redirects (limit %1)").arg(FetchOptions::DefaultMaxRedirects)
        << 1 << FetchOptions::DefaultMaxRedirects + 1 << qint64(-1);
    QTest::newRow("as many redirects as the limit are followed: limit + 1 requests")
        << QStringLiteral("/redirect/%1").arg(FetchOptions::DefaultMaxRedirects) << plain
        << JobState::Succeeded << ErrorKind::None << 200 << QString() << 1
        << FetchOptions::DefaultMaxRedirects + 1 << qint64(-1);
    // Failures another attempt would only repeat are not retried, even with retries left.
    QTest::newRow("a redirect to file: is refused, and not retried")
        << "/redirect-to?url=file:///etc/passwd" << retryOnce << JobState::Failed
        << ErrorKind::Network << 302
        << "refused a redirect to a file: URL (only http and https are followed)" << 1 << 1
        << qint64(-1);
    QTest::newRow("a redirect to javascript: is refused")
        << "/redirect-to?url=javascript:alert(1)" << plain << JobState::Failed << ErrorKind::Network
        << 302 << "refused a redirect to a javascript: URL (only http and https are followed)" << 1
        << 1 << qint64(-1);
    QTest::newRow("a redirect to a host that does not resolve names that host")
        << QStringLiteral("/redirect-to?url=http://%1/next").arg(InvalidHost) << plain
        << JobState::Failed << ErrorKind::HostNotFound << 0
        << QStringLiteral("host not found: %1").arg(InvalidHost) << 1 << 1 << qint64(-1);
    QTest::newRow("one redirect over the limit fails after limit + 1 requests")
        << QStringLiteral("/redirect/%1").arg(FetchOptions::DefaultMaxRedirects + 1) << plain
        << JobState::Failed << ErrorKind::TooManyRedirects << 302
        << QStringLiteral("too many redirects (limit %1)").arg(FetchOptions::DefaultMaxRedirects)
        << 1 << FetchOptions::DefaultMaxRedirects + 1 << qint64(-1);
    QTest::newRow("429 with Retry-After: 1 waits a second, then succeeds")
        << "/flaky/429/1?status=429&retry-after=1" << retryOnce << JobState::Succeeded
        << ErrorKind::None << 200 << QString() << 2 << 2 << qint64(1000);
    QTest::newRow("503 with Retry-After: 1 waits a second, then succeeds")
        << "/flaky/503/1?status=503&retry-after=1" << retryOnce << JobState::Succeeded
        << ErrorKind::None << 200 << QString() << 2 << 2 << qint64(1000);
    // Two seconds and more is where QTimer::singleShot would pick a coarse timer, which may fire
    // up to 5% early.
    QTest::newRow("503 with Retry-After: 2 waits the whole two seconds")
        << "/flaky/503/1?status=503&retry-after=2" << retryOnce << JobState::Succeeded
        << ErrorKind::None << 200 << QString() << 2 << 2 << qint64(2000);
    QTest::newRow("a 503 that stays: retried once, then fails with its status")
        << "/flaky/stays/9?status=503&retry-after=0" << retryOnce << JobState::Failed
        << ErrorKind::HttpStatus << 503 << "HTTP 503 Service Unavailable" << 2 << 2 << qint64(-1);
    // A response head may take 256 KiB (HttpResponseParser::MaxHeadBytes, as Qt's own limit);
    // past that we stop at once and say why.
    const QString tooLargeHeaders = QStringLiteral("the response head is too large (over 256 KiB)");
    QTest::newRow("100 KiB of response headers are accepted")
        << "/big-headers/100" << plain << JobState::Succeeded << ErrorKind::None << 200 << QString()
        << 1 << 1 << qint64(-1);
    QTest::newRow("255 KiB of response headers are accepted")
        << "/big-headers/255" << plain << JobState::Succeeded << ErrorKind::None << 200 << QString()
        << 1 << 1 << qint64(-1);
    QTest::newRow("256 KiB of response headers fail at once, with a clear message, no retry")
        << "/big-headers/256" << retryOnce << JobState::Failed << ErrorKind::Protocol << 0
        << tooLargeHeaders << 1 << 1 << qint64(-1);
    QTest::newRow("300 KiB of response headers fail the same way")
        << "/big-headers/300" << plain << JobState::Failed << ErrorKind::Protocol << 0
        << tooLargeHeaders << 1 << 1 << qint64(-1);
    QTest::newRow("a gzip bomb is stopped by the decompression guard, and not retried")
        << QStringLiteral("/gzip-bomb/%1").arg(BombMiB) << retryOnce << JobState::Failed
        << ErrorKind::Protocol << 200
        << "the body inflates more than 40 times past 10 MiB: refused as a decompression bomb" << 1
        << 1 << qint64(-1);
    QTest::newRow("a small gzip body inflates")
        << "/gzip-bomb/1" << plain << JobState::Succeeded << ErrorKind::None << 200 << QString()
        << 1 << 1 << qint64(-1);
}

void TestFaults::fault()
{
    QFETCH(QString, target);
    QFETCH(FetchOptions, options);
    QFETCH(JobState, state);
    QFETCH(ErrorKind, kind);
    QFETCH(int, httpStatus);
    QFETCH(QString, message);
    QFETCH(int, attempts);
    QFETCH(int, requests);
    QFETCH(qint64, minGapMs);

    JobQueueModel model;
    model.addEntries(entriesFor({ urlFor(*m_server, target) }));
    FetchEngine engine(&model);
    engine.setOptions(options);
    QSignalSpy jobFinished(&engine, &FetchEngine::jobFinished);
    QVERIFY(runToEnd(engine));

    QCOMPARE(jobFinished.count(), 1);
    const Job &job = model.jobAt(0);
    QCOMPARE(job.state, state);
    QCOMPARE(job.errorKind, kind);
    QCOMPARE(job.errorString(), message);
    QCOMPARE(job.httpStatus, httpStatus);
    QCOMPARE(job.attempts, attempts);
    if (requests >= 0)
        QTRY_COMPARE(m_server->requestCount(), qint64(requests));
    if (minGapMs >= 0) {
        // The server's clock, not ours: the second request arrived at least that much later.
        const QList<RecordedRequest> recorded = m_server->recordedRequests();
        QCOMPARE(recorded.size(), 2);
        const qint64 gapNs = recorded.at(1).receivedAtNs - recorded.at(0).receivedAtNs;
        QVERIFY2(gapNs >= minGapMs * NsPerMs,
                 qPrintable(QStringLiteral("only %1 ms apart").arg(double(gapNs) / NsPerMs)));
    }
    if (state == JobState::Succeeded && target.startsWith(QLatin1String("/gzip-bomb/")))
        QCOMPARE(job.bytesReceived, BytesPerMiB); // inflated, and counted as inflated
}

void TestFaults::redirectsAreOneRequestEachOnOneConnection()
{
    // Qt 6.4's own redirect following sent some hops twice and opened a connection per hop.
    constexpr int Hops = 5;
    QList<Job> jobs;
    QVERIFY(fetchToEnd({ m_server->url(QStringLiteral("/redirect/%1").arg(Hops)) }, testOptions(1),
                       &jobs));
    QCOMPARE(jobs.at(0).state, JobState::Succeeded);
    QCOMPARE(jobs.at(0).finalUrl(), m_server->url(QStringLiteral("/redirect/0")));
    QCOMPARE(m_server->requestCount(), qint64(Hops + 1));
    QCOMPARE(m_server->connectionCount(), qint64(1));
}

void TestFaults::redirectStatuses_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<JobState>("state");
    QTest::addColumn<QString>("message");
    for (int status : { 301, 302, 303, 307, 308 })
        QTest::addRow("%d is followed", status) << status << JobState::Succeeded << QString();
    // 300 leaves the choice to a person; 305 (Use Proxy) is deprecated and never followed.
    QTest::newRow("300 is not followed")
        << 300 << JobState::Failed << QStringLiteral("HTTP 300 Multiple Choices");
    QTest::newRow("305 is not followed")
        << 305 << JobState::Failed << QStringLiteral("HTTP 305 Use Proxy");
}

void TestFaults::redirectStatuses()
{
    QFETCH(int, status);
    QFETCH(JobState, state);
    QFETCH(QString, message);
    const QUrl url =
        m_server->url(QStringLiteral("/redirect-to?status=%1&url=/bytes/10").arg(status));
    QList<Job> jobs;
    QVERIFY(fetchToEnd({ url }, testOptions(), &jobs));
    const Job &job = jobs.at(0);
    QCOMPARE(job.state, state);
    QCOMPARE(job.errorString(), message);
    QCOMPARE(m_server->requestCount(), qint64(state == JobState::Succeeded ? 2 : 1));
    if (state == JobState::Succeeded) {
        QCOMPARE(job.bytesReceived, qint64(10)); // the target's body, not the redirect's
        QCOMPARE(job.finalUrl(), m_server->url(QStringLiteral("/bytes/10")));
    }
}

void TestFaults::gzipBombIsStoppedWithBoundedMemory()
{
    const qint64 peakBefore = peakRssBytes();
    QVERIFY(peakBefore > 0);
    QList<Job> jobs;
    QVERIFY(fetchToEnd({ m_server->url(QStringLiteral("/gzip-bomb/%1").arg(BombMiB)) },
                       testOptions(), &jobs));

    const Job &job = jobs.at(0);
    QCOMPARE(job.state, JobState::Failed);
    // Stopped soon after Qt's threshold, far from the GiB the body inflates to.
    QVERIFY2(job.bytesReceived <= 2 * QtDecompressionThreshold,
             qPrintable(QString::number(job.bytesReceived)));
    const qint64 grown = peakRssBytes() - peakBefore;
    QVERIFY2(grown < BombMemoryAllowance,
             qPrintable(QStringLiteral("peak grew by %1 bytes").arg(grown)));
}

void TestFaults::fullDiskFailsThatDownloadAndTheRunGoesOn()
{
    // The real program, so the file-size limit only applies to it. (PARAFETCH_EXECUTABLE is
    // only defined for tst_headless; the build puts both next to each other.)
    const QString executable =
        QDir(QCoreApplication::applicationDirPath()).filePath(QStringLiteral("../app/parafetch"));
    QVERIFY2(QFileInfo(executable).isExecutable(),
             qPrintable(executable + QStringLiteral(" is missing: build the parafetch target")));
    QTemporaryDir work;
    QVERIFY(work.isValid());
    const QString downloads = work.filePath(QStringLiteral("downloads"));
    const QString results = work.filePath(QStringLiteral("results.json"));

    const QUrl first = m_server->url(QStringLiteral("/bytes/%1").arg(SmallDownloadBytes));
    const QUrl big = m_server->url(QStringLiteral("/bytes/%1").arg(BigDownloadBytes));
    const QUrl last = m_server->url(QStringLiteral("/delay/1/bytes/%1").arg(SmallDownloadBytes));

    QProcess process;
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert(QStringLiteral("no_proxy"), QStringLiteral("*"));
    process.setProcessEnvironment(environment);
    // Between fork and exec: a file may grow to 1 MiB, and a write past it fails with EFBIG
    // instead of killing the process with SIGXFSZ (as a full disk fails with ENOSPC).
    process.setChildProcessModifier([] {
        const rlimit limit { FileSizeLimitBytes, FileSizeLimitBytes };
        ::setrlimit(RLIMIT_FSIZE, &limit);
        ::signal(SIGXFSZ, SIG_IGN);
    });
    process.start(executable,
                  { QStringLiteral("--headless"), QStringLiteral("--jobs"), QStringLiteral("1"),
                    QStringLiteral("--retries"), QStringLiteral("0"), QStringLiteral("-o"),
                    downloads, QStringLiteral("--export"), results, first.toString(),
                    big.toString(), last.toString() });
    QVERIFY2(process.waitForFinished(ChildTimeoutMs), qPrintable(process.errorString()));
    const QByteArray output = process.readAllStandardOutput() + process.readAllStandardError();
    QCOMPARE(process.exitStatus(), QProcess::NormalExit);
    QVERIFY2(process.exitCode() == SomeFailed, output.constData());

    ImportedRun run;
    QString error;
    QVERIFY2(RunFile::read(results, &run, &error), qPrintable(error));
    QCOMPARE(run.jobs.size(), 3);
    QCOMPARE(run.jobs.at(0).state, JobState::Succeeded);
    QCOMPARE(run.jobs.at(1).state, JobState::Failed);
    QCOMPARE(run.jobs.at(1).errorKind, ErrorKind::FileSystem);
    const QString partPath =
        QDir(downloads).filePath(QString::number(BigDownloadBytes) + QStringLiteral(".part"));
    // The reason after the colon: Qt's "File too large" when the write that crossed the limit
    // failed outright, ours when it was cut short (Qt sets no error for a short write).
    const QString prefix =
        QStringLiteral("cannot write %1: ").arg(QDir::toNativeSeparators(partPath));
    const QString reason = run.jobs.at(1).errorString().mid(prefix.size());
    QVERIFY2(run.jobs.at(1).errorString().startsWith(prefix)
                 && (reason == QLatin1String("File too large")
                     || (reason.startsWith(QLatin1String("only "))
                         && reason.endsWith(QLatin1String(" bytes written (is the disk full?)")))),
             qPrintable(run.jobs.at(1).errorString()));
    QCOMPARE(run.jobs.at(2).state, JobState::Succeeded);

    // No .part left behind, nothing under the big download's final name.
    QCOMPARE(QDir(downloads).entryList(QDir::Files | QDir::Hidden, QDir::Name),
             QStringList({ QString::number(SmallDownloadBytes),
                           QString::number(SmallDownloadBytes) + QStringLiteral(" (1)") }));
}

QTEST_GUILESS_MAIN(TestFaults)
#include "tst_faults.moc"
