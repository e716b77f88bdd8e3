// SPDX-License-Identifier: GPL-3.0-or-later
// Resuming a download: a retry continues the kept .part with Range + If-Range when the server
// can (206), starts over cleanly when it answers 200, and leaves no partial file either way.
#include "engine/fetchengine.h"
#include "jobqueuemodel.h"
#include "server/loopbackserver.h"
#include "testsupport.h"
#include "urllistparser.h"

#include <QDir>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

using namespace Parafetch;
using namespace Parafetch::TestSupport;

class TestResume : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void retryAfterACut_data();
    void retryAfterACut();
    void lastAttemptFailingLeavesNoPart();

private:
    QList<RecordedRequest> resumableRequests() const;
    std::unique_ptr<LoopbackServer> m_server;
};

namespace {

constexpr qint64 BodyBytes = 300'000;
constexpr qint64 CutBytes = 120'000;

QStringList filesIn(const QString &path)
{
    return QDir(path).entryList(QDir::Files | QDir::Hidden | QDir::System);
}

} // namespace

void TestResume::init()
{
    QVERIFY2(startLoopbackServer(m_server), qPrintable(m_server->errorString()));
}

QList<RecordedRequest> TestResume::resumableRequests() const
{
    QList<RecordedRequest> requests;
    for (const RecordedRequest &request : m_server->recordedRequests()) {
        if (request.target.startsWith("/resumable/"))
            requests.append(request);
    }
    return requests;
}

void TestResume::retryAfterACut_data()
{
    QTest::addColumn<QString>("query");
    QTest::addColumn<bool>("toDisk");
    QTest::addColumn<bool>("resume");
    QTest::addColumn<QByteArray>("expectedIfRange"); // empty: the retry asks for everything

    QTest::newRow("206: continues the kept part")
        << "etag=v1" << true << true << QByteArray("\"v1\"");
    QTest::newRow("the ETag changed: If-Range fails, the 200 starts over")
        << "changing=1" << true << true << QByteArray("*changing*");
    QTest::newRow("resume switched off") << "etag=v1" << true << false << QByteArray();
    QTest::newRow("bodies discarded: nothing kept, nothing to resume")
        << "etag=v1" << false << true << QByteArray();
}

void TestResume::retryAfterACut()
{
    QFETCH(QString, query);
    QFETCH(bool, toDisk);
    QFETCH(bool, resume);
    QFETCH(QByteArray, expectedIfRange);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    // A fresh server per row (init): the tag's first request is cut, the retry is whole.
    const QString path =
        QStringLiteral("/resumable/%1?cut=%2&tag=t&%3").arg(BodyBytes).arg(CutBytes).arg(query);
    JobQueueModel model;
    model.addEntries(entriesFor({ m_server->url(path) }));
    FetchEngine engine(&model);
    FetchOptions options = testOptions(1);
    options.retries = 1;
    options.resume = resume;
    options.outputDirectory = toDisk ? dir.path() : QString();
    engine.setOptions(options);
    QVERIFY(runToEnd(engine));

    const Job &job = model.jobAt(0);
    QVERIFY2(job.state == JobState::Succeeded, qPrintable(job.errorString()));
    QCOMPARE(job.attempts, 2);
    QCOMPARE(job.bytesReceived, BodyBytes);
    QCOMPARE(job.bytesTotal, BodyBytes);
    // The whole body, kept part included, whichever way it was put together.
    QCOMPARE(job.sha256, LoopbackServer::expectedResumableSha256(BodyBytes));

    // Qt 6.4 sometimes sends a cut request once more on its own, after it has reported the
    // reply finished; so count what matters: which requests asked for a range, and how.
    const QList<RecordedRequest> requests = resumableRequests();
    QVERIFY(requests.size() >= 2);
    QVERIFY(requests.first().header("Range").isEmpty());
    QList<RecordedRequest> ranged;
    std::copy_if(requests.cbegin(), requests.cend(), std::back_inserter(ranged),
                 [](const RecordedRequest &request) { return !request.header("Range").isEmpty(); });
    if (expectedIfRange.isEmpty()) {
        QCOMPARE(ranged.size(), 0);
    } else {
        // The retry, and only it, asks for the rest: from where the kept part ends, at most
        // where the server cut.
        QCOMPARE(ranged.size(), 1);
        QCOMPARE(ranged.first().receivedAtNs, requests.last().receivedAtNs);
        const QByteArray range = ranged.first().header("Range");
        QVERIFY2(range.startsWith("bytes=") && range.endsWith('-'), range.constData());
        const qint64 from = range.mid(6, range.size() - 7).toLongLong();
        QVERIFY2(from > 0 && from <= CutBytes, range.constData());
        const QByteArray ifRange = ranged.first().header("If-Range");
        if (expectedIfRange != "*changing*")
            QCOMPARE(ifRange, expectedIfRange);
        else
            QVERIFY(!ifRange.isEmpty());
    }

    if (toDisk) {
        // One file under its final name, no .part beside it, and its bytes are the body's.
        const QStringList files = filesIn(dir.path());
        QCOMPARE(files.size(), 1);
        QVERIFY2(!files.at(0).endsWith(QLatin1String(".part")), qPrintable(files.at(0)));
        QFile saved(job.savedPath());
        QVERIFY(saved.open(QIODevice::ReadOnly));
        QCOMPARE(saved.size(), BodyBytes);
        QVERIFY(saved.readAll() == LoopbackServer::resumableBytes(0, BodyBytes));
    } else {
        QVERIFY(filesIn(dir.path()).isEmpty());
    }
}

void TestResume::lastAttemptFailingLeavesNoPart()
{
    // Without a tag every request is cut: the kept part is resumed once, then the last attempt
    // fails too, and nothing remains on disk.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    JobQueueModel model;
    model.addEntries(entriesFor(
        { m_server->url(QStringLiteral("/resumable/%1?cut=%2").arg(BodyBytes).arg(CutBytes)) }));
    FetchEngine engine(&model);
    FetchOptions options = testOptions(1);
    options.retries = 1;
    options.outputDirectory = dir.path();
    engine.setOptions(options);
    QVERIFY(runToEnd(engine));

    const Job &job = model.jobAt(0);
    QCOMPARE(job.state, JobState::Failed);
    QCOMPARE(job.attempts, 2);
    const QList<RecordedRequest> requests = resumableRequests();
    QVERIFY(std::any_of(requests.cbegin(), requests.cend(), [](const RecordedRequest &request) {
        return !request.header("Range").isEmpty();
    }));
    QVERIFY2(filesIn(dir.path()).isEmpty(), qPrintable(filesIn(dir.path()).join(u' ')));
}

QTEST_GUILESS_MAIN(TestResume)
#include "tst_resume.moc"
