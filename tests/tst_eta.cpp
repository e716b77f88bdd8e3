// EtaEstimator against hand-computed answers: the rate over a recent window, no guess from too
// little, and a fresh start when the list changes under it.
#include "eta.h"

#include <QTest>

using namespace Parafetch;

namespace {

constexpr qint64 NsPerMs = 1'000'000;
constexpr qint64 NsPerSecond = 1'000'000'000;

struct Point
{
    qint64 atMs;
    int finished;
    int total;
};
using Points = QList<Point>;

} // namespace

Q_DECLARE_METATYPE(Points)

class TestEta : public QObject
{
    Q_OBJECT

private slots:
    void remaining_data();
    void remaining();
    void formatting_data();
    void formatting();
};

void TestEta::remaining_data()
{
    QTest::addColumn<Points>("points");
    QTest::addColumn<qint64>("expectedNs");

    QTest::newRow("nothing sampled") << Points {} << qint64(-1);
    QTest::newRow("under a second observed: no guess")
        << Points { { 0, 0, 100 }, { 900, 50, 100 } } << qint64(-1);
    // 10 URLs/s, 80 left.
    QTest::newRow("steady rate") << Points { { 0, 0, 100 }, { 1000, 10, 100 }, { 2000, 20, 100 } }
                                 << qint64(8000) * NsPerMs;
    QTest::newRow("nothing finished yet: unknown")
        << Points { { 0, 0, 100 }, { 5000, 0, 100 } } << qint64(-1);
    QTest::newRow("everything finished") << Points { { 0, 0, 3 }, { 100, 3, 3 } } << qint64(0);
    // 10/s for 20 s, then 100/s: the window (10 s) sees only the fast part once it has passed.
    QTest::newRow("the rate of the last 10 s, not of the whole run")
        << Points { { 0, 0, 5000 },     { 10000, 100, 5000 }, { 20000, 200, 5000 },
                    { 25000, 700, 5000 }, { 30000, 1200, 5000 } }
        << qint64(38000) * NsPerMs; // window 20 s → 30 s: 1000 in 10 s, 3800 left
    QTest::newRow("a stall within the window: unknown")
        << Points { { 0, 0, 100 }, { 1000, 10, 100 }, { 12000, 10, 100 }, { 20000, 10, 100 } }
        << qint64(-1);
    // Adding URLs mid-run: the rate stays, the work left grows.
    QTest::newRow("URLs added") << Points { { 0, 0, 100 }, { 2000, 20, 100 }, { 3000, 30, 200 } }
                                << qint64(17000) * NsPerMs;
    // Retry Failed puts rows back: fewer finished than before, so the rate starts over.
    QTest::newRow("fewer finished than before: starts over")
        << Points { { 0, 0, 100 }, { 2000, 90, 100 }, { 2500, 80, 100 }, { 3000, 85, 100 } }
        << qint64(-1);
    QTest::newRow("after starting over, a rate again")
        << Points { { 0, 0, 100 }, { 2000, 90, 100 }, { 2500, 80, 100 }, { 4500, 90, 100 } }
        << qint64(2000) * NsPerMs; // 10 in 2 s → 5/s, 10 left
    QTest::newRow("a fraction of a nanosecond rounds up")
        << Points { { 0, 0, 5 }, { 1000, 3, 5 } } << qint64(666'666'667); // 2 × 1 s / 3
}

void TestEta::remaining()
{
    QFETCH(Points, points);
    QFETCH(qint64, expectedNs);
    EtaEstimator eta;
    for (const Point &p : points)
        eta.sample(p.atMs * NsPerMs, p.finished, p.total);
    QCOMPARE(eta.remainingNs(), expectedNs);
    eta.reset();
    QCOMPARE(eta.remainingNs(), qint64(-1));
}

void TestEta::formatting_data()
{
    QTest::addColumn<qint64>("ns");
    QTest::addColumn<QString>("text");
    QTest::newRow("unknown") << qint64(-1) << QString();
    QTest::newRow("a fraction of a second rounds up") << qint64(1) << QStringLiteral("about 1 s");
    QTest::newRow("seconds") << 42 * NsPerSecond << QStringLiteral("about 42 s");
    QTest::newRow("59.5 s is about a minute") << 59'500 * NsPerMs << QStringLiteral("about 1 min");
    QTest::newRow("minutes round to the nearest") << 150 * NsPerSecond << QStringLiteral("about 3 min");
    QTest::newRow("hours and minutes") << (2 * 3600 + 5 * 60) * NsPerSecond
                                      << QStringLiteral("about 2 h 5 min");
}

void TestEta::formatting()
{
    QFETCH(qint64, ns);
    QFETCH(QString, text);
    QCOMPARE(formatRemaining(ns), text);
}

QTEST_APPLESS_MAIN(TestEta)
#include "tst_eta.moc"
