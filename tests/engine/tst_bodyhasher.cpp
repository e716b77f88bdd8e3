// SPDX-License-Identifier: GPL-3.0-or-later
// A body's hash handed to a hashing thread: the same digest as in one piece, a bounded queue
// that wakes its reader, copies in recycled pieces, one turn per body, and a reset or
// destruction with chunks still queued.
#include "engine/bodyhasher.h"
#include "sha256.h"

#include <QObject>
#include <QRandomGenerator>
#include <QtTest>

using Parafetch::BodyHasher;
using Parafetch::Sha256;

class TestBodyHasher : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void digestEqualsOnePiece_data();
    void digestEqualsOnePiece();
    void queueIsBoundedAndWakesItsReader();
    void handsOverCopiesInRecycledPieces();
    void aBodyKeepsItsHashingThread();
    void resetWithChunksQueuedStartsOver();
    void destroyedWithChunksQueued();
};

namespace {

QByteArray randomBytes(qsizetype size, quint32 seed)
{
    QByteArray bytes(size, Qt::Uninitialized);
    QRandomGenerator generator(seed);
    generator.fillRange(reinterpret_cast<quint32 *>(bytes.data()), size / 4);
    return bytes;
}

// Feeds body in chunks the way the fetch task does: waits (in this thread's event loop) for the
// hashing thread whenever the queue is full, then for the end.
QByteArray hashInChunks(BodyHasher &hasher, const QByteArray &body, qsizetype chunkSize)
{
    QObject context;
    for (qsizetype at = 0; at < body.size(); at += chunkSize) {
        if (!hasher.hasRoom()) {
            bool woken = false;
            if (hasher.wakeWhenReady(&context, [&woken] { woken = true; }))
                [&] { QTRY_VERIFY_WITH_TIMEOUT(woken, 10000); }();
        }
        hasher.addData(body.sliced(at, std::min(chunkSize, body.size() - at)));
    }
    bool done = false;
    if (hasher.wakeWhenReady(&context, [&done] { done = true; })) {
        // Waking at half the queue is for the reader; the end is asked for again.
        while (!hasher.isIdle()) {
            [&] { QTRY_VERIFY_WITH_TIMEOUT(done, 10000); }();
            done = false;
            if (!hasher.wakeWhenReady(&context, [&done] { done = true; }))
                break;
        }
    }
    return hasher.isIdle() ? hasher.result() : QByteArray();
}

} // namespace

void TestBodyHasher::digestEqualsOnePiece_data()
{
    QTest::addColumn<qsizetype>("bodyBytes");
    QTest::addColumn<qsizetype>("chunkBytes");
    constexpr qsizetype KiB = 1024, MiB = 1024 * KiB;
    QTest::newRow("empty") << qsizetype(0) << 64 * KiB;
    QTest::newRow("small body, hashed where it is read") << 100 * KiB << 16 * KiB;
    QTest::newRow("exactly the threshold") << qsizetype(BodyHasher::OffloadAfterBytes) << 64 * KiB;
    QTest::newRow("one byte past the threshold")
        << qsizetype(BodyHasher::OffloadAfterBytes + 1) << 64 * KiB;
    QTest::newRow("large body in 64 KiB chunks") << 40 * MiB << 64 * KiB;
    QTest::newRow("large body in 1 MiB chunks") << 40 * MiB << MiB;
    QTest::newRow("large body in odd chunks") << 24 * MiB + 17 << 333 * KiB + 1;
    QTest::newRow("chunks larger than the queue") << 24 * MiB << 5 * MiB;
}

void TestBodyHasher::digestEqualsOnePiece()
{
    QFETCH(qsizetype, bodyBytes);
    QFETCH(qsizetype, chunkBytes);
    const QByteArray body = randomBytes(bodyBytes, 7);
    BodyHasher hasher;
    hasher.reset();
    QCOMPARE(hashInChunks(hasher, body, chunkBytes).toHex(), Sha256::hash(body).toHex());
    // The hasher is ready for the next body (another attempt) at once.
    hasher.reset();
    QCOMPARE(hashInChunks(hasher, body, chunkBytes).toHex(), Sha256::hash(body).toHex());
}

void TestBodyHasher::queueIsBoundedAndWakesItsReader()
{
    constexpr qsizetype Chunk = 256 * 1024;
    const QByteArray chunk = randomBytes(Chunk, 3);
    BodyHasher hasher;
    QByteArray body;
    // Past the threshold, then as fast as the queue takes chunks: it never holds more than its
    // bound (plus the chunk that filled it), however far ahead the reader is.
    qint64 given = 0;
    while (given < BodyHasher::OffloadAfterBytes + 4 * BodyHasher::MaxQueuedBytes) {
        QObject context;
        bool woken = false;
        if (!hasher.hasRoom()) {
            QVERIFY(hasher.wakeWhenReady(&context, [&woken] { woken = true; }) || hasher.hasRoom());
            QTRY_VERIFY_WITH_TIMEOUT(woken || hasher.hasRoom(), 10000);
            QVERIFY(hasher.hasRoom());
        }
        hasher.addData(chunk);
        body += chunk;
        given += Chunk;
    }
    QObject context;
    bool done = false;
    while (!hasher.isIdle()) {
        done = false;
        if (hasher.wakeWhenReady(&context, [&done] { done = true; }))
            QTRY_VERIFY_WITH_TIMEOUT(done, 10000);
    }
    QCOMPARE(hasher.result().toHex(), Sha256::hash(body).toHex());
}

void TestBodyHasher::handsOverCopiesInRecycledPieces()
{
    constexpr qsizetype Chunk = 1024 * 1024;
    const QByteArray body = randomBytes(40 * Chunk, 11);
    BodyHasher hasher;
    QObject context;
    qsizetype given = 0;
    for (; given < body.size(); given += Chunk) {
        if (!hasher.hasRoom()) {
            bool woken = false;
            if (hasher.wakeWhenReady(&context, [&woken] { woken = true; }))
                QTRY_VERIFY_WITH_TIMEOUT(woken, 10000);
        }
        // A chunk of its own, as the reply hands over: the hashing thread keeps no reference
        // to it (it reads a copy), so the reader's array is freed as soon as the reader is done.
        QByteArray chunk = body.sliced(given, Chunk);
        hasher.addData(chunk);
        QVERIFY2(chunk.isDetached(),
                 qPrintable(QStringLiteral("chunk at %1 MiB").arg(given >> 20)));
    }
    while (!hasher.isIdle()) {
        bool done = false;
        if (hasher.wakeWhenReady(&context, [&done] { done = true; }))
            QTRY_VERIFY_WITH_TIMEOUT(done, 10000);
    }
    QCOMPARE(hasher.result().toHex(), Sha256::hash(body).toHex());
    const BodyHasher::Counters counters = hasher.counters();
    // Everything past the threshold went over, in pieces...
    QCOMPARE(counters.piecesQueued,
             qint64((body.size() - BodyHasher::OffloadAfterBytes) / BodyHasher::PieceBytes));
    // ... written again once hashed: no more arrays than a full queue, the chunk that filled it
    // and the spares take, however long the body.
    QVERIFY2(counters.piecesAllocated
                 <= 2 * (BodyHasher::MaxQueuedBytes + Chunk) / BodyHasher::PieceBytes,
             qPrintable(QString::number(counters.piecesAllocated)));
}

void TestBodyHasher::aBodyKeepsItsHashingThread()
{
    // However many chunks and however often the reader waits for room, one pool thread takes
    // the body up once and stays with it to the end.
    const QByteArray body = randomBytes(64 * 1024 * 1024, 13);
    BodyHasher hasher;
    QCOMPARE(hashInChunks(hasher, body, 1024 * 1024).toHex(), Sha256::hash(body).toHex());
    QCOMPARE(hasher.counters().turns, qint64(1));
}

void TestBodyHasher::resetWithChunksQueuedStartsOver()
{
    const QByteArray first = randomBytes(32 * 1024 * 1024, 1);
    const QByteArray second = randomBytes(3 * 1024 * 1024, 2);
    BodyHasher hasher;
    // A failed attempt leaves chunks queued; the next attempt's body is hashed alone.
    for (qsizetype at = 0; at < first.size() && hasher.hasRoom(); at += 1024 * 1024)
        hasher.addData(first.sliced(at, 1024 * 1024));
    hasher.reset();
    QCOMPARE(hashInChunks(hasher, second, 512 * 1024).toHex(), Sha256::hash(second).toHex());
}

void TestBodyHasher::destroyedWithChunksQueued()
{
    const QByteArray body = randomBytes(8 * 1024 * 1024, 5);
    QObject context;
    bool woken = false;
    {
        BodyHasher hasher;
        for (qsizetype at = 0; at < body.size() && hasher.hasRoom(); at += 1024 * 1024)
            hasher.addData(body.sliced(at, 1024 * 1024));
        hasher.wakeWhenReady(&context, [&woken] { woken = true; });
    } // a cancelled task: the queue is dropped, and no wake-up comes for it
    // Another body through the same hashing threads, its wake-ups delivered: none of them is
    // the dropped one's.
    BodyHasher next;
    QCOMPARE(hashInChunks(next, body, 1024 * 1024).toHex(), Sha256::hash(body).toHex());
    QCoreApplication::processEvents();
    QVERIFY(!woken);
}

QTEST_GUILESS_MAIN(TestBodyHasher)
#include "tst_bodyhasher.moc"
