// A 512 MiB body streams through the engine with bounded memory, counted and hashed exactly.
#include "fetchengine.h"
#include "jobqueuemodel.h"
#include "loopbackserver.h"
#include "testsupport.h"
#include "urllistparser.h"

#include <QtTest>

using namespace Parafetch;
using namespace Parafetch::TestSupport;

class TestLargeBody : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void streamsWithBoundedMemory();
};

void TestLargeBody::streamsWithBoundedMemory()
{
    constexpr qint64 BodyBytes = qint64(512) << 20;
    // Far below the body: a buffered body would blow through it (DESIGN rule 4).
    constexpr qint64 MaxRssGrowthBytes = qint64(96) << 20;

    LoopbackServer server;
    QVERIFY2(server.listen(), qPrintable(server.errorString()));
    const QByteArray expectedSha = LoopbackServer::expectedSha256(BodyBytes);
    const qint64 rssBefore = peakRssBytes();

    JobQueueModel model;
    model.addEntries(entriesFor({ server.url(QStringLiteral("/bytes/%1").arg(BodyBytes)) }));
    FetchEngine engine(&model);
    engine.setOptions(testOptions(1));
    QVERIFY(runToEnd(engine));

    const Job &job = model.jobAt(0);
    QCOMPARE(job.state, JobState::Succeeded);
    QCOMPARE(job.bytesReceived, BodyBytes);
    QCOMPARE(job.sha256, expectedSha);

    const qint64 rssAfter = peakRssBytes();
    qInfo("peak RSS: %lld MiB before the download, %lld MiB after (body %lld MiB)",
          rssBefore >> 20, rssAfter >> 20, BodyBytes >> 20);
    if (rssBefore < 0 || rssAfter < 0)
        QSKIP("no /proc/self/status on this system: peak memory not checked");
#if defined(__SANITIZE_ADDRESS__)
    // AddressSanitizer keeps freed blocks in quarantine: its RSS says nothing about ours.
    QSKIP("built with AddressSanitizer: peak memory not checked (bytes and digest were)");
#endif
    QVERIFY2(rssAfter - rssBefore < MaxRssGrowthBytes,
             qPrintable(QStringLiteral("peak RSS grew by %1 MiB").arg((rssAfter - rssBefore) >> 20)));
}

QTEST_GUILESS_MAIN(TestLargeBody)
#include "tst_largebody.moc"
