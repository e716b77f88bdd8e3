// SPDX-License-Identifier: GPL-3.0-or-later
// Bandwidth caps: the token bucket's arithmetic on a clock of our own, then the engine under a
// cap, proved by when the loopback server saw each request (a lower bound the cap guarantees
// however busy the machine is) and by bodies that still hash right.
#include "engine/fetchengine.h"
#include "engine/ratelimiter.h"
#include "fetchoptions.h"
#include "jobqueuemodel.h"
#include "server/loopbackserver.h"
#include "testsupport.h"
#include "units.h"
#include "urllistparser.h"

#include <QSignalSpy>
#include <QtTest>

#include <chrono>

using namespace Parafetch;
using namespace Parafetch::TestSupport;

namespace {

// When the server saw the request for each target, by target.
QHash<QByteArray, qint64> arrivals(const LoopbackServer &server)
{
    QHash<QByteArray, qint64> result;
    for (const RecordedRequest &request : server.recordedRequests())
        result.insert(request.target, request.receivedAtNs);
    return result;
}

} // namespace

class TestRateLimit : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void parsesRatesAsCurlDoes_data();
    void parsesRatesAsCurlDoes();
    void rateTextReadsBack_data();
    void rateTextReadsBack();
    void bucketHoldsTheRate_data();
    void bucketHoldsTheRate();
    void bucketSavesNoIdleTime();
    void bucketTakesBackWhatWasNotRead();
    void bucketFollowsARateChange();

    void parsesRequestRatesAsCurlDoes_data();
    void parsesRequestRatesAsCurlDoes();
    void requestRateSpacesTheStarts_data();
    void requestRateSpacesTheStarts();

    void globalCapSpacesTheRequests();
    void perUrlCapHoldsEachDownload();
    void liftingTheCapMidRunFinishesAtOnce();

private:
    std::unique_ptr<LoopbackServer> m_server;
};

void TestRateLimit::parsesRatesAsCurlDoes_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<qint64>("expected"); // -1: refused

    QTest::newRow("bytes") << QStringLiteral("2048") << qint64(2048);
    QTest::newRow("zero lifts the cap") << QStringLiteral("0") << qint64(0);
    QTest::newRow("K is KiB") << QStringLiteral("500K") << qint64(500 * 1024);
    QTest::newRow("lower-case k") << QStringLiteral("500k") << qint64(500 * 1024);
    QTest::newRow("decimal M") << QStringLiteral("1.5M") << qint64(1572864);
    QTest::newRow("G") << QStringLiteral("2G") << qint64(2) * Units::BytesPerGiB;
    QTest::newRow("spaces around") << QStringLiteral(" 64K ") << qint64(65536);
    QTest::newRow("unknown suffix") << QStringLiteral("5Q") << qint64(-1);
    QTest::newRow("negative") << QStringLiteral("-1K") << qint64(-1);
    QTest::newRow("empty") << QString() << qint64(-1);
    QTest::newRow("suffix alone") << QStringLiteral("M") << qint64(-1);
    QTest::newRow("two points") << QStringLiteral("1.2.3K") << qint64(-1);
    QTest::newRow("exponent") << QStringLiteral("1e3") << qint64(-1);
    QTest::newRow("beyond any link") << QStringLiteral("99999999G") << qint64(-1);
}

void TestRateLimit::parsesRatesAsCurlDoes()
{
    QFETCH(QString, text);
    QFETCH(qint64, expected);
    QString error;
    const std::optional<qint64> rate = FetchOptions::parseByteRate(text, &error);
    if (expected < 0) {
        QVERIFY(!rate);
        QVERIFY2(error.contains(QStringLiteral("not a rate")), qPrintable(error));
    } else {
        QVERIFY2(rate, qPrintable(error));
        QCOMPARE(*rate, expected);
    }
}

void TestRateLimit::rateTextReadsBack_data()
{
    QTest::addColumn<qint64>("rate");
    QTest::addColumn<QString>("text");

    QTest::newRow("none") << qint64(0) << QStringLiteral("0");
    QTest::newRow("bytes") << qint64(1000) << QStringLiteral("1000");
    QTest::newRow("KiB") << qint64(512 * 1024) << QStringLiteral("512K");
    QTest::newRow("MiB and a half") << qint64(1572864) << QStringLiteral("1.5M");
    QTest::newRow("GiB") << Units::BytesPerGiB << QStringLiteral("1G");
    QTest::newRow("not a whole KiB") << qint64(1500) << QStringLiteral("1500");
}

void TestRateLimit::rateTextReadsBack()
{
    QFETCH(qint64, rate);
    QFETCH(QString, text);
    QCOMPARE(FetchOptions::byteRateText(rate), text);
    QCOMPARE(FetchOptions::parseByteRate(text, nullptr), std::optional<qint64>(rate));
}

void TestRateLimit::bucketHoldsTheRate_data()
{
    QTest::addColumn<qint64>("rate");
    QTest::addColumn<qint64>("wanted"); // per read
    QTest::addColumn<int>("readers");

    QTest::newRow("1 MiB/s, one reader of 256 KiB reads")
        << Units::BytesPerMiB << qint64(256 * 1024) << 1;
    QTest::newRow("1 MiB/s, eight readers share it")
        << Units::BytesPerMiB << qint64(256 * 1024) << 8;
    QTest::newRow("10 KiB/s, reads larger than a grant")
        << qint64(10 * 1024) << qint64(64 * 1024) << 3;
    QTest::newRow("100 bytes/s: whole KiB at a time") << qint64(100) << qint64(1 << 20) << 2;
}

void TestRateLimit::bucketHoldsTheRate()
{
    QFETCH(qint64, rate);
    QFETCH(qint64, wanted);
    QFETCH(int, readers);

    // Readers that read whenever they are allowed to, woken when they are told, on a simulated
    // clock: over 20 s the bytes taken are the rate's, give or take one burst and one grant.
    ByteRateLimiter limiter(rate);
    const qint64 spanNs = 20 * Units::NsPerSecond;
    std::vector<qint64> wakeAt(std::size_t(readers), 0);
    qint64 taken = 0;
    qint64 largestGrant = 0;
    for (;;) {
        const auto next = std::min_element(wakeAt.begin(), wakeAt.end());
        const qint64 now = *next;
        if (now >= spanNs)
            break;
        qint64 waitNs = -1;
        const qint64 granted = limiter.take(wanted, now, &waitNs);
        if (granted > 0) {
            QVERIFY(granted <= wanted);
            taken += granted;
            largestGrant = std::max(largestGrant, granted);
            *next = now + 1; // reads again at once
        } else {
            QVERIFY(waitNs > 0);
            *next = now + waitNs;
        }
    }
    const double expected = double(rate) * double(spanNs) / double(Units::NsPerSecond);
    const double burst =
        double(rate) * double(ByteRateLimiter::BurstNs) / double(Units::NsPerSecond);
    QVERIFY2(
        double(taken) <= expected + burst + double(largestGrant),
        qPrintable(QStringLiteral("took %1 bytes, the rate allows %2").arg(taken).arg(expected)));
    QVERIFY2(double(taken) >= expected - double(largestGrant),
             qPrintable(QStringLiteral("took %1 bytes of %2: the cap held readers back too long")
                            .arg(taken)
                            .arg(expected)));
}

void TestRateLimit::bucketSavesNoIdleTime()
{
    // A reader that paused for a minute gets one burst, not a minute's worth.
    ByteRateLimiter limiter(Units::BytesPerMiB);
    qint64 waitNs = 0;
    QVERIFY(limiter.take(Units::BytesPerMiB, 0, &waitNs) > 0);
    const qint64 later = 60 * Units::NsPerSecond;
    qint64 total = 0;
    for (qint64 granted; (granted = limiter.take(Units::BytesPerMiB, later, &waitNs)) > 0;)
        total += granted;
    QVERIFY2(total <= Units::BytesPerMiB / 10,
             qPrintable(QStringLiteral("%1 bytes at once after an idle minute").arg(total)));
    QVERIFY(total > 0);
}

void TestRateLimit::bucketTakesBackWhatWasNotRead()
{
    ByteRateLimiter limiter(100 * Units::BytesPerKiB);
    qint64 waitNs = 0;
    qint64 first = 0;
    for (qint64 granted; (granted = limiter.take(4096, 0, &waitNs)) > 0;)
        first += granted;
    QCOMPARE(limiter.take(4096, 0, &waitNs), qint64(0));
    limiter.giveBack(4096);
    QCOMPARE(limiter.take(4096, 0, &waitNs), qint64(4096));
    QVERIFY(first > 0);
}

void TestRateLimit::bucketFollowsARateChange()
{
    ByteRateLimiter limiter(Units::BytesPerKiB);
    qint64 waitNs = 0;
    while (limiter.take(Units::BytesPerMiB, 0, &waitNs) > 0) { }
    QVERIFY(waitNs > 0);
    limiter.setRate(0); // lifted: everything at once
    QCOMPARE(limiter.take(Units::BytesPerMiB, 0, &waitNs), Units::BytesPerMiB);
    QVERIFY(!limiter.isLimited());
}

void TestRateLimit::parsesRequestRatesAsCurlDoes_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<qint64>("intervalNs"); // -1: refused

    QTest::newRow("per second") << QStringLiteral("20/s") << qint64(50'000'000);
    QTest::newRow("per minute") << QStringLiteral("600/m") << qint64(100'000'000);
    QTest::newRow("per hour") << QStringLiteral("3600/h") << Units::NsPerSecond;
    QTest::newRow("per day") << QStringLiteral("24/d") << 3600 * Units::NsPerSecond;
    QTest::newRow("a bare number is per hour, as curl")
        << QStringLiteral("2") << 1800 * Units::NsPerSecond;
    QTest::newRow("spaces around the slash") << QStringLiteral(" 4 / s ") << qint64(250'000'000);
    QTest::newRow("zero") << QStringLiteral("0/s") << qint64(-1);
    QTest::newRow("unknown unit") << QStringLiteral("5/w") << qint64(-1);
    QTest::newRow("a fraction") << QStringLiteral("1.5/s") << qint64(-1);
    QTest::newRow("negative") << QStringLiteral("-3/s") << qint64(-1);
    QTest::newRow("no number") << QStringLiteral("/s") << qint64(-1);
    QTest::newRow("beyond a million a second") << QStringLiteral("2000000/s") << qint64(-1);
}

void TestRateLimit::parsesRequestRatesAsCurlDoes()
{
    QFETCH(QString, text);
    QFETCH(qint64, intervalNs);
    QString error;
    const std::optional<qint64> interval = FetchOptions::parseRequestRate(text, &error);
    if (intervalNs < 0) {
        QVERIFY(!interval);
        QVERIFY2(error.contains(QStringLiteral("not a request rate")), qPrintable(error));
    } else {
        QVERIFY2(interval, qPrintable(error));
        QCOMPARE(*interval, intervalNs);
    }
}

void TestRateLimit::requestRateSpacesTheStarts_data()
{
    QTest::addColumn<bool>("perHost"); // --per-host-interval rather than --rate

    QTest::newRow("--rate 20/s on 8 lanes") << false;
    QTest::newRow("--per-host-interval 0.05 on 8 lanes") << true;
}

void TestRateLimit::requestRateSpacesTheStarts()
{
    QFETCH(bool, perHost);
    QVERIFY2(startLoopbackServer(m_server), qPrintable(m_server->errorString()));
    // 12 URLs on 8 lanes, one start every 50 ms: however free the lanes are, the last of the
    // 12 requests reaches the server at least 11 intervals after the run began. Measured from
    // before the start on the server's own clock (steady_clock), so no delay of the machine's
    // can make the bound fail: a late first request only makes the span longer.
    constexpr int Urls = 12;
    constexpr qint64 IntervalNs = 50'000'000;
    QList<QUrl> urls;
    for (int i = 0; i < Urls; ++i)
        urls.append(m_server->url(QStringLiteral("/bytes/10?n=%1").arg(i)));
    JobQueueModel model;
    model.addEntries(entriesFor(urls));
    FetchEngine engine(&model);
    FetchOptions options = testOptions(8);
    (perHost ? options.perHostIntervalNs : options.startIntervalNs) = IntervalNs;
    engine.setOptions(options);
    const qint64 startNs = std::chrono::duration_cast<std::chrono::nanoseconds>(
                               std::chrono::steady_clock::now().time_since_epoch())
                               .count();
    QVERIFY(runToEnd(engine, 60'000));
    QCOMPARE(model.count(JobState::Succeeded), Urls);
    QCOMPARE(m_server->requestCount(), qint64(Urls));

    const QHash<QByteArray, qint64> seen = arrivals(*m_server);
    QCOMPARE(seen.size(), Urls);
    const qint64 last = *std::max_element(seen.cbegin(), seen.cend());
    const qint64 lowerBoundNs = (Urls - 1) * IntervalNs;
    QVERIFY2(last - startNs >= lowerBoundNs,
             qPrintable(QStringLiteral("the 12th request came %1 ms after the start; paced, no "
                                       "less than %2 ms")
                            .arg(double(last - startNs) / 1e6)
                            .arg(double(lowerBoundNs) / 1e6)));
}

void TestRateLimit::globalCapSpacesTheRequests()
{
    QVERIFY2(startLoopbackServer(m_server), qPrintable(m_server->errorString()));
    // 24 bodies of 64 KiB on 4 lanes under 512 KiB/s for the run. A lane asks for its next URL
    // only when it has read its last one through the cap, so when the last request reaches the
    // server at least 20 bodies (1.25 MiB) have passed the cap: that took at least
    // (1.25 MiB - two bursts) / 512 KiB/s = 2.4 s after the first request, whatever the machine.
    // Two bursts: the bucket lets a reader take while it is less than a burst ahead, and the
    // grant that takes it there may be a burst itself.
    constexpr int Urls = 24, Lanes = 4;
    constexpr qint64 BodyBytes = 64 * 1024, Rate = 512 * 1024;
    QList<QUrl> urls;
    for (int i = 0; i < Urls; ++i)
        urls.append(m_server->url(QStringLiteral("/bytes/%1?n=%2").arg(BodyBytes).arg(i)));
    JobQueueModel model;
    model.addEntries(entriesFor(urls));
    FetchEngine engine(&model);
    FetchOptions options = testOptions(Lanes);
    options.limitRate = Rate;
    engine.setOptions(options);
    QVERIFY(runToEnd(engine, 60'000));
    QCOMPARE(model.count(JobState::Succeeded), Urls);
    const QByteArray expected = LoopbackServer::expectedSha256(BodyBytes);
    for (const Job &job : model.jobs()) {
        QCOMPARE(job.bytesReceived, BodyBytes);
        QCOMPARE(job.sha256, expected);
    }

    const QHash<QByteArray, qint64> seen = arrivals(*m_server);
    QCOMPARE(seen.size(), Urls);
    const auto [first, last] = std::minmax_element(seen.cbegin(), seen.cend());
    const qint64 readBeforeLast = qint64(Urls - Lanes) * BodyBytes;
    const qint64 burst = Rate * ByteRateLimiter::BurstNs / Units::NsPerSecond;
    const qint64 lowerBoundNs = (readBeforeLast - 2 * burst) * Units::NsPerSecond / Rate;
    QVERIFY2(
        *last - *first >= lowerBoundNs,
        qPrintable(QStringLiteral("the requests spanned %1 ms; the cap allows no less than %2 ms")
                       .arg(double(*last - *first) / 1e6)
                       .arg(double(lowerBoundNs) / 1e6)));
}

void TestRateLimit::perUrlCapHoldsEachDownload()
{
    QVERIFY2(startLoopbackServer(m_server), qPrintable(m_server->errorString()));
    // One lane: a 192 KiB body under 128 KiB/s per URL, then a small one. The second request
    // comes only after the first body passed its cap: at least (192 KiB - two bursts) /
    // 128 KiB/s (two bursts: see globalCapSpacesTheRequests).
    constexpr qint64 BodyBytes = 192 * 1024, Rate = 128 * 1024;
    const QUrl big = m_server->url(QStringLiteral("/bytes/%1").arg(BodyBytes));
    const QUrl small = m_server->url(QStringLiteral("/bytes/10"));
    JobQueueModel model;
    model.addEntries(entriesFor({ big, small }));
    FetchEngine engine(&model);
    FetchOptions options = testOptions(1);
    options.limitRatePerUrl = Rate;
    engine.setOptions(options);
    QVERIFY(runToEnd(engine, 60'000));
    QCOMPARE(model.count(JobState::Succeeded), 2);
    QCOMPARE(model.jobAt(0).sha256, LoopbackServer::expectedSha256(BodyBytes));

    const QHash<QByteArray, qint64> seen = arrivals(*m_server);
    const qint64 spanNs = seen.value(small.path().toUtf8()) - seen.value(big.path().toUtf8());
    const qint64 burst = std::max(ByteRateLimiter::MinGrantBytes,
                                  Rate * ByteRateLimiter::BurstNs / Units::NsPerSecond);
    const qint64 lowerBoundNs = (BodyBytes - 2 * burst) * Units::NsPerSecond / Rate;
    QVERIFY2(spanNs >= lowerBoundNs,
             qPrintable(QStringLiteral("the second request came %1 ms after the first; the cap "
                                       "allows no less than %2 ms")
                            .arg(double(spanNs) / 1e6)
                            .arg(double(lowerBoundNs) / 1e6)));
}

void TestRateLimit::liftingTheCapMidRunFinishesAtOnce()
{
    QVERIFY2(startLoopbackServer(m_server), qPrintable(m_server->errorString()));
    // 4 MiB at 1 KiB/s would take over an hour: once some bytes have come, the cap is lifted
    // (as the toolbar's box does) and the download completes, whole.
    constexpr qint64 BodyBytes = 4 * Units::BytesPerMiB;
    JobQueueModel model;
    model.addEntries(entriesFor({ m_server->url(QStringLiteral("/bytes/%1").arg(BodyBytes)) }));
    FetchEngine engine(&model);
    FetchOptions options = testOptions(1);
    options.limitRate = Units::BytesPerKiB;
    engine.setOptions(options);
    QSignalSpy finished(&engine, &FetchEngine::runFinished);
    engine.start();
    QTRY_VERIFY_WITH_TIMEOUT(model.jobAt(0).bytesReceived > 0, 30'000);
    QCOMPARE(model.jobAt(0).state, JobState::Running);
    QCOMPARE(engine.bandwidthLimit(), Units::BytesPerKiB);
    engine.setBandwidthLimit(0);
    QCOMPARE(engine.bandwidthLimit(), qint64(0));
    QVERIFY(finished.wait(60'000));
    QCOMPARE(model.jobAt(0).state, JobState::Succeeded);
    QCOMPARE(model.jobAt(0).sha256, LoopbackServer::expectedSha256(BodyBytes));
}

QTEST_GUILESS_MAIN(TestRateLimit)
#include "tst_ratelimit.moc"
