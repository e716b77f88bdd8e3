// SPDX-License-Identifier: GPL-3.0-or-later
// The fetch engine against the loopback server: concurrency by count, every outcome, files.
#include "engine/fetchaction.h"
#include "engine/fetchengine.h"
#include "engine/fetchtask.h"
#include "jobqueuemodel.h"
#include "server/loopbackserver.h"
#include "sha256.h"
#include "testsupport.h"
#include "urllistparser.h"

#include <QDir>
#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QThreadPool>
#include <QtTest>

using namespace Parafetch;
using namespace Parafetch::TestSupport;

class TestFetchEngine : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    // First: it sees the process before anything hashed.
    void prepareLooksSha256UpBeforeTheRun_data();
    void prepareLooksSha256UpBeforeTheRun();

    void peakConcurrencyIsTheWorkerCount_data();
    void peakConcurrencyIsTheWorkerCount();
    void concurrencyChangesDuringARun();
    void outcome_data();
    void outcome();
    void retriesUntilSuccess_data();
    void retriesUntilSuccess();
    void retryAfter_data();
    void retryAfter();
    void hugeRetryAfterWaitsTheCap_data();
    void hugeRetryAfterWaitsTheCap();
    void requestCarriesUserAgentAndHeaders();
    void queuedInOrder();
    void pauseStartsNothingNew();
    void cancelAllEndsEveryJob();
    void savesToDirectoryWithoutOverwriting();
    void savedNameTakesTheExtensionOfItsType();
    void failedDownloadLeavesNoFile_data();
    void failedDownloadLeavesNoFile();
    void destroyingMidRunIsClean();
    void summaryAddsUp();
    void politeModeCapsEachHost_data();
    void politeModeCapsEachHost();
    void politeModeBacksOffAThrottlingHost_data();
    void politeModeBacksOffAThrottlingHost();
    void lanesShareFewThreads();
    void workersRunOnTheEnginesOwnPool();
    void actionDecidesRequestAndBody_data();
    void actionDecidesRequestAndBody();
    void finishedJobIsReportedWhileTheOtherLanesStayBusy();

private:
    std::unique_ptr<LoopbackServer> m_server;
};

void TestFetchEngine::init()
{
    // A fresh server per test: statistics and flaky counters start at zero.
    QVERIFY2(startLoopbackServer(m_server), qPrintable(m_server->errorString()));
}

void TestFetchEngine::peakConcurrencyIsTheWorkerCount_data()
{
    QTest::addColumn<int>("workers");
    QTest::addColumn<int>("urls");
    QTest::addColumn<int>("expectedPeak");

    QTest::newRow("10 workers, 20 slow URLs: exactly 10 in flight at the peak") << 10 << 20 << 10;
    QTest::newRow("1 worker: never 2 in flight") << 1 << 5 << 1;
    QTest::newRow("32 workers, 8 URLs: all 8 at once") << 32 << 8 << 8;
}

void TestFetchEngine::peakConcurrencyIsTheWorkerCount()
{
    QFETCH(int, workers);
    QFETCH(int, urls);
    QFETCH(int, expectedPeak);

    QList<QUrl> list;
    for (int i = 0; i < urls; ++i)
        list.append(m_server->url(QStringLiteral("/delay/300/bytes/%1").arg(100 + i)));
    JobQueueModel model;
    model.addEntries(entriesFor(list));
    FetchEngine engine(&model);
    engine.setOptions(testOptions(workers));

    QVERIFY(runToEnd(engine));
    QCOMPARE(model.count(JobState::Succeeded), urls);
    QCOMPARE(m_server->maxInFlight(), expectedPeak);
    QCOMPARE(m_server->requestCount(), qint64(urls));
    QVERIFY(engine.workerCount() <= workers);
}

void TestFetchEngine::concurrencyChangesDuringARun()
{
    QList<QUrl> list;
    for (int i = 0; i < 24; ++i)
        list.append(m_server->url(QStringLiteral("/delay/300/bytes/%1").arg(i + 1)));
    JobQueueModel model;
    model.addEntries(entriesFor(list));
    FetchEngine engine(&model);
    engine.setOptions(testOptions(2));
    QSignalSpy finished(&engine, &FetchEngine::runFinished);
    engine.start();
    QTRY_COMPARE(m_server->inFlight(), 2);
    QCOMPARE(m_server->maxInFlight(), 2);
    engine.setConcurrency(6);
    QTRY_COMPARE(m_server->maxInFlight(), 6);
    QVERIFY(finished.wait(RunTimeoutMs));
    QCOMPARE(m_server->maxInFlight(), 6);
    QCOMPARE(model.count(JobState::Succeeded), 24);
}

void TestFetchEngine::outcome_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<FetchOptions>("options");
    QTest::addColumn<JobState>("state");
    QTest::addColumn<ErrorKind>("kind");
    QTest::addColumn<int>("httpStatus");
    QTest::addColumn<qint64>("bytes");
    QTest::addColumn<QString>("message");

    const FetchOptions plain = testOptions();
    FetchOptions head = plain;
    head.method = FetchOptions::Method::Head;
    FetchOptions fewRedirects = plain;
    fewRedirects.maxRedirects = 3;
    FetchOptions deadline = plain;
    deadline.timeoutMs = 300;
    FetchOptions idle = plain;
    idle.idleTimeoutMs = 200;

    QTest::newRow("200 with a body succeeds")
        << "/bytes/1000" << plain << JobState::Succeeded << ErrorKind::None << 200 << qint64(1000)
        << QString();
    QTest::newRow("an empty 200 succeeds") << "/bytes/0" << plain << JobState::Succeeded
                                           << ErrorKind::None << 200 << qint64(0) << QString();
    QTest::newRow("404 fails with its status")
        << "/status/404" << plain << JobState::Failed << ErrorKind::HttpStatus << 404 << qint64(-1)
        << "HTTP 404";
    QTest::newRow("500 fails with its status")
        << "/status/500" << plain << JobState::Failed << ErrorKind::HttpStatus << 500 << qint64(-1)
        << "HTTP 500";
    QTest::newRow("HEAD succeeds without a body")
        << "/bytes/5000" << head << JobState::Succeeded << ErrorKind::None << 200 << qint64(0)
        << QString();
    QTest::newRow("two redirects are followed") << "/redirect/2" << plain << JobState::Succeeded
                                                << ErrorKind::None << 200 << qint64(2) << QString();
    QTest::newRow("a redirect loop stops at the limit and says so")
        << "/redirect-loop" << fewRedirects << JobState::Failed << ErrorKind::TooManyRedirects
        << 302 << qint64(-1) << "too many redirects (limit 3)";
    QTest::newRow("a slow drip past the deadline is timed out, not cancelled")
        << "/drip/100/50" << deadline << JobState::Failed << ErrorKind::TimedOut << 200
        << qint64(-1) << "timed out after 0.3 s";
    QTest::newRow("silence past the idle timeout is timed out, not cancelled")
        << "/delay/5000" << idle << JobState::Failed << ErrorKind::TimedOut << 0 << qint64(-1)
        << "no data for 0.2 s";
    QTest::newRow("Content-Length longer than the body is truncated")
        << "/truncate/100" << plain << JobState::Failed << ErrorKind::Truncated << 200
        << qint64(100) << "connection closed after 100 of 200 body bytes";
    QTest::newRow("a reset mid-body is truncated")
        << "/reset/100" << plain << JobState::Failed << ErrorKind::Truncated << 200 << qint64(100)
        << "after 100 of 200 body bytes";
    QTest::newRow("connection refused")
        << "refused" << plain << JobState::Failed << ErrorKind::ConnectionRefused << 0 << qint64(0)
        << "connection refused";
}

void TestFetchEngine::outcome()
{
    QFETCH(QString, path);
    QFETCH(FetchOptions, options);
    QFETCH(JobState, state);
    QFETCH(ErrorKind, kind);
    QFETCH(int, httpStatus);
    QFETCH(qint64, bytes);
    QFETCH(QString, message);

    const QUrl url = path == QLatin1String("refused") ? refusedUrl() : m_server->url(path);
    QList<Job> jobs;
    QVERIFY(fetchToEnd({ url }, options, &jobs));

    const Job &job = jobs.at(0);
    QCOMPARE(job.state, state);
    QCOMPARE(job.errorKind, kind);
    QCOMPARE(job.httpStatus, httpStatus);
    if (bytes >= 0)
        QCOMPARE(job.bytesReceived, bytes);
    if (message.isEmpty())
        QVERIFY2(job.errorString().isEmpty(), qPrintable(job.errorString()));
    else
        QVERIFY2(job.errorString().contains(message), qPrintable(job.errorString()));
    QCOMPARE(job.attempts, 1);
    QVERIFY(job.startedAtNs >= job.queuedAtNs);
    QVERIFY(job.finishedAtNs >= job.startedAtNs);
    QVERIFY(job.worker >= 0);
    if (state == JobState::Succeeded && path.startsWith(QLatin1String("/bytes/"))
        && options.method == FetchOptions::Method::Get)
        QCOMPARE(job.sha256, LoopbackServer::expectedSha256(job.bytesReceived));
    if (path.startsWith(QLatin1String("/redirect/")))
        QCOMPARE(job.finalUrl(), m_server->url(QStringLiteral("/redirect/0")));
}

void TestFetchEngine::retriesUntilSuccess_data()
{
    QTest::addColumn<int>("failures");
    QTest::addColumn<int>("retries");
    QTest::addColumn<JobState>("state");
    QTest::addColumn<int>("attempts");

    QTest::newRow("fails twice, two retries: succeeds on the third attempt")
        << 2 << 2 << JobState::Succeeded << 3;
    QTest::newRow("fails twice, one retry: fails with the last 503")
        << 2 << 1 << JobState::Failed << 2;
    QTest::newRow("no failures: one attempt") << 0 << 2 << JobState::Succeeded << 1;
}

void TestFetchEngine::retriesUntilSuccess()
{
    QFETCH(int, failures);
    QFETCH(int, retries);
    QFETCH(JobState, state);
    QFETCH(int, attempts);

    JobQueueModel model;
    model.addEntries(
        entriesFor({ m_server->url(QStringLiteral("/flaky/retry/%1").arg(failures)) }));
    FetchEngine engine(&model);
    FetchOptions options = testOptions();
    options.retries = retries;
    engine.setOptions(options);
    QVERIFY(runToEnd(engine));

    const Job &job = model.jobAt(0);
    QCOMPARE(job.state, state);
    QCOMPARE(job.attempts, attempts);
    QCOMPARE(m_server->requestCount(), qint64(attempts));
    QCOMPARE(job.httpStatus, state == JobState::Succeeded ? 200 : 503);
}

void TestFetchEngine::retryAfter_data()
{
    QTest::addColumn<QByteArray>("value");
    QTest::addColumn<qint64>("expectedMs");

    QTest::newRow("delta seconds") << QByteArray("3") << qint64(3000);
    QTest::newRow("zero") << QByteArray("0") << qint64(0);
    QTest::newRow("padded") << QByteArray(" 2 ") << qint64(2000);
    QTest::newRow("an HTTP-date ten seconds ahead")
        << QByteArray("Wed, 21 Oct 2015 07:28:10 GMT") << qint64(10000);
    QTest::newRow("an HTTP-date in the past means now")
        << QByteArray("Wed, 21 Oct 2015 07:27:00 GMT") << qint64(0);
    QTest::newRow("negative is invalid") << QByteArray("-5") << qint64(-1);
    QTest::newRow("garbage is invalid") << QByteArray("soon") << qint64(-1);

    // Huge values saturate; retryDelayMs() then caps them (hugeRetryAfterWaitsTheCap).
    const qint64 longest = std::numeric_limits<qint64>::max();
    QTest::newRow("the most seconds that still fit as milliseconds")
        << QByteArray("9223372036854775") << qint64(9'223'372'036'854'775'000);
    QTest::newRow("one second more would overflow as milliseconds: the longest delay")
        << QByteArray("9223372036854776") << longest;
    QTest::newRow("more digits than 64 bits hold: the longest delay")
        << QByteArray("99999999999999999999") << longest;
    QTest::newRow("an HTTP-date in the year 9999: that far ahead")
        << QByteArray("Fri, 31 Dec 9999 23:59:59 GMT")
        << QDateTime(QDate(2015, 10, 21), QTime(7, 28, 0), Qt::UTC)
               .msecsTo(QDateTime(QDate(9999, 12, 31), QTime(23, 59, 59), Qt::UTC));
}

void TestFetchEngine::retryAfter()
{
    QFETCH(QByteArray, value);
    QFETCH(qint64, expectedMs);
    const QDateTime now(QDate(2015, 10, 21), QTime(7, 28, 0), Qt::UTC);
    const std::optional<qint64> parsed = FetchTask::parseRetryAfter(value, now);
    QCOMPARE(parsed.value_or(-1), expectedMs);
}

void TestFetchEngine::hugeRetryAfterWaitsTheCap_data()
{
    QTest::addColumn<QByteArray>("retryAfter");

    QTest::newRow("seconds that overflow as milliseconds") << QByteArray("9223372036854776");
    QTest::newRow("more digits than 64 bits hold") << QByteArray("99999999999999999999");
    QTest::newRow("the most seconds that fit as milliseconds") << QByteArray("9223372036854775");
    QTest::newRow("an HTTP-date in the year 9999") << QByteArray("Fri, 31 Dec 9999 23:59:59 GMT");
}

void TestFetchEngine::hugeRetryAfterWaitsTheCap()
{
    // Polite mode announces each host's backoff with the delay the task chose: not 0 (an
    // overflow that retries at once), not the backoff (a value taken for garbage), but the cap.
    QFETCH(QByteArray, retryAfter);
    constexpr int CapMs = 100;
    const QUrl url = m_server->url(QStringLiteral("/flaky/huge/1?status=503&retry-after=%1")
                                       .arg(QString::fromLatin1(retryAfter.toPercentEncoding())));
    JobQueueModel model;
    model.addEntries(entriesFor({ url }));
    FetchEngine engine(&model);
    FetchOptions options = testOptions(1);
    options.retries = 1;
    options.retryBaseDelayMs = 1;
    options.maxRetryAfterMs = CapMs;
    options.perHost = 1;
    engine.setOptions(options);
    QSignalSpy backingOff(&engine, &FetchEngine::hostBackingOff);

    QVERIFY(runToEnd(engine));
    QCOMPARE(model.jobAt(0).state, JobState::Succeeded);
    QCOMPARE(model.jobAt(0).attempts, 2);
    QCOMPARE(backingOff.count(), 1);
    QCOMPARE(backingOff.at(0).at(1).toLongLong(), qint64(CapMs));
}

void TestFetchEngine::requestCarriesUserAgentAndHeaders()
{
    JobQueueModel model;
    model.addEntries(entriesFor({ m_server->url(QStringLiteral("/headers")) }));
    FetchEngine engine(&model);
    FetchOptions options = testOptions();
    options.userAgent = "parafetch-test/1";
    options.headers = { { "X-Trace", "abc" }, { "Accept-Language", "de" } };
    engine.setOptions(options);
    QVERIFY(runToEnd(engine));

    const QList<RecordedRequest> requests = m_server->recordedRequests();
    QCOMPARE(requests.size(), 1);
    QCOMPARE(requests.first().method, QByteArray("GET"));
    QCOMPARE(requests.first().header("user-agent"), QByteArray("parafetch-test/1"));
    QCOMPARE(requests.first().header("x-trace"), QByteArray("abc"));
    QCOMPARE(requests.first().header("accept-language"), QByteArray("de"));
}

void TestFetchEngine::queuedInOrder()
{
    // One worker takes the list strictly in order (reproducible runs, USERS.md 13).
    QList<QUrl> list;
    for (int i = 0; i < 12; ++i)
        list.append(m_server->url(QStringLiteral("/bytes/%1").arg(i)));
    JobQueueModel model;
    model.addEntries(entriesFor(list));
    FetchEngine engine(&model);
    engine.setOptions(testOptions(1));
    QVERIFY(runToEnd(engine));

    const QList<RecordedRequest> requests = m_server->recordedRequests();
    QCOMPARE(requests.size(), 12);
    for (int i = 0; i < 12; ++i)
        QCOMPARE(requests.at(i).target, QStringLiteral("/bytes/%1").arg(i).toLatin1());
    for (int i = 1; i < 12; ++i)
        QVERIFY(model.jobAt(i).startedAtNs >= model.jobAt(i - 1).finishedAtNs);
}

void TestFetchEngine::pauseStartsNothingNew()
{
    QList<QUrl> list;
    for (int i = 0; i < 10; ++i)
        list.append(m_server->url(QStringLiteral("/delay/200/bytes/%1").arg(i + 1)));
    JobQueueModel model;
    model.addEntries(entriesFor(list));
    FetchEngine engine(&model);
    engine.setOptions(testOptions(2));
    QSignalSpy jobFinished(&engine, &FetchEngine::jobFinished);
    QSignalSpy runFinished(&engine, &FetchEngine::runFinished);
    engine.start();
    QTRY_COMPARE(m_server->inFlight(), 2);
    engine.pause();
    // The two running jobs finish; nothing else starts.
    QTRY_COMPARE(jobFinished.count(), 2);
    QTRY_COMPARE(engine.activeCount(), 0);
    QCOMPARE(m_server->requestCount(), qint64(2));
    QCOMPARE(model.count(JobState::Queued), 8);
    QCOMPARE(runFinished.count(), 0);

    engine.resume();
    QVERIFY(runFinished.wait(RunTimeoutMs));
    QCOMPARE(model.count(JobState::Succeeded), 10);
    QCOMPARE(m_server->requestCount(), qint64(10));
    QCOMPARE(m_server->maxInFlight(), 2);
}

void TestFetchEngine::cancelAllEndsEveryJob()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QList<QUrl> list;
    for (int i = 0; i < 20; ++i)
        list.append(m_server->url(QStringLiteral("/drip/1000/20")));
    JobQueueModel model;
    model.addEntries(entriesFor(list));
    FetchEngine engine(&model);
    FetchOptions options = testOptions(4);
    options.outputDirectory = dir.path();
    engine.setOptions(options);
    QSignalSpy runFinished(&engine, &FetchEngine::runFinished);
    engine.start();
    QTRY_COMPARE(m_server->inFlight(), 4);
    // Wait until bodies are streaming, so .part files exist when we cancel.
    QTRY_VERIFY(!QDir(dir.path()).entryList(QDir::Files).isEmpty());
    engine.cancelAll();
    QVERIFY(runFinished.wait(RunTimeoutMs));

    QCOMPARE(model.count(JobState::Cancelled), 20);
    for (const Job &job : model.jobs())
        QCOMPARE(job.errorKind, ErrorKind::Cancelled);
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files), QStringList());
    QTRY_COMPARE(m_server->inFlight(), 0);
}

void TestFetchEngine::savesToDirectoryWithoutOverwriting()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    {
        QFile userFile(dir.filePath(QStringLiteral("1000")));
        QVERIFY(userFile.open(QIODevice::WriteOnly));
        userFile.write("the user's own file");
    }
    // Four URLs that all want the name "1000", one with a name from the list.
    QList<UrlEntry> entries = entriesFor({ m_server->url(QStringLiteral("/bytes/1000")),
                                           m_server->url(QStringLiteral("/delay/50/bytes/1000")),
                                           m_server->url(QStringLiteral("/delay/10/bytes/1000")),
                                           m_server->url(QStringLiteral("/bytes/2000")) });
    entries[3].fileName = QStringLiteral("../chosen name.bin");
    JobQueueModel model;
    model.addEntries(entries);
    FetchEngine engine(&model);
    FetchOptions options = testOptions(4);
    options.outputDirectory = dir.path();
    engine.setOptions(options);
    QVERIFY(runToEnd(engine));
    QCOMPARE(model.count(JobState::Succeeded), 4);

    QStringList expected { QStringLiteral("1000"), QStringLiteral("1000 (1)"),
                           QStringLiteral("1000 (2)"), QStringLiteral("1000 (3)"),
                           QStringLiteral("chosen name.bin") };
    QStringList actual = QDir(dir.path()).entryList(QDir::Files, QDir::Name);
    QCOMPARE(actual, expected);
    QFile userFile(dir.filePath(QStringLiteral("1000")));
    QVERIFY(userFile.open(QIODevice::ReadOnly));
    QCOMPARE(userFile.readAll(), QByteArray("the user's own file"));

    QSet<QString> savedPaths;
    for (const Job &job : model.jobs()) {
        QVERIFY(!job.savedPath().isEmpty());
        QFile saved(job.savedPath());
        QVERIFY(saved.open(QIODevice::ReadOnly));
        const QByteArray body = saved.readAll();
        QCOMPARE(body.size(), job.bytesReceived);
        QCOMPARE(QCryptographicHash::hash(body, QCryptographicHash::Sha256), job.sha256);
        savedPaths.insert(job.savedPath());
    }
    QCOMPARE(savedPaths.size(), 4);
    QCOMPARE(model.jobAt(3).savedPath(), dir.filePath(QStringLiteral("chosen name.bin")));
}

void TestFetchEngine::savedNameTakesTheExtensionOfItsType()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    // A URL without an extension is named after its Content-Type; one with an extension, a
    // type that says nothing, and the server's own Content-Disposition name are kept.
    const QList<UrlEntry> entries = entriesFor(
        { m_server->url(QStringLiteral("/typed/report?type=application%2Fpdf")),
          m_server->url(QStringLiteral("/typed/data?type=application%2Fjson%3B%20charset%3Dutf-8")),
          m_server->url(QStringLiteral("/typed/photo.jpeg?type=image%2Fpng")),
          m_server->url(QStringLiteral("/typed/blob?type=application%2Foctet-stream")),
          m_server->url(QStringLiteral("/attachment/named")) });
    JobQueueModel model;
    model.addEntries(entries);
    FetchEngine engine(&model);
    FetchOptions options = testOptions(2);
    options.outputDirectory = dir.path();
    engine.setOptions(options);
    QVERIFY(runToEnd(engine));
    QCOMPARE(model.count(JobState::Succeeded), entries.size());

    const QStringList expected { QStringLiteral("report.pdf"), QStringLiteral("data.json"),
                                 QStringLiteral("photo.jpeg"), QStringLiteral("blob"),
                                 QStringLiteral("named") };
    for (int row = 0; row < expected.size(); ++row)
        QCOMPARE(model.jobAt(row).savedPath(), dir.filePath(expected.at(row)));
    QStringList sorted = expected;
    sorted.sort();
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files, QDir::Name), sorted);
}

void TestFetchEngine::failedDownloadLeavesNoFile_data()
{
    QTest::addColumn<QString>("path");
    QTest::addColumn<int>("attempts");
    QTest::newRow("truncated body, retried once") << "/truncate/5000" << 2;
    QTest::newRow("reset mid-body, retried once") << "/reset/5000" << 2;
    QTest::newRow("404: its body is not saved, and it is not retried") << "/status/404" << 1;
}

void TestFetchEngine::failedDownloadLeavesNoFile()
{
    QFETCH(QString, path);
    QFETCH(int, attempts);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    JobQueueModel model;
    model.addEntries(entriesFor({ m_server->url(path) }));
    FetchEngine engine(&model);
    FetchOptions options = testOptions();
    options.outputDirectory = dir.path();
    options.retries = 1;
    engine.setOptions(options);
    QVERIFY(runToEnd(engine));
    QCOMPARE(model.jobAt(0).state, JobState::Failed);
    QCOMPARE(model.jobAt(0).attempts, attempts);
    QVERIFY(model.jobAt(0).savedPath().isEmpty());
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden), QStringList());
}

void TestFetchEngine::destroyingMidRunIsClean()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    JobQueueModel model;
    QList<QUrl> list;
    for (int i = 0; i < 16; ++i)
        list.append(m_server->url(QStringLiteral("/drip/1000/20")));
    model.addEntries(entriesFor(list));
    {
        FetchEngine engine(&model);
        FetchOptions options = testOptions(8);
        options.outputDirectory = dir.path();
        engine.setOptions(options);
        engine.start();
        QTRY_COMPARE(m_server->inFlight(), 8);
        QTRY_VERIFY(!QDir(dir.path()).entryList(QDir::Files).isEmpty());
    } // the engine cancels, aborts and waits for its threads here
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden), QStringList());
    QTRY_COMPARE(m_server->inFlight(), 0);
}

void TestFetchEngine::summaryAddsUp()
{
    QList<QUrl> list;
    for (int i = 0; i < 8; ++i)
        list.append(m_server->url(QStringLiteral("/delay/100/bytes/1024")));
    list.append(m_server->url(QStringLiteral("/status/404")));
    JobQueueModel model;
    model.addEntries(entriesFor(list));
    FetchEngine engine(&model);
    engine.setOptions(testOptions(4));
    QVERIFY(runToEnd(engine));

    const RunSummary summary = model.summary();
    QCOMPARE(summary.total, 9);
    QCOMPARE(summary.succeeded, 8);
    QCOMPARE(summary.failed, 1);
    QCOMPARE(summary.byErrorKind[std::size_t(ErrorKind::HttpStatus)], 1);
    QCOMPARE(summary.bytes, qint64(8 * 1024) + model.jobAt(8).bytesReceived);
    qint64 serial = 0;
    std::vector<std::pair<qint64, qint64>> busy;
    for (const Job &job : model.jobs()) {
        serial += job.durationNs();
        busy.emplace_back(job.startedAtNs, job.finishedAtNs);
    }
    QCOMPARE(summary.serialNs, serial);
    // Wall time: the union of the jobs' intervals, swept here in start order.
    std::sort(busy.begin(), busy.end());
    qint64 wall = 0, coveredTo = 0;
    for (const auto &[start, finish] : busy) {
        wall += std::max<qint64>(0, finish - std::max(start, coveredTo));
        coveredTo = std::max(coveredTo, finish);
    }
    QCOMPARE(summary.wallNs, wall);
    // Four at a time: jobs overlapped, so the serial sum exceeds the wall time.
    QVERIFY(summary.serialNs > summary.wallNs);
    QCOMPARE(m_server->maxInFlight(), 4);
}

void TestFetchEngine::politeModeCapsEachHost_data()
{
    QTest::addColumn<int>("perHost");
    QTest::addColumn<int>("expectedPeakPerServer");

    QTest::newRow("off: all 8 workers on the first host, then all 8 on the other") << 0 << 8;
    QTest::newRow("2 per host: never 3 on one host, 2 on each at once") << 2 << 2;
    QTest::newRow("1 per host: one at a time on each") << 1 << 1;
}

void TestFetchEngine::politeModeCapsEachHost()
{
    QFETCH(int, perHost);
    QFETCH(int, expectedPeakPerServer);

    // Two hosts: the same kind of server on 127.0.0.1 and on ::1. Not "localhost" for either:
    // where it names ::1 first (stock Debian), Qt tries ::1 and 127.0.0.1 side by side.
    LoopbackServer other;
    QVERIFY2(other.listen(0, 2, QHostAddress(QHostAddress::LocalHostIPv6)),
             qPrintable(other.errorString()));
    QList<QUrl> list;
    for (int i = 0; i < 8; ++i) {
        list.append(m_server->url(QStringLiteral("/delay/300/bytes/%1").arg(i + 1)));
        list.append(other.url(QStringLiteral("/delay/300/bytes/%1").arg(i + 1)));
    }
    std::sort(list.begin(), list.end(), [](const QUrl &a, const QUrl &b) {
        return a.host() < b.host(); // one host's URLs first: the cap must hold back, not the order
    });
    JobQueueModel model;
    model.addEntries(entriesFor(list));
    FetchEngine engine(&model);
    FetchOptions options = testOptions(8);
    options.perHost = perHost;
    engine.setOptions(options);

    QVERIFY(runToEnd(engine));
    QCOMPARE(model.count(JobState::Succeeded), 16);
    // The engine's own view: how many of a host's fetches overlapped at most.
    const auto peakOf = [&model](const QString &host) {
        QList<QPair<qint64, int>> edges; // +1 at a start, -1 at a finish (finishes first on ties)
        for (const Job &job : model.jobs()) {
            if (job.url.host() == host)
                edges += { { job.startedAtNs, 1 }, { job.finishedAtNs, -1 } };
        }
        std::sort(edges.begin(), edges.end());
        int running = 0, peak = 0;
        for (const auto &edge : std::as_const(edges))
            peak = std::max(peak, running += edge.second);
        return peak;
    };
    QCOMPARE(peakOf(QStringLiteral("127.0.0.1")), expectedPeakPerServer);
    QCOMPARE(peakOf(QStringLiteral("::1")), expectedPeakPerServer);
    // And the servers' view.
    QCOMPARE(m_server->maxInFlight(), expectedPeakPerServer);
    QCOMPARE(other.maxInFlight(), expectedPeakPerServer);
}

void TestFetchEngine::politeModeBacksOffAThrottlingHost_data()
{
    QTest::addColumn<int>("perHost");
    QTest::addColumn<bool>("backsOff");

    QTest::newRow("polite: the host's other URLs wait for its Retry-After") << 2 << true;
    QTest::newRow("not polite: only the throttled URL waits") << 0 << false;
}

void TestFetchEngine::politeModeBacksOffAThrottlingHost()
{
    QFETCH(int, perHost);
    QFETCH(bool, backsOff);

    QList<QUrl> list { m_server->url(QStringLiteral("/flaky/polite/1?status=429&retry-after=2")) };
    for (int i = 1; i <= 4; ++i)
        list.append(m_server->url(QStringLiteral("/delay/300/bytes/%1").arg(i)));
    JobQueueModel model;
    model.addEntries(entriesFor(list));
    FetchEngine engine(&model);
    FetchOptions options = testOptions(2);
    options.retries = 1;
    options.perHost = perHost;
    engine.setOptions(options);
    QSignalSpy backingOff(&engine, &FetchEngine::hostBackingOff);

    QVERIFY(runToEnd(engine));
    QCOMPARE(model.count(JobState::Succeeded), 5);
    QCOMPARE(model.jobAt(0).attempts, 2);
    QCOMPARE(backingOff.count(), backsOff ? 1 : 0);
    QCOMPARE(engine.hostBackoffCount(), backsOff ? 1 : 0);
    if (backsOff) {
        QCOMPARE(backingOff.at(0).at(0).toString(), QStringLiteral("127.0.0.1"));
        QCOMPARE(backingOff.at(0).at(1).toLongLong(), 2000);
    }

    // When the server answered 429, when the throttled URL came back, and when each later URL
    // (all but /bytes/1, which started together with the 429) reached it.
    QList<qint64> throttled, others;
    for (const RecordedRequest &request : m_server->recordedRequests()) {
        if (request.target.startsWith("/flaky/"))
            throttled.append(request.receivedAtNs);
        else if (!request.target.endsWith("/bytes/1"))
            others.append(request.receivedAtNs);
    }
    QCOMPARE(throttled.size(), 2);
    QCOMPARE(others.size(), 3);
    const qint64 retryAfterNs = 2'000'000'000;
    if (backsOff) {
        // Nothing more went to the host within its Retry-After.
        QVERIFY(std::all_of(others.cbegin(), others.cend(),
                            [&](qint64 at) { return at - throttled.first() >= retryAfterNs; }));
    } else {
        // The next URL went as soon as a worker was free, before the throttled one came back.
        QVERIFY(std::any_of(others.cbegin(), others.cend(),
                            [&](qint64 at) { return at < throttled.last(); }));
    }
}

void TestFetchEngine::lanesShareFewThreads()
{
    QList<QUrl> list;
    for (int i = 0; i < 40; ++i)
        list.append(m_server->url(QStringLiteral("/delay/200/bytes/%1").arg(i + 1)));
    JobQueueModel model;
    model.addEntries(entriesFor(list));
    FetchEngine engine(&model);
    engine.setOptions(testOptions(40));

    QVERIFY(runToEnd(engine));
    QCOMPARE(m_server->maxInFlight(), 40);
    QCOMPARE(engine.workerCount(), 40);
    // Forty lanes in flight, driven by at most one worker per CPU (up to four).
    QVERIFY2(engine.threadCount() >= 1 && engine.threadCount() <= 4,
             qPrintable(QString::number(engine.threadCount())));
    QSet<int> lanes, threads;
    for (const Job &job : model.jobs()) {
        lanes.insert(job.worker);
        threads.insert(job.thread);
    }
    QCOMPARE(lanes.size(), 40);
    QCOMPARE(threads.size(), engine.threadCount());
}

void TestFetchEngine::prepareLooksSha256UpBeforeTheRun_data()
{
    QTest::addColumn<bool>("hash");
    QTest::addColumn<bool>("head");
    QTest::addColumn<bool>("prepared"); // libcrypto's SHA-256 looked up before any task ran

    // The rows that hash nothing come first: the lookup, once made, is the process's.
    QTest::newRow("GET, --no-hash: nothing to prepare") << false << false << false;
    QTest::newRow("HEAD: no body to hash") << true << true << false;
    QTest::newRow("GET, hashed: looked up by a worker") << true << false << true;
}

void TestFetchEngine::prepareLooksSha256UpBeforeTheRun()
{
    QFETCH(bool, hash);
    QFETCH(bool, head);
    QFETCH(bool, prepared);
    QVERIFY2(!Sha256::isPrepared(), "something hashed before this test");

    JobQueueModel model;
    model.addEntries(entriesFor({ m_server->url(QStringLiteral("/bytes/7")) }));
    FetchEngine engine(&model);
    FetchOptions options = testOptions(2);
    options.computeSha256 = hash;
    options.method = head ? FetchOptions::Method::Head : FetchOptions::Method::Get;
    engine.setOptions(options);
    QCOMPARE(engine.prepare(), prepared);
    if (prepared)
        QTRY_VERIFY_WITH_TIMEOUT(Sha256::isPrepared(), RunTimeoutMs); // no task has run
    QCOMPARE(m_server->requestCount(), 0);

    QVERIFY(runToEnd(engine));
    const Job &job = model.jobAt(0);
    QCOMPARE(job.state, JobState::Succeeded);
    QCOMPARE(job.sha256.isEmpty(), !prepared);
    QCOMPARE(Sha256::isPrepared(), prepared);
    if (prepared)
        QCOMPARE(job.sha256, LoopbackServer::expectedSha256(7));
}

void TestFetchEngine::workersRunOnTheEnginesOwnPool()
{
    QList<QUrl> list;
    for (int i = 0; i < 24; ++i)
        list.append(m_server->url(QStringLiteral("/delay/60000/bytes/%1").arg(i + 1)));
    JobQueueModel model;
    model.addEntries(entriesFor(list));
    FetchEngine engine(&model);
    engine.setOptions(testOptions(12));

    const QThreadPool &pool = engine.threadPool();
    QVERIFY(&pool != QThreadPool::globalInstance());
    QCOMPARE(pool.expiryTimeout(), -1); // a thread that ends takes its connections with it
    QVERIFY2(pool.maxThreadCount() >= 1 && pool.maxThreadCount() <= 4,
             qPrintable(QString::number(pool.maxThreadCount())));
    const int globalBusy = QThreadPool::globalInstance()->activeThreadCount();

    engine.start();
    QTRY_COMPARE(m_server->inFlight(), 12);
    // One long-running worker per pool thread drives the twelve lanes.
    QCOMPARE(engine.threadCount(), pool.maxThreadCount());
    QCOMPARE(pool.activeThreadCount(), engine.threadCount());
    QCOMPARE(QThreadPool::globalInstance()->activeThreadCount(), globalBusy);

    engine.shutdown(); // every worker returns from run(); the pool keeps its threads
    QCOMPARE(pool.activeThreadCount(), 0);
    QCOMPARE(engine.threadCount(), 0);
    QTRY_COMPARE(m_server->inFlight(), 0);

    // The same engine runs again, on the threads its pool kept.
    model.addEntries(entriesFor({ m_server->url(QStringLiteral("/bytes/7")) }));
    QVERIFY(runToEnd(engine));
    const Job &last = model.jobAt(model.rowCount() - 1);
    QCOMPARE(last.state, JobState::Succeeded);
    QCOMPARE(last.bytesReceived, 7);
    QCOMPARE(pool.activeThreadCount(), engine.threadCount());
}

void TestFetchEngine::actionDecidesRequestAndBody_data()
{
    QTest::addColumn<bool>("head");
    QTest::addColumn<bool>("toFolder");
    QTest::addColumn<FetchAction>("action");

    QTest::newRow("GET, bodies discarded: fetch and hash") << false << false << FetchAction::Fetch;
    QTest::newRow("HEAD: check") << true << false << FetchAction::Check;
    QTest::newRow("HEAD with a folder: still only a check") << true << true << FetchAction::Check;
    QTest::newRow("GET into a folder: download") << false << true << FetchAction::Download;
}

void TestFetchEngine::actionDecidesRequestAndBody()
{
    QFETCH(bool, head);
    QFETCH(bool, toFolder);
    QFETCH(FetchAction, action);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    FetchOptions options = testOptions(2);
    options.method = head ? FetchOptions::Method::Head : FetchOptions::Method::Get;
    if (toFolder)
        options.outputDirectory = dir.path();
    QCOMPARE(actionFor(options), action);
    const ActionTraits &traits = traitsOf(action);
    QCOMPARE(traits.action, action);

    JobQueueModel model;
    model.addEntries(entriesFor({ m_server->url(QStringLiteral("/bytes/300")) }));
    FetchEngine engine(&model);
    engine.setOptions(options);
    QVERIFY(runToEnd(engine));
    const Job &job = model.jobAt(0);
    QCOMPARE(job.state, JobState::Succeeded);
    QCOMPARE(job.bytesReceived, traits.readsBody ? 300 : 0);
    QCOMPARE(job.sha256.isEmpty(), !traits.readsBody);
    QCOMPARE(job.savedPath().isEmpty(), !traits.savesBody);
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden).size(),
             traits.savesBody ? 1 : 0);
}

void TestFetchEngine::finishedJobIsReportedWhileTheOtherLanesStayBusy()
{
    // Engine threads hand finished jobs over a few at a time. One fast URL among slow ones,
    // with more slow ones queued, makes its thread hold the result (a batch is not full, the
    // queue is not low, other lanes run); the result must still arrive while they all run.
    constexpr int Lanes = 8;
    constexpr int SlowMs = 60'000; // the slow URLs never finish within the test
    QList<QUrl> list { m_server->url(QStringLiteral("/bytes/10")) };
    for (int i = 0; i < 3 * Lanes; ++i)
        list.append(m_server->url(QStringLiteral("/delay/%1/bytes/%2").arg(SlowMs).arg(i + 1)));
    JobQueueModel model;
    model.addEntries(entriesFor(list));
    FetchEngine engine(&model);
    engine.setOptions(testOptions(Lanes));
    QSignalSpy finished(&engine, &FetchEngine::jobFinished);
    QSignalSpy runFinished(&engine, &FetchEngine::runFinished);
    engine.start();

    QVERIFY(finished.wait(SlowMs / 2)); // not held until a slow one finishes
    QCOMPARE(finished.count(), 1);
    QCOMPARE(finished.at(0).at(0).value<Job>().url, list.first());
    QCOMPARE(finished.at(0).at(0).value<Job>().state, JobState::Succeeded);
    QTRY_COMPARE(m_server->inFlight(), Lanes); // the fast lane took the next slow URL
    QCOMPARE(finished.count(), 1);

    engine.cancelAll();
    QVERIFY(runFinished.wait(RunTimeoutMs));
    QCOMPARE(model.count(JobState::Cancelled), 3 * Lanes);
}

QTEST_GUILESS_MAIN(TestFetchEngine)
#include "tst_fetchengine.moc"
