// SPDX-License-Identifier: GPL-3.0-or-later
// Large bodies stream through the engine with bounded memory, counted and hashed exactly, whether
// they are hashed, only counted, or written to a file.
#include "engine/fetchengine.h"
#include "jobqueuemodel.h"
#include "server/loopbackserver.h"
#include "sha256.h"
#include "testsupport.h"
#include "urllistparser.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

using namespace Parafetch;
using namespace Parafetch::TestSupport;

namespace {

constexpr qint64 MiB = qint64(1) << 20;

// Starts the peak-RSS count (VmHWM) over from the current RSS, so that each row measures its own
// peak rather than an earlier row's; false where the kernel does not offer it.
bool resetPeakRss()
{
    QFile clearRefs(QStringLiteral("/proc/self/clear_refs"));
    return clearRefs.open(QIODevice::WriteOnly) && clearRefs.write("5") == 1;
}

// The SHA-256 of a file, read the way the engine hashes: in pieces.
QByteArray fileSha256(const QString &path)
{
    constexpr qint64 PieceBytes = 4 * MiB;
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    Sha256 sha;
    while (!file.atEnd())
        sha.addData(file.read(PieceBytes));
    return sha.result();
}

} // namespace

class TestLargeBody : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void streamsWithBoundedMemory_data();
    void streamsWithBoundedMemory();
};

void TestLargeBody::streamsWithBoundedMemory_data()
{
    QTest::addColumn<int>("streams");
    QTest::addColumn<qint64>("bodyBytes"); // each
    QTest::addColumn<bool>("hash");
    QTest::addColumn<bool>("toFile");
    // Each body, or all of them together, is far larger than the memory bound.
    QTest::newRow("one 512 MiB body, hashed, discarded") << 1 << 512 * MiB << true << false;
    // Nothing reads these bytes: they are dropped inside Qt's buffer, and still counted.
    QTest::newRow("one 512 MiB body, not hashed, discarded") << 1 << 512 * MiB << false << false;
    QTest::newRow("eight 64 MiB bodies at once, hashed, discarded")
        << 8 << 64 * MiB << true << false;
    QTest::newRow("one 160 MiB body, hashed, written to a file") << 1 << 160 * MiB << true << true;
}

void TestLargeBody::streamsWithBoundedMemory()
{
    QFETCH(int, streams);
    QFETCH(qint64, bodyBytes);
    QFETCH(bool, hash);
    QFETCH(bool, toFile);
    // Far below what is fetched: a buffered body would blow through it (ARCHITECTURE rule 4).
    constexpr qint64 MaxRssGrowthBytes = 96 * MiB;

    LoopbackServer server;
    QVERIFY2(server.listen(), qPrintable(server.errorString()));
    QTemporaryDir output;
    QVERIFY(output.isValid());
    const QByteArray expectedSha = LoopbackServer::expectedSha256(bodyBytes);
    QList<QUrl> urls;
    for (int i = 0; i < streams; ++i)
        urls.append(server.url(QStringLiteral("/bytes/%1?i=%2").arg(bodyBytes).arg(i)));

    JobQueueModel model;
    model.addEntries(entriesFor(urls));
    FetchEngine engine(&model);
    FetchOptions options = testOptions(streams);
    options.computeSha256 = hash;
    if (toFile)
        options.outputDirectory = output.path();
    engine.setOptions(options);
    const bool peakReset = resetPeakRss();
    const qint64 rssBefore = peakRssBytes();
    QVERIFY(runToEnd(engine));
    const qint64 rssAfter = peakRssBytes();

    for (int i = 0; i < streams; ++i) {
        const Job &job = model.jobAt(i);
        QCOMPARE(job.state, JobState::Succeeded);
        QCOMPARE(job.bytesReceived, bodyBytes);
        QCOMPARE(job.sha256, hash ? expectedSha : QByteArray());
        if (toFile) {
            QVERIFY(!job.savedPath().isEmpty());
            QCOMPARE(QFileInfo(job.savedPath()).size(), bodyBytes);
            QCOMPARE(fileSha256(job.savedPath()), expectedSha);
        }
    }
    if (toFile) // the final files only: no partial file outlived its commit
        QCOMPARE(QDir(output.path()).entryList(QDir::Files | QDir::Hidden).size(), streams);

    qInfo("peak RSS: %lld MiB before the run, %lld MiB at its peak (%d x %lld MiB%s)",
          rssBefore >> 20, rssAfter >> 20, streams, bodyBytes >> 20,
          peakReset ? "" : "; peak not reset, so an earlier row's may hide this one's");
    if (rssBefore < 0 || rssAfter < 0)
        QSKIP("no /proc/self/status on this system: peak memory not checked");
#if defined(__SANITIZE_ADDRESS__)
    // AddressSanitizer keeps freed blocks in quarantine: its RSS says nothing about ours.
    QSKIP("built with AddressSanitizer: peak memory not checked (bytes and digest were)");
#endif
    QVERIFY2(
        rssAfter - rssBefore < MaxRssGrowthBytes,
        qPrintable(QStringLiteral("peak RSS grew by %1 MiB").arg((rssAfter - rssBefore) >> 20)));
}

QTEST_GUILESS_MAIN(TestLargeBody)
#include "tst_largebody.moc"
