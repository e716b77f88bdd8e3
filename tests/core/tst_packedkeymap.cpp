// SPDX-License-Identifier: GPL-3.0-or-later
// PackedKeyMap: keys found again whatever block they landed in, and packed, not one per string.
#include "packedkeymap.h"

#include <QtTest>

using namespace Parafetch;

class TestPackedKeyMap : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void findsEveryKeyAgain_data();
    void findsEveryKeyAgain();
};

void TestPackedKeyMap::findsEveryKeyAgain_data()
{
    QTest::addColumn<int>("count");
    QTest::addColumn<int>("keyBytes");
    QTest::newRow("none") << 0 << 10;
    QTest::newRow("one empty key") << 1 << 0;
    QTest::newRow("a few") << 5 << 40;
    QTest::newRow("across many blocks") << 50'000 << 40;
    QTest::newRow("keys longer than a block")
        << 3 << int(PackedKeyMap::BlockBytes + PackedKeyMap::BlockBytes / 2);
}

void TestPackedKeyMap::findsEveryKeyAgain()
{
    QFETCH(int, count);
    QFETCH(int, keyBytes);
    const auto keyOf = [keyBytes](int i) {
        QByteArray key = QByteArray::number(i);
        return key.leftJustified(keyBytes, char('a' + i % 26), true);
    };

    PackedKeyMap map;
    qsizetype totalBytes = 0;
    for (int i = 0; i < count; ++i) {
        const QByteArray key = keyOf(i);
        totalBytes += key.size();
        int &value = map[key]; // new: inserted as 0
        QCOMPARE(value, 0);
        value = i + 1;
        // A short key in the middle of a block and one in a block of its own stay found.
        if (i > 0) {
            QCOMPARE(map[keyOf(0)], 1);
            QCOMPARE(map[keyOf(i - 1)], i);
        }
    }
    QCOMPARE(map.size(), qsizetype(count));
    for (int i = 0; i < count; ++i) {
        const QByteArray copy = keyOf(i); // another copy of the bytes: found by value
        const int *value = map.find(copy);
        QVERIFY(value);
        QCOMPARE(*value, i + 1);
    }
    QVERIFY(!map.find("not a key"));
    QCOMPARE(map.size(), qsizetype(count));
    // Packed: at most one partly filled block beyond the keys' own bytes.
    QVERIFY2(map.blockBytes() <= totalBytes + PackedKeyMap::BlockBytes,
             qPrintable(QString::number(map.blockBytes())));
}

QTEST_GUILESS_MAIN(TestPackedKeyMap)
#include "tst_packedkeymap.moc"
