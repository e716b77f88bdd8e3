// SPDX-License-Identifier: GPL-3.0-or-later
// SHA-256 through libcrypto: known answers, and chunked input equals one piece.
#include "sha256.h"

#include <QCryptographicHash>
#include <QRandomGenerator>
#include <QtTest>

using Parafetch::Sha256;

class TestSha256 : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void knownAnswers_data();
    void knownAnswers();
    void chunksEqualOnePiece();
    void stepBoundaries_data();
    void stepBoundaries();
    void resultStartsOver();
};

void TestSha256::knownAnswers_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<QByteArray>("hexDigest");
    // FIPS 180-2 examples.
    QTest::newRow("empty")
        << QByteArray()
        << QByteArray("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    QTest::newRow("abc") << QByteArray(
        "abc") << QByteArray("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    QTest::newRow("two blocks")
        << QByteArray("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")
        << QByteArray("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    QTest::newRow("a million a's")
        << QByteArray(1'000'000, 'a')
        << QByteArray("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

void TestSha256::knownAnswers()
{
    QFETCH(QByteArray, input);
    QFETCH(QByteArray, hexDigest);
    QCOMPARE(Sha256::hash(input).toHex(), hexDigest);
}

void TestSha256::chunksEqualOnePiece()
{
    QRandomGenerator random(42);
    QByteArray data(3 * 1024 * 1024 + 17, Qt::Uninitialized);
    for (char &byte : data)
        byte = char(random.bounded(256));
    Sha256 chunked;
    for (qsizetype at = 0; at < data.size();) {
        const qsizetype step = std::min<qsizetype>(1 + random.bounded(100'000), data.size() - at);
        chunked.addData(QByteArrayView(data).sliced(at, step));
        at += step;
    }
    QCOMPARE(chunked.result(), QCryptographicHash::hash(data, QCryptographicHash::Sha256));
}

void TestSha256::stepBoundaries_data()
{
    // addData() hashes in 2 KiB steps and prefetches 4 KiB ahead of each: sizes and addresses
    // around those edges must hash as QCryptographicHash does.
    QTest::addColumn<int>("size");
    QTest::addColumn<int>("offset"); // of the data from an aligned allocation
    QTest::newRow("one byte") << 1 << 0;
    QTest::newRow("one byte short of a step") << 2047 << 0;
    QTest::newRow("exactly one step") << 2048 << 0;
    QTest::newRow("one byte past a step") << 2049 << 0;
    QTest::newRow("one step plus the prefetch distance") << 2048 + 4096 << 0;
    QTest::newRow("one byte short of that, from an odd address") << 2048 + 4095 << 1;
    QTest::newRow("a received chunk, from an unaligned address") << 64 * 1024 + 5 << 63;
}

void TestSha256::stepBoundaries()
{
    QFETCH(int, size);
    QFETCH(int, offset);
    QRandomGenerator random(7);
    QByteArray storage(offset + size, Qt::Uninitialized);
    for (char &byte : storage)
        byte = char(random.bounded(256));
    const QByteArrayView data = QByteArrayView(storage).sliced(offset);
    Sha256 sha;
    sha.addData(data);
    QCOMPARE(sha.result(), QCryptographicHash::hash(data, QCryptographicHash::Sha256));
}

void TestSha256::resultStartsOver()
{
    Sha256 sha;
    sha.addData("ignored");
    sha.result();
    sha.addData("abc");
    QCOMPARE(sha.result(), Sha256::hash("abc"));
}

QTEST_GUILESS_MAIN(TestSha256)
#include "tst_sha256.moc"
