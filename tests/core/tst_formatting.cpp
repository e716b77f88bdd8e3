// SPDX-License-Identifier: GPL-3.0-or-later
// Every text the formatting module writes, row by row: binary sizes with IEC labels, seconds and
// milliseconds for people, and the classic lines in the C locale whatever the user's.
#include "formatting.h"

#include "runsummary.h"

#include <QLocale>
#include <QTest>

#include <limits>

using namespace Parafetch;

namespace {

constexpr qint64 NsPerMs = 1'000'000;
constexpr qint64 NsPerSecond = 1'000'000'000;
constexpr qint64 Largest = std::numeric_limits<qint64>::max();

} // namespace

class TestFormatting : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void cleanup();
    void bytes_data();
    void bytes();
    void byteProgress_data();
    void byteProgress();
    void rate_data();
    void rate();
    void seconds_data();
    void seconds();
    void milliseconds_data();
    void milliseconds();
    void remaining_data();
    void remaining();
    void speedup_data();
    void speedup();
    void plainSeconds_data();
    void plainSeconds();
    void classicSeconds_data();
    void classicSeconds();
    void classicSpeedup_data();
    void classicSpeedup();
    void classicSummaryLinesReadLikeTheReferenceTool();
    void wholePercent_data();
    void wholePercent();
    void percentChange_data();
    void percentChange();
    void exactMs_data();
    void exactMs();
    void exactMsOfUs_data();
    void exactMsOfUs();
    void widestTextsUseTheGivenDigit();
    void peopleGetTheirLocaleClassicLinesDoNot();
};

void TestFormatting::initTestCase()
{
    // The expected texts below are written in American English.
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
}

void TestFormatting::cleanup()
{
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
}

void TestFormatting::bytes_data()
{
    QTest::addColumn<qint64>("bytes");
    QTest::addColumn<QString>("expected");

    QTest::newRow("no bytes") << qint64(0) << QStringLiteral("0 bytes");
    QTest::newRow("a few bytes") << qint64(78) << QStringLiteral("78 bytes");
    QTest::newRow("just under a KiB stays bytes") << qint64(1023) << QStringLiteral("1023 bytes");
    QTest::newRow("one KiB") << qint64(1024) << QStringLiteral("1.0 KiB");
    QTest::newRow("a KiB and a half") << qint64(1536) << QStringLiteral("1.5 KiB");
    QTest::newRow("a byte under a MiB rounds up but keeps KiB")
        << qint64(1024 * 1024 - 1) << QStringLiteral("1024.0 KiB");
    QTest::newRow("one MiB") << qint64(1024 * 1024) << QStringLiteral("1.0 MiB");
    QTest::newRow("50,000,000 bytes is 47.7 MiB, not 47.7 MB")
        << qint64(50'000'000) << QStringLiteral("47.7 MiB");
    QTest::newRow("5,000,000,000 bytes is 4.7 GiB")
        << qint64(5'000'000'000) << QStringLiteral("4.7 GiB");
    QTest::newRow("a TiB") << (qint64(1) << 40) << QStringLiteral("1.0 TiB");
    QTest::newRow("the largest count is 8 EiB") << Largest << QStringLiteral("8.0 EiB");
    QTest::newRow("a negative count keeps its sign") << qint64(-78) << QStringLiteral("-78 bytes");
}

void TestFormatting::bytes()
{
    QFETCH(qint64, bytes);
    QFETCH(QString, expected);
    QCOMPARE(formatBytes(bytes), expected);
}

void TestFormatting::byteProgress_data()
{
    QTest::addColumn<qint64>("received");
    QTest::addColumn<qint64>("total");
    QTest::addColumn<QString>("expected");

    QTest::newRow("nothing of nothing") << qint64(0) << qint64(0) << QStringLiteral("0 of 0 bytes");
    QTest::newRow("progress in bytes")
        << qint64(78) << qint64(100) << QStringLiteral("78 of 100 bytes");
    QTest::newRow("bytes of just under a KiB")
        << qint64(1023) << qint64(1023) << QStringLiteral("1023 of 1023 bytes");
    QTest::newRow("progress of a known size")
        << qint64(1'048'576) << qint64(50'000'000) << QStringLiteral("1.0 of 47.7 MiB");
    QTest::newRow("progress past a unit's end keeps the total's unit")
        << qint64(2'000) << qint64(2'000'000'000) << QStringLiteral("0.0 of 1.9 GiB");
    QTest::newRow("more than the total is shown as it is")
        << qint64(3 * 1024) << qint64(2 * 1024) << QStringLiteral("3.0 of 2.0 KiB");
}

void TestFormatting::byteProgress()
{
    QFETCH(qint64, received);
    QFETCH(qint64, total);
    QFETCH(QString, expected);
    QCOMPARE(formatByteProgress(received, total), expected);
}

void TestFormatting::rate_data()
{
    QTest::addColumn<double>("bytesPerSecond");
    QTest::addColumn<QString>("expected");

    QTest::newRow("standing still") << 0.0 << QStringLiteral("0 bytes/s");
    QTest::newRow("a rate in bytes/s") << 512.0 << QStringLiteral("512 bytes/s");
    QTest::newRow("a fraction of a byte is dropped, so 1023.9 stays bytes")
        << 1023.9 << QStringLiteral("1023 bytes/s");
    QTest::newRow("a KiB a second") << 1024.0 << QStringLiteral("1.0 KiB/s");
    QTest::newRow("a rate in MiB/s") << 50'000'000.0 << QStringLiteral("47.7 MiB/s");
}

void TestFormatting::rate()
{
    QFETCH(double, bytesPerSecond);
    QFETCH(QString, expected);
    QCOMPARE(formatRate(bytesPerSecond), expected);
}

void TestFormatting::seconds_data()
{
    QTest::addColumn<qint64>("ns");
    QTest::addColumn<QString>("plain");
    QTest::addColumn<QString>("orUnknown");
    QTest::addColumn<QString>("signedText");

    QTest::newRow("zero") << qint64(0) << QStringLiteral("0.000 s") << QStringLiteral("0.000 s")
                          << QStringLiteral("+0.000 s");
    QTest::newRow("seconds with milliseconds")
        << 47 * NsPerMs << QStringLiteral("0.047 s") << QStringLiteral("0.047 s")
        << QStringLiteral("+0.047 s");
    QTest::newRow("under half a millisecond rounds down")
        << qint64(499'999) << QStringLiteral("0.000 s") << QStringLiteral("0.000 s")
        << QStringLiteral("+0.000 s");
    QTest::newRow("999.5 ms rounds up to a second")
        << qint64(999'500'000) << QStringLiteral("1.000 s") << QStringLiteral("1.000 s")
        << QStringLiteral("+1.000 s");
    QTest::newRow("seconds past a thousand have no group separator")
        << 1'234'500 * NsPerMs << QStringLiteral("1234.500 s") << QStringLiteral("1234.500 s")
        << QStringLiteral("+1234.500 s");
    QTest::newRow("a negative time: the minus of a number, unknown, a minus sign")
        << -47 * NsPerMs << QStringLiteral("-0.047 s") << QStringLiteral("–")
        << QStringLiteral("−0.047 s");
    QTest::newRow("the longest time there is")
        << Largest << QStringLiteral("9223372036.855 s") << QStringLiteral("9223372036.855 s")
        << QStringLiteral("+9223372036.855 s");
}

void TestFormatting::seconds()
{
    QFETCH(qint64, ns);
    QFETCH(QString, plain);
    QFETCH(QString, orUnknown);
    QFETCH(QString, signedText);
    QCOMPARE(formatSeconds(ns), plain);
    QCOMPARE(formatSecondsOrUnknown(ns), orUnknown);
    QCOMPARE(formatSignedSeconds(ns), signedText);
}

void TestFormatting::milliseconds_data()
{
    QTest::addColumn<qint64>("ns");
    QTest::addColumn<int>("decimals");
    QTest::addColumn<QString>("expected");

    QTest::newRow("zero") << qint64(0) << 1 << QStringLiteral("0.0 ms");
    QTest::newRow("milliseconds to one decimal")
        << qint64(12'345'678) << 1 << QStringLiteral("12.3 ms");
    QTest::newRow("milliseconds to three decimals")
        << qint64(1'500) << 3 << QStringLiteral("0.002 ms");
    QTest::newRow("no decimals") << qint64(12'500'001) << 0 << QStringLiteral("13 ms");
    QTest::newRow("999.4 ms stays under a thousand")
        << qint64(999'400'000) << 0 << QStringLiteral("999 ms");
    QTest::newRow("999.5 ms rounds up to 1000 ms, still in ms")
        << qint64(999'500'000) << 0 << QStringLiteral("1000 ms");
    QTest::newRow("past a second stays in ms")
        << 90 * NsPerSecond << 1 << QStringLiteral("90000.0 ms");
    QTest::newRow("negative") << -3 * NsPerMs << 1 << QStringLiteral("-3.0 ms");
}

void TestFormatting::milliseconds()
{
    QFETCH(qint64, ns);
    QFETCH(int, decimals);
    QFETCH(QString, expected);
    QCOMPARE(formatMilliseconds(ns, decimals), expected);
}

void TestFormatting::remaining_data()
{
    QTest::addColumn<qint64>("ns");
    QTest::addColumn<QString>("text");
    QTest::newRow("unknown") << qint64(-1) << QString();
    QTest::newRow("nothing left") << qint64(0) << QStringLiteral("about 0 s");
    QTest::newRow("a fraction of a second is still about 1 s")
        << qint64(1) << QStringLiteral("about 1 s");
    QTest::newRow("seconds") << 42 * NsPerSecond << QStringLiteral("about 42 s");
    QTest::newRow("to the nearest second: 3.15 s is about 3 s")
        << 3150 * NsPerMs << QStringLiteral("about 3 s");
    QTest::newRow("22.8 s is about 23 s") << 22'800 * NsPerMs << QStringLiteral("about 23 s");
    QTest::newRow("59.4 s is about 59 s") << 59'400 * NsPerMs << QStringLiteral("about 59 s");
    QTest::newRow("59.5 s is about a minute") << 59'500 * NsPerMs << QStringLiteral("about 1 min");
    QTest::newRow("minutes round to the nearest")
        << 150 * NsPerSecond << QStringLiteral("about 3 min");
    QTest::newRow("59 min 29 s is 59 min")
        << (59 * 60 + 29) * NsPerSecond << QStringLiteral("about 59 min");
    QTest::newRow("59 min 30 s is an hour")
        << (59 * 60 + 30) * NsPerSecond << QStringLiteral("about 1 h 0 min");
    QTest::newRow("hours and minutes")
        << (2 * 3600 + 5 * 60) * NsPerSecond << QStringLiteral("about 2 h 5 min");
    QTest::newRow("days are hours")
        << 50 * 3600 * NsPerSecond << QStringLiteral("about 50 h 0 min");
}

void TestFormatting::remaining()
{
    QFETCH(qint64, ns);
    QFETCH(QString, text);
    QCOMPARE(formatRemaining(ns), text);
}

void TestFormatting::speedup_data()
{
    QTest::addColumn<double>("speedup");
    QTest::addColumn<QString>("expected");

    QTest::newRow("none") << 0.0 << QStringLiteral("0.00×");
    QTest::newRow("two decimals") << 3.08 << QStringLiteral("3.08×");
    QTest::newRow("rounded to two decimals") << 2.456 << QStringLiteral("2.46×");
    // Unlike the sizes and times, through the plain locale: a speedup past 999 is not expected.
    QTest::newRow("a large one has the locale's group separator")
        << 1234.5 << QStringLiteral("1,234.50×");
}

void TestFormatting::speedup()
{
    QFETCH(double, speedup);
    QFETCH(QString, expected);
    QCOMPARE(formatSpeedup(speedup), expected);
}

void TestFormatting::plainSeconds_data()
{
    QTest::addColumn<qint64>("ms");
    QTest::addColumn<QString>("expected");

    QTest::newRow("zero") << qint64(0) << QStringLiteral("0");
    QTest::newRow("whole seconds have no decimals") << qint64(30'000) << QStringLiteral("30");
    QTest::newRow("a quarter second") << qint64(250) << QStringLiteral("0.25");
    QTest::newRow("every millisecond is kept") << qint64(1'234'567) << QStringLiteral("1234.567");
    QTest::newRow("a week in whole seconds, not an exponent")
        << qint64(604'800'000) << QStringLiteral("604800");
    QTest::newRow("the largest int of milliseconds")
        << qint64(std::numeric_limits<int>::max()) << QStringLiteral("2147483.647");
    QTest::newRow("negative") << qint64(-1'500) << QStringLiteral("-1.5");
}

void TestFormatting::plainSeconds()
{
    QFETCH(qint64, ms);
    QFETCH(QString, expected);
    QCOMPARE(formatPlainSeconds(ms), expected);
}

void TestFormatting::classicSeconds_data()
{
    QTest::addColumn<qint64>("ns");
    QTest::addColumn<QString>("plain");
    QTest::addColumn<QString>("orUnknown");
    QTest::addColumn<QString>("signedText");

    QTest::newRow("zero") << qint64(0) << QStringLiteral("0.000s") << QStringLiteral("0.000s")
                          << QStringLiteral("+0.000s");
    QTest::newRow("a getData line's time") << 47 * NsPerMs << QStringLiteral("0.047s")
                                           << QStringLiteral("0.047s") << QStringLiteral("+0.047s");
    QTest::newRow("under half a millisecond rounds down")
        << qint64(499'999) << QStringLiteral("0.000s") << QStringLiteral("0.000s")
        << QStringLiteral("+0.000s");
    QTest::newRow("999.5 ms rounds up to a second")
        << qint64(999'500'000) << QStringLiteral("1.000s") << QStringLiteral("1.000s")
        << QStringLiteral("+1.000s");
    QTest::newRow("past a thousand seconds, no separator")
        << 1'234'500 * NsPerMs << QStringLiteral("1234.500s") << QStringLiteral("1234.500s")
        << QStringLiteral("+1234.500s");
    QTest::newRow("a negative time: 0.000s, a dash, an ASCII minus")
        << -47 * NsPerMs << QStringLiteral("0.000s") << QStringLiteral("-")
        << QStringLiteral("-0.047s");
    QTest::newRow("unknown (-1) is a dash, its difference the least of one")
        << qint64(-1) << QStringLiteral("0.000s") << QStringLiteral("-")
        << QStringLiteral("-0.000s");
    QTest::newRow("the longest time there is")
        << Largest << QStringLiteral("9223372036.855s") << QStringLiteral("9223372036.855s")
        << QStringLiteral("+9223372036.855s");
}

void TestFormatting::classicSeconds()
{
    QFETCH(qint64, ns);
    QFETCH(QString, plain);
    QFETCH(QString, orUnknown);
    QFETCH(QString, signedText);
    QCOMPARE(formatClassicSeconds(ns), plain);
    QCOMPARE(formatClassicSecondsOrUnknown(ns), orUnknown);
    QCOMPARE(formatClassicSignedSeconds(ns), signedText);
}

void TestFormatting::classicSpeedup_data()
{
    QTest::addColumn<double>("speedup");
    QTest::addColumn<QString>("expected");

    QTest::newRow("none") << 0.0 << QStringLiteral("0.00x");
    QTest::newRow("two decimals and an x") << 3.08 << QStringLiteral("3.08x");
    QTest::newRow("rounded to two decimals") << 2.456 << QStringLiteral("2.46x");
    QTest::newRow("a loss, as compare prints B minus A") << -0.5 << QStringLiteral("-0.50x");
    QTest::newRow("no group separator") << 1234.5 << QStringLiteral("1234.50x");
}

void TestFormatting::classicSpeedup()
{
    QFETCH(double, speedup);
    QFETCH(QString, expected);
    QCOMPARE(formatClassicSpeedup(speedup), expected);
}

void TestFormatting::classicSummaryLinesReadLikeTheReferenceTool()
{
    RunSummary summary;
    summary.wallNs = 210 * NsPerMs;
    summary.serialNs = 647 * NsPerMs;
    QCOMPARE(classicSummaryLines(summary),
             QStringLiteral("main takes time=0.210s\nserial exec time would be time=0.647s"));
    summary.wallNs = -1;
    summary.serialNs = 0;
    QCOMPARE(classicSummaryLines(summary),
             QStringLiteral("main takes time=0.000s\nserial exec time would be time=0.000s"));
}

void TestFormatting::wholePercent_data()
{
    QTest::addColumn<double>("fraction");
    QTest::addColumn<QString>("expected");

    QTest::newRow("none") << 0.0 << QStringLiteral("0%");
    QTest::newRow("all") << 1.0 << QStringLiteral("100%");
    QTest::newRow("rounded to a whole percent") << 0.754 << QStringLiteral("75%");
    QTest::newRow("to the nearest, up") << 0.756 << QStringLiteral("76%");
    QTest::newRow("more than all, no separator") << 12.5 << QStringLiteral("1250%");
}

void TestFormatting::wholePercent()
{
    QFETCH(double, fraction);
    QFETCH(QString, expected);
    QCOMPARE(formatWholePercent(fraction), expected);
}

void TestFormatting::percentChange_data()
{
    QTest::addColumn<qint64>("before");
    QTest::addColumn<qint64>("after");
    QTest::addColumn<QString>("expected");

    QTest::newRow("no change is +0.0%") << qint64(1000) << qint64(1000) << QStringLiteral("+0.0%");
    QTest::newRow("slower by an eighth")
        << qint64(1000) << qint64(1125) << QStringLiteral("+12.5%");
    QTest::newRow("faster") << qint64(1000) << qint64(970) << QStringLiteral("-3.0%");
    QTest::newRow("a third faster, to one decimal")
        << qint64(3) << qint64(2) << QStringLiteral("-33.3%");
    QTest::newRow("a tiny gain still shows its sign")
        << qint64(100'000) << qint64(99'999) << QStringLiteral("-0.0%");
    QTest::newRow("a billion times slower, no separator")
        << qint64(1) << qint64(1'000'000'000) << QStringLiteral("+99999999900.0%");
}

void TestFormatting::percentChange()
{
    QFETCH(qint64, before);
    QFETCH(qint64, after);
    QFETCH(QString, expected);
    QCOMPARE(formatPercentChange(before, after), expected);
}

void TestFormatting::exactMs_data()
{
    QTest::addColumn<qint64>("ns");
    QTest::addColumn<QByteArray>("expected");

    QTest::newRow("zero") << qint64(0) << QByteArray("0.000");
    QTest::newRow("1.5 ms is 1.500 whatever a double would print")
        << qint64(1'500'000) << QByteArray("1.500");
    QTest::newRow("499 ns rounds down") << qint64(499) << QByteArray("0.000");
    QTest::newRow("500 ns rounds up, halves up") << qint64(500) << QByteArray("0.001");
    QTest::newRow("999.9995 ms carries into the next ms")
        << qint64(999'999'500) << QByteArray("1000.000");
    QTest::newRow("microseconds") << qint64(12'345'678) << QByteArray("12.346");
    QTest::newRow("unknown is -1") << qint64(-1) << QByteArray("-1");
    QTest::newRow("any negative is unknown") << -5 * NsPerMs << QByteArray("-1");
    QTest::newRow("the largest time does not overflow")
        << Largest << QByteArray("9223372036854.776");
}

void TestFormatting::exactMs()
{
    QFETCH(qint64, ns);
    QFETCH(QByteArray, expected);
    QCOMPARE(formatExactMs(ns), expected);
}

void TestFormatting::exactMsOfUs_data()
{
    QTest::addColumn<qint64>("us");
    QTest::addColumn<QByteArray>("expected");

    QTest::newRow("zero") << qint64(0) << QByteArray("0.000");
    QTest::newRow("one microsecond") << qint64(1) << QByteArray("0.001");
    QTest::newRow("1.5 ms") << qint64(1500) << QByteArray("1.500");
    QTest::newRow("a second") << qint64(1'000'000) << QByteArray("1000.000");
    QTest::newRow("unknown is -1") << qint64(-1) << QByteArray("-1");
    QTest::newRow("the largest count of microseconds")
        << Largest << QByteArray("9223372036854775.807");
}

void TestFormatting::exactMsOfUs()
{
    QFETCH(qint64, us);
    QFETCH(QByteArray, expected);
    QCOMPARE(formatExactMsOfUs(us), expected);
}

void TestFormatting::widestTextsUseTheGivenDigit()
{
    const QStringList sizes = widestSizeTexts(QLatin1Char('8'));
    QVERIFY(sizes.contains(QStringLiteral("8888 bytes")));
    QVERIFY(sizes.contains(QStringLiteral("8888 of 8888 bytes")));
    QVERIFY(sizes.contains(QStringLiteral("8888.8 of 8888.8 MiB")));
    QVERIFY(sizes.contains(QStringLiteral("8888.8 TiB")));
    QVERIFY(widestRateTexts(QLatin1Char('8')).contains(QStringLiteral("8888.8 GiB/s")));
    QVERIFY(widestSecondsTexts(QLatin1Char('8')).contains(QStringLiteral("8888.888 s")));
    QVERIFY(widestSecondsTexts(QLatin1Char('8')).contains(unknownValue()));
    QCOMPARE(unknownValue(), QStringLiteral("–"));
}

void TestFormatting::peopleGetTheirLocaleClassicLinesDoNot()
{
    QLocale::setDefault(QLocale(QLocale::German, QLocale::Germany));
    QCOMPARE(formatSeconds(47 * NsPerMs), QStringLiteral("0,047 s"));
    QCOMPARE(formatBytes(50'000'000), QStringLiteral("47,7 MiB"));
    QCOMPARE(formatBytes(1'234'567'890'123), QStringLiteral("1,1 TiB"));
    QCOMPARE(formatSeconds(1'234'500 * NsPerMs), QStringLiteral("1234,500 s"));
    QCOMPARE(formatSpeedup(2.5), QStringLiteral("2,50×"));
    QCOMPARE(formatClassicSeconds(47 * NsPerMs), QStringLiteral("0.047s"));
    QCOMPARE(formatClassicSpeedup(2.5), QStringLiteral("2.50x"));
    QCOMPARE(formatPlainSeconds(250), QStringLiteral("0.25"));
    QCOMPARE(formatPercentChange(1000, 1125), QStringLiteral("+12.5%"));
    QCOMPARE(formatWholePercent(0.254), QStringLiteral("25%"));
}

QTEST_GUILESS_MAIN(TestFormatting)
#include "tst_formatting.moc"
