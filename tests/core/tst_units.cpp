// One unit convention for every front end: binary sizes with IEC labels, seconds and milliseconds.
#include "units.h"

#include <QLocale>
#include <QTest>

using namespace Parafetch;

class TestUnits : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void texts_data();
    void texts();
    void widestTextsUseTheGivenDigit();
};

void TestUnits::initTestCase()
{
    // The expected texts below are written in American English.
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
}

void TestUnits::texts_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("expected");

    QTest::newRow("no bytes") << formatBytes(0) << QStringLiteral("0 bytes");
    QTest::newRow("a few bytes") << formatBytes(78) << QStringLiteral("78 bytes");
    QTest::newRow("just under a KiB stays bytes")
        << formatBytes(1023) << QStringLiteral("1023 bytes");
    QTest::newRow("one KiB") << formatBytes(1024) << QStringLiteral("1.0 KiB");
    QTest::newRow("50,000,000 bytes is 47.7 MiB, not 47.7 MB")
        << formatBytes(50'000'000) << QStringLiteral("47.7 MiB");
    QTest::newRow("5,000,000,000 bytes is 4.7 GiB")
        << formatBytes(5'000'000'000) << QStringLiteral("4.7 GiB");
    QTest::newRow("a rate in MiB/s") << formatRate(50'000'000.0) << QStringLiteral("47.7 MiB/s");
    QTest::newRow("progress in bytes")
        << formatByteProgress(78, 100) << QStringLiteral("78 of 100 bytes");
    QTest::newRow("progress past a unit's end keeps the total's unit")
        << formatByteProgress(2'000, 2'000'000'000) << QStringLiteral("0.0 of 1.9 GiB");
    QTest::newRow("a rate in bytes/s") << formatRate(512.0) << QStringLiteral("512 bytes/s");
    QTest::newRow("progress of a known size")
        << formatByteProgress(1'048'576, 50'000'000) << QStringLiteral("1.0 of 47.7 MiB");
    QTest::newRow("seconds with milliseconds")
        << formatSeconds(47'000'000) << QStringLiteral("0.047 s");
    QTest::newRow("seconds past a thousand")
        << formatSeconds(1'234'500'000'000) << QStringLiteral("1234.500 s");
    QTest::newRow("milliseconds to one decimal")
        << formatMilliseconds(12'345'678, 1) << QStringLiteral("12.3 ms");
    QTest::newRow("milliseconds to three decimals")
        << formatMilliseconds(1'500, 3) << QStringLiteral("0.002 ms");
    QTest::newRow("an unknown value is a dash") << unknownValue() << QStringLiteral("–");
}

void TestUnits::texts()
{
    QFETCH(QString, text);
    QFETCH(QString, expected);
    QCOMPARE(text, expected);
}

void TestUnits::widestTextsUseTheGivenDigit()
{
    const QStringList sizes = widestSizeTexts(QLatin1Char('8'));
    QVERIFY(sizes.contains(QStringLiteral("8888 bytes")));
    QVERIFY(sizes.contains(QStringLiteral("8888 of 8888 bytes")));
    QVERIFY(sizes.contains(QStringLiteral("8888.8 of 8888.8 MiB")));
    QVERIFY(sizes.contains(QStringLiteral("8888.8 TiB")));
    QVERIFY(widestRateTexts(QLatin1Char('8')).contains(QStringLiteral("8888.8 GiB/s")));
    QVERIFY(widestSecondsTexts(QLatin1Char('8')).contains(QStringLiteral("8888.888 s")));
}

QTEST_GUILESS_MAIN(TestUnits)
#include "tst_units.moc"
