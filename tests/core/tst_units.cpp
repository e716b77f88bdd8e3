// SPDX-License-Identifier: GPL-3.0-or-later
// The unit constants agree with each other, the microsecond rounding, and the reason phrases.
// (What the formatters write is tst_formatting's.)
#include "units.h"

#include <QTest>

#include <limits>

using namespace Parafetch;

class TestUnits : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void constants_data();
    void constants();
    void roundedMicroseconds_data();
    void roundedMicroseconds();
    void reasonPhrases_data();
    void reasonPhrases();
};

void TestUnits::constants_data()
{
    QTest::addColumn<qint64>("constant");
    QTest::addColumn<qint64>("expected");

    QTest::newRow("a microsecond is 1000 ns") << Units::NsPerUs << qint64(1000);
    QTest::newRow("a millisecond is a million ns") << Units::NsPerMs << qint64(1'000'000);
    QTest::newRow("a second is a billion ns") << Units::NsPerSecond << qint64(1'000'000'000);
    QTest::newRow("a second is a million us") << Units::UsPerSecond << qint64(1'000'000);
    QTest::newRow("a second is 1000 ms") << Units::MsPerSecond << qint64(1000);
    QTest::newRow("a day is 86,400,000 ms") << Units::MsPerDay << qint64(86'400'000);
    QTest::newRow("a KiB is 2^10 bytes") << Units::BytesPerKiB << (qint64(1) << 10);
    QTest::newRow("a MiB is 2^20 bytes") << Units::BytesPerMiB << (qint64(1) << 20);
    QTest::newRow("a GiB is 2^30 bytes") << Units::BytesPerGiB << (qint64(1) << 30);
    QTest::newRow("percent") << qint64(Units::PercentScale) << qint64(100);
}

void TestUnits::constants()
{
    QFETCH(qint64, constant);
    QFETCH(qint64, expected);
    QCOMPARE(constant, expected);
}

void TestUnits::roundedMicroseconds_data()
{
    QTest::addColumn<qint64>("ns");
    QTest::addColumn<qint64>("us");

    QTest::newRow("zero") << qint64(0) << qint64(0);
    QTest::newRow("499 ns rounds down") << qint64(499) << qint64(0);
    QTest::newRow("500 ns rounds up (halves up)") << qint64(500) << qint64(1);
    QTest::newRow("1499 ns is 1 us") << qint64(1499) << qint64(1);
    QTest::newRow("unknown stays -1") << qint64(-1) << qint64(-1);
    QTest::newRow("any negative is unknown") << qint64(-5000) << qint64(-1);
    QTest::newRow("the largest does not overflow")
        << std::numeric_limits<qint64>::max() << qint64(9'223'372'036'854'776);
}

void TestUnits::roundedMicroseconds()
{
    QFETCH(qint64, ns);
    QFETCH(qint64, us);
    QCOMPARE(Units::nsToRoundedUs(ns), us);
}

void TestUnits::reasonPhrases_data()
{
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("reason");

    QTest::newRow("200 OK") << 200 << QByteArray("OK");
    QTest::newRow("206 Partial Content") << 206 << QByteArray("Partial Content");
    QTest::newRow("301 Moved Permanently") << 301 << QByteArray("Moved Permanently");
    QTest::newRow("404 Not Found") << 404 << QByteArray("Not Found");
    QTest::newRow("413 is RFC 9110's Content Too Large") << 413 << QByteArray("Content Too Large");
    QTest::newRow("416 Range Not Satisfiable") << 416 << QByteArray("Range Not Satisfiable");
    QTest::newRow("418, which clients like to test with") << 418 << QByteArray("I'm a teapot");
    QTest::newRow("503 Service Unavailable") << 503 << QByteArray("Service Unavailable");
    QTest::newRow("an unassigned status has none") << 299 << QByteArray();
    QTest::newRow("no status has none") << 0 << QByteArray();
}

void TestUnits::reasonPhrases()
{
    QFETCH(int, status);
    QFETCH(QByteArray, reason);
    const char *phrase = httpReasonPhrase(status);
    QCOMPARE(QByteArray(phrase), reason);
    QCOMPARE(phrase == nullptr, reason.isNull());
}

QTEST_APPLESS_MAIN(TestUnits)
#include "tst_units.moc"
