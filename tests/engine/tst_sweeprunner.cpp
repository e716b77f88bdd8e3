// SPDX-License-Identifier: GPL-3.0-or-later
// The concurrency sweep: levels, knee rule, sample and CSV, and real sweeps on a loopback server.
#include "run/sweeprunner.h"
#include "server/loopbackserver.h"
#include "testsupport.h"
#include "urllistparser.h"

#include <QSet>
#include <QSignalSpy>
#include <QTest>

using namespace Parafetch;
using Parafetch::TestSupport::entriesFor;
using Parafetch::TestSupport::startLoopbackServer;
using Parafetch::TestSupport::testOptions;

namespace {

constexpr qint64 NsPerMs = 1'000'000;
constexpr int ServerThreads = 4;
// Each URL is slow enough that the workers of a level overlap; counts, not times, are asserted.
constexpr int SlowMs = 300;

SweepPoint point(int concurrency, qint64 wallMs)
{
    SweepPoint result;
    result.concurrency = concurrency;
    result.wallNs = wallMs * NsPerMs;
    return result;
}

QList<SweepPoint> points(const QList<QPair<int, qint64>> &levelsAndWalls)
{
    QList<SweepPoint> result;
    for (const auto &[level, wall] : levelsAndWalls)
        result.append(point(level, wall));
    return result;
}

QList<UrlEntry> numberedEntries(int count)
{
    QList<QUrl> urls;
    for (int i = 0; i < count; ++i)
        urls.append(QUrl(QStringLiteral("https://example.com/item/%1").arg(i)));
    return entriesFor(urls);
}

} // namespace

class TestSweepRunner : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void init();
    void levelsParse_data();
    void levelsParse();
    void powersOfTwo_data();
    void powersOfTwo();
    void knee_data();
    void knee();
    void sampleIsDeterministicAndInListOrder();
    void csvHasOneRowPerLevelAndMarksTheKnee();
    void csvIsWrittenAtomically();
    void peakInFlightIsTheLevel_data();
    void peakInFlightIsTheLevel();
    void everyLevelRunsTheWholeList();
    void cancelStopsWithoutAPartialPoint();

private:
    std::unique_ptr<LoopbackServer> m_server;
};

void TestSweepRunner::initTestCase()
{
    QVERIFY2(startLoopbackServer(m_server, ServerThreads), qPrintable(m_server->errorString()));
}

void TestSweepRunner::init()
{
    // A level ends when the client has every answer; the server may count one a moment longer.
    QTRY_COMPARE(m_server->inFlight(), 0);
    m_server->resetStatistics();
}

void TestSweepRunner::levelsParse_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QList<int>>("levels"); // empty = refused
    QTest::addColumn<QString>("errorMentions");

    QTest::newRow("powers of two")
        << "1,2,4,8,16,32" << QList<int> { 1, 2, 4, 8, 16, 32 } << QString();
    QTest::newRow("spaces, disorder and repeats are tidied")
        << " 8, 1 ,4,4" << QList<int> { 1, 4, 8 } << QString();
    QTest::newRow("one level") << "16" << QList<int> { 16 } << QString();
    QTest::newRow("the largest concurrency") << "512" << QList<int> { 512 } << QString();
    QTest::newRow("0 is refused and named") << "1,0,4" << QList<int> {} << "'0'";
    QTest::newRow("513 is refused and named") << "1,513" << QList<int> {} << "'513'";
    QTest::newRow("a word is refused and named") << "1,two" << QList<int> {} << "'two'";
    QTest::newRow("an empty item is refused") << "1,,2" << QList<int> {} << "''";
}

void TestSweepRunner::levelsParse()
{
    QFETCH(QString, text);
    QFETCH(QList<int>, levels);
    QFETCH(QString, errorMentions);

    QList<int> parsed = { -1 };
    QString error;
    const bool ok = SweepRunner::parseLevels(text, &parsed, &error);
    QCOMPARE(ok, !levels.isEmpty());
    if (ok) {
        QCOMPARE(parsed, levels);
    } else {
        QCOMPARE(parsed, QList<int> { -1 }); // untouched
        QVERIFY2(error.contains(errorMentions), qPrintable(error));
        QVERIFY2(error.contains(QLatin1String("--sweep")), qPrintable(error));
    }
}

void TestSweepRunner::powersOfTwo_data()
{
    QTest::addColumn<int>("max");
    QTest::addColumn<QList<int>>("levels");

    QTest::newRow("up to 1") << 1 << QList<int> { 1 };
    QTest::newRow("up to 32") << 32 << QList<int> { 1, 2, 4, 8, 16, 32 };
    QTest::newRow("up to 24 ends with 24") << 24 << QList<int> { 1, 2, 4, 8, 16, 24 };
    QTest::newRow("beyond 512 stops at 512")
        << 1000 << QList<int> { 1, 2, 4, 8, 16, 32, 64, 128, 256, 512 };
}

void TestSweepRunner::powersOfTwo()
{
    QFETCH(int, max);
    QFETCH(QList<int>, levels);

    QCOMPARE(SweepRunner::powersOfTwoUpTo(max), levels);
}

void TestSweepRunner::knee_data()
{
    QTest::addColumn<QList<SweepPoint>>("sweep");
    QTest::addColumn<int>("kneeConcurrency"); // -1 = none

    QTest::newRow("halving until 8, then flat: knee at 8")
        << points({ { 1, 1600 }, { 2, 800 }, { 4, 400 }, { 8, 200 }, { 16, 195 }, { 32, 190 } })
        << 8;
    QTest::newRow("still halving at the end: no knee yet")
        << points({ { 1, 800 }, { 2, 400 }, { 4, 200 }, { 8, 100 } }) << -1;
    QTest::newRow("flat from the start: knee at the first level")
        << points({ { 1, 100 }, { 2, 100 }, { 4, 99 } }) << 1;
    QTest::newRow("a dip then a big gain again: the knee is after the last gain")
        << points({ { 1, 1000 }, { 2, 980 }, { 4, 400 }, { 8, 390 } }) << 4;
    QTest::newRow("worse at higher N counts as no gain")
        << points({ { 1, 1000 }, { 2, 500 }, { 4, 520 }, { 8, 600 } }) << 2;
    QTest::newRow("12% per doubling is a gain")
        << points({ { 1, 1000 }, { 2, 880 }, { 4, 770 } }) << -1;
    QTest::newRow("9% per doubling is not") << points({ { 1, 1000 }, { 2, 500 }, { 4, 455 } }) << 2;
    QTest::newRow("a step of two doublings is judged per doubling")
        // 1000 -> 640 over 4x is 20% per doubling: a gain; 640 -> 630 over 2x is not.
        << points({ { 1, 1000 }, { 4, 640 }, { 8, 630 } }) << 4;
    QTest::newRow("1000 -> 850 over 4x is under 10% per doubling: no gain")
        << points({ { 1, 1000 }, { 4, 850 } }) << 1;
    QTest::newRow("one level has no knee") << points({ { 4, 100 } }) << -1;
    QTest::newRow("no levels have no knee") << QList<SweepPoint> {} << -1;
}

void TestSweepRunner::knee()
{
    QFETCH(QList<SweepPoint>, sweep);
    QFETCH(int, kneeConcurrency);

    const int index = SweepRunner::knee(sweep);
    QCOMPARE(index >= 0 ? sweep.at(index).concurrency : -1, kneeConcurrency);
}

void TestSweepRunner::sampleIsDeterministicAndInListOrder()
{
    const QList<UrlEntry> entries = numberedEntries(1000);

    const QList<UrlEntry> sample = SweepRunner::sample(entries, 100);
    QCOMPARE(sample.size(), 100);
    int lastLine = 0;
    QSet<QString> seen;
    for (const UrlEntry &entry : sample) {
        QVERIFY2(entry.line > lastLine, "the sample keeps the list's order");
        lastLine = entry.line;
        QCOMPARE(entry.url, entries.at(entry.line - 1).url);
        seen.insert(entry.url.toString());
    }
    QCOMPARE(seen.size(), 100);
    // Spread over the list, not its head: some of the sample lies in its second half.
    QVERIFY(sample.constLast().line > 500);

    const QList<UrlEntry> again = SweepRunner::sample(entries, 100);
    for (int i = 0; i < sample.size(); ++i)
        QCOMPARE(again.at(i).url, sample.at(i).url);
    // A smaller sample is part of the larger one: the ranking does not change with the size.
    for (const UrlEntry &entry : SweepRunner::sample(entries, 10))
        QVERIFY(seen.contains(entry.url.toString()));

    QCOMPARE(SweepRunner::sample(entries, 0).size(), 1000);
    QCOMPARE(SweepRunner::sample(entries, 5000).size(), 1000);
}

void TestSweepRunner::csvHasOneRowPerLevelAndMarksTheKnee()
{
    QList<SweepPoint> sweep = points({ { 1, 400 }, { 2, 200 }, { 4, 199 } });
    sweep[0].urls = sweep[0].succeeded = 4;
    sweep[0].serialNs = 400 * NsPerMs;
    sweep[0].speedup = 1.0;
    sweep[0].p50Ns = 100 * NsPerMs;
    sweep[0].p95Ns = 100'000'500; // rounds to the microsecond

    const QList<QByteArray> lines = SweepRunner::toCsv(sweep).split('\n');

    QCOMPARE(lines.size(), 5); // header, three rows, and the empty rest after the last CRLF
    QCOMPARE(lines.at(0),
             QByteArray("concurrency,urls,succeeded,failed,cancelled,wallMs,serialMs,"
                        "speedup,efficiency,p50Ms,p95Ms,knee\r"));
    QCOMPARE(lines.at(1), QByteArray("1,4,4,0,0,400.000,400.000,1.000,1.000,100.000,100.001,0\r"));
    QVERIFY2(lines.at(2).endsWith(",1\r"), lines.at(2).constData()); // the knee: N=2
    QVERIFY2(lines.at(3).startsWith("4,0,0,0,0,199.000,0.000,0.000,0.000,-1,-1,0"),
             lines.at(3).constData());
    QVERIFY(lines.at(4).isEmpty());
}

void TestSweepRunner::csvIsWrittenAtomically()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("sweep.csv"));
    QString error;
    QVERIFY2(SweepRunner::writeCsv(path, points({ { 1, 10 } }), &error), qPrintable(error));
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(file.readAll(), SweepRunner::toCsv(points({ { 1, 10 } })));

    const QString unwritable = dir.filePath(QStringLiteral("missing/sweep.csv"));
    QVERIFY(!SweepRunner::writeCsv(unwritable, points({ { 1, 10 } }), &error));
    QVERIFY2(error.contains(unwritable), qPrintable(error));
    QVERIFY(!QFile::exists(unwritable));
}

void TestSweepRunner::peakInFlightIsTheLevel_data()
{
    QTest::addColumn<int>("level");

    QTest::newRow("N=1: never two in flight") << 1;
    QTest::newRow("N=4: four in flight at the peak") << 4;
    QTest::newRow("N=8: eight in flight at the peak") << 8;
}

void TestSweepRunner::peakInFlightIsTheLevel()
{
    QFETCH(int, level);

    QList<QUrl> urls;
    for (int i = 0; i < 2 * level; ++i)
        urls.append(m_server->url(QStringLiteral("/delay/%1/bytes/%2").arg(SlowMs).arg(i + 1)));
    SweepRunner sweep;
    QSignalSpy finished(&sweep, &SweepRunner::finished);

    sweep.start(entriesFor(urls), testOptions(), { level });

    QVERIFY(finished.wait(TestSupport::RunTimeoutMs));
    QCOMPARE(finished.constFirst().constFirst().toBool(), true);
    QCOMPARE(sweep.points().size(), 1);
    QCOMPARE(sweep.points().constFirst().concurrency, level);
    QCOMPARE(sweep.points().constFirst().succeeded, 2 * level);
    QCOMPARE(m_server->maxInFlight(), level);
    QCOMPARE(m_server->requestCount(), qint64(2 * level));
}

void TestSweepRunner::everyLevelRunsTheWholeList()
{
    const QList<QUrl> urls = { m_server->url(QStringLiteral("/bytes/10")),
                               m_server->url(QStringLiteral("/delay/20/bytes/11")),
                               m_server->url(QStringLiteral("/status/404")),
                               m_server->url(QStringLiteral("/bytes/12")) };
    SweepRunner sweep;
    QSignalSpy started(&sweep, &SweepRunner::pointStarted);
    QSignalSpy progress(&sweep, &SweepRunner::progress);
    QSignalSpy pointFinished(&sweep, &SweepRunner::pointFinished);
    QSignalSpy finished(&sweep, &SweepRunner::finished);
    FetchOptions options = testOptions();
    options.outputDirectory = QStringLiteral("/nonexistent/never/written"); // a sweep saves nothing

    sweep.start(entriesFor(urls), options, { 4, 1, 2 });

    QVERIFY(finished.wait(TestSupport::RunTimeoutMs));
    QCOMPARE(finished.constFirst().constFirst().toBool(), true);
    QCOMPARE(sweep.levels(), (QList<int> { 1, 2, 4 }));
    QCOMPARE(started.size(), 3);
    QCOMPARE(pointFinished.size(), 3);
    QCOMPARE(progress.size(), 3 * urls.size());
    QCOMPARE(progress.constLast(), (QList<QVariant> { 4, 4 }));
    for (int i = 0; i < 3; ++i) {
        const SweepPoint &result = sweep.points().at(i);
        QCOMPARE(started.at(i).at(1).toInt(), result.concurrency);
        QCOMPARE(result.urls, 4);
        QCOMPARE(result.succeeded, 3);
        QCOMPARE(result.failed, 1);
        QVERIFY(result.wallNs > 0);
        QVERIFY(result.serialNs > 0);
        QVERIFY(result.p95Ns >= result.p50Ns);
    }
    QCOMPARE(m_server->requestCount(), qint64(3 * urls.size()));
    QVERIFY(!sweep.isRunning());
}

void TestSweepRunner::cancelStopsWithoutAPartialPoint()
{
    QList<QUrl> urls;
    for (int i = 0; i < 4; ++i)
        urls.append(m_server->url(QStringLiteral("/drip/100/100?cancel=%1").arg(i))); // 10 s each
    urls.prepend(m_server->url(QStringLiteral("/bytes/1")));
    SweepRunner sweep;
    QSignalSpy progress(&sweep, &SweepRunner::progress);
    QSignalSpy finished(&sweep, &SweepRunner::finished);

    sweep.start(entriesFor(urls), testOptions(), { 1, 2 });
    // The first URL is done and the slow second one has reached the server.
    QVERIFY(progress.wait(TestSupport::RunTimeoutMs));
    QTRY_COMPARE(m_server->inFlight(), 1);
    QVERIFY(sweep.isRunning());
    sweep.cancel();

    QVERIFY(finished.wait(TestSupport::RunTimeoutMs));
    QCOMPARE(finished.constFirst().constFirst().toBool(), false);
    QVERIFY(sweep.points().isEmpty());
    QVERIFY(!sweep.isRunning());
    QCOMPARE(m_server->requestCount(), qint64(2)); // the second level never started
}

QTEST_GUILESS_MAIN(TestSweepRunner)
#include "tst_sweeprunner.moc"
