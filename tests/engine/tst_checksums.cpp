// SPDX-License-Identifier: GPL-3.0-or-later
// Expected checksums in the engine: a body that hashes right is saved and verified; one that
// does not fails with its own error kind and never stands under its final name.
#include "engine/fetchengine.h"
#include "jobqueuemodel.h"
#include "server/loopbackserver.h"
#include "testsupport.h"
#include "urllistparser.h"

#include <QDir>
#include <QTemporaryDir>
#include <QtTest>

using namespace Parafetch;
using namespace Parafetch::TestSupport;

class TestChecksums : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void bodyIsCheckedAgainstItsChecksum_data();
    void bodyIsCheckedAgainstItsChecksum();
    void checksumsFileMatchesBySavedName();

private:
    std::unique_ptr<LoopbackServer> m_server;
};

void TestChecksums::init()
{
    QVERIFY2(startLoopbackServer(m_server), qPrintable(m_server->errorString()));
}

void TestChecksums::bodyIsCheckedAgainstItsChecksum_data()
{
    QTest::addColumn<bool>("matches");
    QTest::addColumn<bool>("hashing"); // FetchOptions::computeSha256 (--no-hash when false)
    QTest::addColumn<bool>("saving");
    QTest::addColumn<qint64>("size");

    QTest::newRow("right checksum, saved: verified") << true << true << true << qint64(5000);
    QTest::newRow("right checksum, --no-hash: hashed anyway")
        << true << false << true << qint64(5000);
    QTest::newRow("right checksum, discarded: verified") << true << true << false << qint64(5000);
    QTest::newRow("right checksum, 3 MiB: hashed on its own thread")
        << true << true << true << qint64(3 << 20);
    QTest::newRow("wrong checksum, saved: no file") << false << true << true << qint64(5000);
    QTest::newRow("wrong checksum, --no-hash: still caught")
        << false << false << true << qint64(5000);
    QTest::newRow("wrong checksum, 3 MiB: no file") << false << true << true << qint64(3 << 20);
}

void TestChecksums::bodyIsCheckedAgainstItsChecksum()
{
    QFETCH(bool, matches);
    QFETCH(bool, hashing);
    QFETCH(bool, saving);
    QFETCH(qint64, size);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QByteArray right = LoopbackServer::expectedSha256(size);
    const QByteArray wrong = LoopbackServer::expectedSha256(size + 1);
    const QString line = m_server->url(QStringLiteral("/bytes/%1").arg(size)).toString()
        + QStringLiteral(",body.bin,sha256=")
        + QString::fromLatin1((matches ? right : wrong).toHex());
    const ParseResult parsed = UrlListParser::parse(line);
    QCOMPARE(parsed.entries.size(), 1);
    JobQueueModel model;
    model.addEntries(parsed.entries);
    FetchEngine engine(&model);
    FetchOptions options = testOptions(1);
    options.retries = 2; // a mismatch is not retried: the same server sends the same bytes
    options.computeSha256 = hashing;
    if (saving)
        options.outputDirectory = dir.path();
    engine.setOptions(options);
    QVERIFY(runToEnd(engine));

    const Job job = model.jobAt(0);
    QCOMPARE(job.bytesReceived, size);
    QCOMPARE(job.sha256, right);
    QCOMPARE(m_server->requestCount(), qint64(1));
    if (matches) {
        QCOMPARE(stateName(job.state), stateName(JobState::Succeeded));
        QVERIFY(job.isVerified());
        QCOMPARE(model.data(model.index(0, JobQueueModel::StatusColumn)).toString(),
                 QStringLiteral("Done ✓ verified"));
    } else {
        QCOMPARE(stateName(job.state), stateName(JobState::Failed));
        QCOMPARE(errorKindName(job.errorKind), errorKindName(ErrorKind::ChecksumMismatch));
        QCOMPARE(job.errorString(),
                 QStringLiteral("checksum mismatch: expected %1, got %2")
                     .arg(QString::fromLatin1(wrong.toHex()), QString::fromLatin1(right.toHex())));
        QVERIFY(!job.isVerified());
        QCOMPARE(job.attempts, 1);
    }
    // A file stands under its final name only when it is the one expected; never a .part.
    const QStringList files = QDir(dir.path()).entryList(QDir::Files | QDir::Hidden);
    QCOMPARE(files, saving && matches ? QStringList { QStringLiteral("body.bin") } : QStringList());
}

void TestChecksums::checksumsFileMatchesBySavedName()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    // Saved as "100" and "200" (the URL's last segment), "named.bin" (the list's name);
    // the checksums file knows all three, one of them wrong. "300" is not listed: not checked.
    auto byName = std::make_shared<QHash<QString, Sha256Digest>>();
    byName->insert(QStringLiteral("100"), LoopbackServer::expectedSha256(100));
    byName->insert(QStringLiteral("200"), LoopbackServer::expectedSha256(201));
    byName->insert(QStringLiteral("named.bin"), LoopbackServer::expectedSha256(50));
    const QString list = m_server->url(QStringLiteral("/bytes/100")).toString() + u'\n'
        + m_server->url(QStringLiteral("/bytes/200")).toString() + u'\n'
        + m_server->url(QStringLiteral("/bytes/50")).toString() + QStringLiteral(",named.bin\n")
        + m_server->url(QStringLiteral("/bytes/300")).toString() + u'\n';
    JobQueueModel model;
    model.addEntries(UrlListParser::parse(list).entries);
    FetchEngine engine(&model);
    FetchOptions options = testOptions(2);
    options.outputDirectory = dir.path();
    options.computeSha256 = false;
    options.checksumsByName = byName;
    engine.setOptions(options);
    QVERIFY(runToEnd(engine));

    QCOMPARE(stateName(model.jobAt(0).state), stateName(JobState::Succeeded));
    QCOMPARE(stateName(model.jobAt(1).state), stateName(JobState::Failed));
    QCOMPARE(errorKindName(model.jobAt(1).errorKind), errorKindName(ErrorKind::ChecksumMismatch));
    QCOMPARE(stateName(model.jobAt(2).state), stateName(JobState::Succeeded));
    QCOMPARE(stateName(model.jobAt(3).state), stateName(JobState::Succeeded));
    QStringList files = QDir(dir.path()).entryList(QDir::Files | QDir::Hidden);
    files.sort();
    QCOMPARE(
        files,
        QStringList({ QStringLiteral("100"), QStringLiteral("300"), QStringLiteral("named.bin") }));
}

QTEST_GUILESS_MAIN(TestChecksums)
#include "tst_checksums.moc"
