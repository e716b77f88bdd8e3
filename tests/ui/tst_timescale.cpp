// SPDX-License-Identifier: GPL-3.0-or-later
// The waterfall's time axis on plain numbers: time <-> pixels, zoom, fit, idle gaps, ticks.
#include "timescale.h"

#include <QTest>

using namespace Parafetch;

namespace {

constexpr qint64 NsPerMs = 1'000'000;
constexpr qint64 NsPerSecond = 1'000'000'000;
constexpr int GapWidth = 40;

// 100 pixels a second over a minute and four seconds, the minute from 2 s to 62 s idle.
TimeScale withIdleMinute()
{
    TimeScale scale;
    scale.setRange(0, 64 * NsPerSecond);
    scale.setGaps({ { 2 * NsPerSecond, 62 * NsPerSecond } }, GapWidth);
    scale.setPixelsPerMs(0.1);
    return scale;
}

// 100 pixels a second over ten seconds from +5 s, no gaps.
TimeScale tenSeconds()
{
    TimeScale scale;
    scale.setRange(5 * NsPerSecond, 15 * NsPerSecond);
    scale.setPixelsPerMs(0.1);
    return scale;
}

} // namespace

class TestTimeScale : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void timeAndOffsetRoundTrip_data();
    void timeAndOffsetRoundTrip();
    void idleGapTakesItsFixedWidth_data();
    void idleGapTakesItsFixedWidth();
    void ticksSkipTheIdleGap();
    void zoomKeepsThePointUnderTheCursor_data();
    void zoomKeepsThePointUnderTheCursor();
    void fitFillsTheWidth_data();
    void fitFillsTheWidth();
    void fittingStopsAtAZoomAndResumes();
    void tickStepIsRound_data();
    void tickStepIsRound();
};

void TestTimeScale::timeAndOffsetRoundTrip_data()
{
    QTest::addColumn<bool>("idleMinute");
    QTest::addColumn<double>("pixelsPerMs");
    QTest::addColumn<qint64>("ns");

    QTest::newRow("the origin") << false << 0.1 << qint64(5 * NsPerSecond);
    QTest::newRow("an odd nanosecond") << false << 0.1 << qint64(7 * NsPerSecond + 123'457);
    QTest::newRow("zoomed to the microsecond") << false << 1000.0 << qint64(14 * NsPerSecond + 1);
    QTest::newRow("zoomed out to an hour in 360 px") << false << 1e-4 << qint64(9 * NsPerSecond);
    QTest::newRow("before the gap") << true << 0.1 << qint64(1500 * NsPerMs);
    QTest::newRow("inside the gap") << true << 0.1 << qint64(31 * NsPerSecond + 7);
    QTest::newRow("after the gap") << true << 0.1 << qint64(63 * NsPerSecond + 250 * NsPerMs);
    QTest::newRow("after the gap, zoomed in") << true << 10.0 << qint64(62 * NsPerSecond + 1);
}

void TestTimeScale::timeAndOffsetRoundTrip()
{
    QFETCH(bool, idleMinute);
    QFETCH(double, pixelsPerMs);
    QFETCH(qint64, ns);
    TimeScale scale = idleMinute ? withIdleMinute() : tenSeconds();
    scale.setPixelsPerMs(pixelsPerMs);
    QCOMPARE(scale.timeAt(scale.offsetOf(ns)), ns);
}

void TestTimeScale::idleGapTakesItsFixedWidth_data()
{
    QTest::addColumn<qint64>("ns");
    QTest::addColumn<double>("offset");

    QTest::newRow("1 s, before the gap: 100 px") << qint64(NsPerSecond) << 100.0;
    QTest::newRow("the gap's start") << qint64(2 * NsPerSecond) << 200.0;
    QTest::newRow("the gap's middle: half its width") << qint64(32 * NsPerSecond) << 220.0;
    QTest::newRow("the gap's end: its width later") << qint64(62 * NsPerSecond) << 240.0;
    QTest::newRow("a second after the gap") << qint64(63 * NsPerSecond) << 340.0;
    QTest::newRow("the end") << qint64(64 * NsPerSecond) << 440.0;
}

void TestTimeScale::idleGapTakesItsFixedWidth()
{
    QFETCH(qint64, ns);
    QFETCH(double, offset);
    const TimeScale scale = withIdleMinute();
    QCOMPARE(scale.offsetOf(ns), offset);
    QCOMPARE(scale.width(), 440.0);
    QCOMPARE(scale.gapsNs(), 60 * NsPerSecond);
    QCOMPARE(scale.spanNs(), 4 * NsPerSecond); // the busy time only
    QCOMPARE(scale.gapWidth(), GapWidth);
}

void TestTimeScale::ticksSkipTheIdleGap()
{
    const TimeScale scale = withIdleMinute();
    QCOMPARE(scale.nextTick(NsPerSecond, NsPerSecond), NsPerSecond);
    QCOMPARE(scale.nextTick(30 * NsPerSecond, NsPerSecond), 62 * NsPerSecond);
    QCOMPARE(scale.nextTick(30 * NsPerSecond, 5 * NsPerSecond), 65 * NsPerSecond);
    QCOMPARE(scale.firstTickAt(150, NsPerSecond), NsPerSecond);
    QCOMPARE(scale.firstTickAt(-50, NsPerSecond), qint64(0)); // not before the origin
}

void TestTimeScale::zoomKeepsThePointUnderTheCursor_data()
{
    QTest::addColumn<bool>("idleMinute");
    QTest::addColumn<double>("factor");
    QTest::addColumn<double>("anchor");
    QTest::addColumn<double>("pixelsPerMs");
    QTest::addColumn<double>("offset");

    QTest::newRow("twice as close at 300 px: 8 s is now at 600 px")
        << false << 2.0 << 300.0 << 0.2 << 600.0;
    QTest::newRow("half as close at the start stays at the start")
        << false << 0.5 << 0.0 << 0.05 << 0.0;
    QTest::newRow("closer than a microsecond a pixel stops there")
        << false << 1e9 << 500.0 << 1000.0 << 5e6;
    QTest::newRow("farther than an hour in 360 px stops there")
        << false << 1e-9 << 500.0 << 1e-4 << 0.5;
    QTest::newRow("in the middle of an idle gap: the gap keeps its width")
        << true << 2.0 << 220.0 << 0.2 << 420.0;
}

void TestTimeScale::zoomKeepsThePointUnderTheCursor()
{
    QFETCH(bool, idleMinute);
    QFETCH(double, factor);
    QFETCH(double, anchor);
    QFETCH(double, pixelsPerMs);
    QFETCH(double, offset);
    TimeScale scale = idleMinute ? withIdleMinute() : tenSeconds();
    scale.startFitting();
    const qint64 underCursor = scale.timeAt(anchor);
    const qreal moved = scale.zoomBy(factor, anchor);
    QVERIFY(!scale.isFitting());
    QVERIFY2(qFuzzyCompare(scale.pixelsPerMs(), pixelsPerMs),
             qPrintable(QString::number(scale.pixelsPerMs())));
    QVERIFY2(qFuzzyCompare(1 + moved, 1 + offset), qPrintable(QString::number(moved)));
    QCOMPARE(scale.timeAt(moved), underCursor);
}

void TestTimeScale::fitFillsTheWidth_data()
{
    QTest::addColumn<bool>("idleMinute");
    QTest::addColumn<int>("width");
    QTest::addColumn<double>("pixelsPerMs");
    QTest::addColumn<double>("contentWidth");

    QTest::newRow("ten seconds in 1000 px") << false << 1000 << 0.1 << 1000.0;
    QTest::newRow("four busy seconds and an idle minute in 440 px") << true << 440 << 0.1 << 440.0;
    QTest::newRow("narrower than the gaps: a pixel for the whole busy time")
        << true << 30 << 1.0 / 4000 << 41.0;
}

void TestTimeScale::fitFillsTheWidth()
{
    QFETCH(bool, idleMinute);
    QFETCH(int, width);
    QFETCH(double, pixelsPerMs);
    QFETCH(double, contentWidth);
    TimeScale scale = idleMinute ? withIdleMinute() : tenSeconds();
    scale.startFitting();
    scale.fitTo(width);
    QVERIFY(scale.isFitting());
    QVERIFY2(qFuzzyCompare(scale.pixelsPerMs(), pixelsPerMs),
             qPrintable(QString::number(scale.pixelsPerMs())));
    QVERIFY2(qFuzzyCompare(scale.width(), contentWidth),
             qPrintable(QString::number(scale.width())));
}

void TestTimeScale::fittingStopsAtAZoomAndResumes()
{
    TimeScale scale = tenSeconds();
    QVERIFY(scale.isFitting() == false); // setPixelsPerMs() chose a zoom
    scale.fitTo(2000);
    QCOMPARE(scale.pixelsPerMs(), 0.1); // not fitting: left alone
    scale.startFitting();
    scale.fitTo(2000);
    QCOMPARE(scale.pixelsPerMs(), 0.2);
    // The run grows: fitting follows.
    scale.setRange(5 * NsPerSecond, 25 * NsPerSecond);
    scale.fitTo(2000);
    QCOMPARE(scale.pixelsPerMs(), 0.1);
    scale.zoomBy(2, 0);
    scale.fitTo(2000);
    QCOMPARE(scale.pixelsPerMs(), 0.2);
    QVERIFY(!scale.isFitting());
    scale.setPixelsPerMs(1e9); // within the limits
    QCOMPARE(scale.pixelsPerMs(), TimeScale::MaxPixelsPerMs);
}

void TestTimeScale::tickStepIsRound_data()
{
    QTest::addColumn<double>("pixelsPerMs");
    QTest::addColumn<qint64>("stepNs");

    QTest::newRow("100 px a second: 1 s") << 0.1 << NsPerSecond;
    QTest::newRow("300 px a second: 500 ms") << 0.3 << 500 * NsPerMs;
    QTest::newRow("a pixel a millisecond: 100 ms") << 1.0 << 100 * NsPerMs;
    QTest::newRow("40 px a millisecond: 2 ms") << 40.0 << 2 * NsPerMs;
}

void TestTimeScale::tickStepIsRound()
{
    QFETCH(double, pixelsPerMs);
    QFETCH(qint64, stepNs);
    constexpr int MinSpacing = 72;
    TimeScale scale = tenSeconds();
    scale.setPixelsPerMs(pixelsPerMs);
    QCOMPARE(scale.tickStepNs(MinSpacing), stepNs);
}

QTEST_APPLESS_MAIN(TestTimeScale)
#include "tst_timescale.moc"
