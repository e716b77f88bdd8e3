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
    void storedKeysShareTheirBlockAndOutliveTheMap();
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

void TestPackedKeyMap::storedKeysShareTheirBlockAndOutliveTheMap()
{
    const QByteArray longKey(PackedKeyMap::BlockBytes * 2, 'L');
    QByteArray first, second, again, own;
    {
        PackedKeyMap map;
        map.value("http://a.test/1", &first) = 1;
        map.value("http://a.test/2", &second) = 2;
        map.value(longKey, &own) = 3;
        QCOMPARE(map.value("http://a.test/1", &again), 1); // found, and handed out again
        QCOMPARE(map.size(), 3);
        // Two short keys, one block: their bytes are not allocated one by one.
        QCOMPARE(first.data_ptr().d_ptr(), second.data_ptr().d_ptr());
        QCOMPARE(again.constData(), first.constData());
        QVERIFY(own.data_ptr().d_ptr() != first.data_ptr().d_ptr()); // a block of its own
    }
    // The map is gone; the keys it handed out keep their blocks.
    QCOMPARE(first, QByteArray("http://a.test/1"));
    QCOMPARE(second, QByteArray("http://a.test/2"));
    QCOMPARE(own, longKey);
    QCOMPARE(first.constData()[first.size()], '\0'); // terminated, as QByteArray's bytes are
    QCOMPARE(qstrlen(second.constData()), size_t(second.size()));
    // Copy on write, as any shared QByteArray: the block's other keys stay as they were.
    first[0] = 'X';
    QCOMPARE(first, QByteArray("Xttp://a.test/1"));
    QCOMPARE(second, QByteArray("http://a.test/2"));
    QCOMPARE(again, QByteArray("http://a.test/1"));
}

QTEST_GUILESS_MAIN(TestPackedKeyMap)
#include "tst_packedkeymap.moc"
