// SPDX-License-Identifier: GPL-3.0-or-later
// Tests of --journal through the real executable: a headless run killed with SIGKILL and run
// again continues (nothing finished is fetched again, the .part is continued, no second name),
// a journal of another list or in use is refused, and a list run as shards by GNU parallel, each
// with its own journal, merges into what one run of the list gives.
#include "exitcodes.h"
#include "formats/runfile.h"
#include "run/runjournal.h"
#include "server/loopbackserver.h"
#include "sha256.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QMap>
#include <QProcess>
#include <QRegularExpression>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using namespace Parafetch;
using namespace Parafetch::TestSupport;

namespace {

// Only a guard against a hung child; never a measure of speed.
constexpr int HangGuardMs = 120'000;
constexpr int ServerThreads = 4;
constexpr qint64 ResumableBytes = qint64(1024) * 1024;
constexpr qint64 StallBytes = ResumableBytes / 2; // the body is half sent when the child dies
// What the child's .part must hold before the kill: its writes trail what the server sent.
constexpr qint64 KillAfterPartBytes = StallBytes / 2;
constexpr int FastUrls = 5;
constexpr int FirstFastSize = 1001;
constexpr int ShardCount = 4;
constexpr int ShardListSize = 24;

QProcessEnvironment childEnvironment()
{
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    for (const QString &name : { QStringLiteral("http_proxy"), QStringLiteral("HTTP_PROXY"),
                                 QStringLiteral("https_proxy"), QStringLiteral("HTTPS_PROXY"),
                                 QStringLiteral("all_proxy"), QStringLiteral("ALL_PROXY") })
        environment.remove(name);
    environment.insert(QStringLiteral("no_proxy"), QStringLiteral("*"));
    environment.insert(QStringLiteral("QT_QPA_PLATFORM"), QStringLiteral("offscreen"));
    return environment;
}

struct RunResult
{
    int exitCode = -1;
    QByteArray out;
    QByteArray err;

    QString describe() const
    {
        return QStringLiteral("exit code %1\n--- stdout:\n%2\n--- stderr:\n%3")
            .arg(exitCode)
            .arg(QString::fromUtf8(out), QString::fromUtf8(err));
    }
};

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

// What a comparison of two runs looks at, per URL.
struct Outcome
{
    JobState state = JobState::Queued;
    int httpStatus = 0;
    qint64 bytes = 0;
    QByteArray sha256;

    bool operator==(const Outcome &other) const
    {
        return state == other.state && httpStatus == other.httpStatus && bytes == other.bytes
            && sha256 == other.sha256;
    }
};

QString describe(const QMap<QString, Outcome> &outcomes)
{
    QStringList lines;
    for (auto it = outcomes.cbegin(); it != outcomes.cend(); ++it)
        lines.append(QStringLiteral("%1 %2 %3 %4 %5")
                         .arg(it.key(), stateName(it->state))
                         .arg(it->httpStatus)
                         .arg(it->bytes)
                         .arg(QString::fromLatin1(it->sha256.toHex().left(12))));
    return lines.join(QLatin1Char('\n'));
}

// The export's jobs by URL; empty (with a warning) if it cannot be read or has a URL twice.
QMap<QString, Outcome> outcomesOf(const QString &exportPath)
{
    ImportedRun run;
    QString error;
    if (!RunFile::read(exportPath, &run, &error)) {
        qWarning("%s", qPrintable(error));
        return {};
    }
    QMap<QString, Outcome> outcomes;
    for (const Job &job : std::as_const(run.jobs)) {
        const QString url = job.url.toString();
        if (outcomes.contains(url)) {
            qWarning("%s is in %s twice", qPrintable(url), qPrintable(exportPath));
            return {};
        }
        outcomes.insert(url, Outcome { job.state, job.httpStatus, job.bytesReceived, job.sha256 });
    }
    return outcomes;
}

} // namespace

class TestJournal final : public QObject
{
    Q_OBJECT

private slots:
    void initTestCase();
    void killedRunContinuesWhereItStopped();
    void journalOfAnotherListIsRefused();
    void journalInUseIsRefused();
    void badJournalValuesExitTwo_data();
    void badJournalValuesExitTwo();
    void shardsRunByGnuParallelMergeToOneRun();

private:
    [[nodiscard]] bool run(const QStringList &args, RunResult *result);
    void startHeadless(QProcess &process, const QStringList &args);
    QString writeFile(const QString &name, const QByteArray &contents);
    QString url(const QString &pathAndQuery) const { return m_server.url(pathAndQuery).toString(); }
    int requestsFor(const QString &fullUrl) const;

    LoopbackServer m_server;
    QTemporaryDir m_dir;
};

void TestJournal::initTestCase()
{
    QVERIFY2(QFile::exists(QStringLiteral(PARAFETCH_EXECUTABLE)), PARAFETCH_EXECUTABLE);
    QVERIFY2(m_server.listen(0, ServerThreads), qPrintable(m_server.errorString()));
    QVERIFY(m_dir.isValid());
}

void TestJournal::startHeadless(QProcess &process, const QStringList &args)
{
    process.setProcessEnvironment(childEnvironment());
    process.setWorkingDirectory(m_dir.path());
    process.start(QStringLiteral(PARAFETCH_EXECUTABLE),
                  QStringList { QStringLiteral("--headless") } + args);
    process.closeWriteChannel();
}

bool TestJournal::run(const QStringList &args, RunResult *result)
{
    QProcess process;
    startHeadless(process, args);
    if (!process.waitForStarted(HangGuardMs) || !process.waitForFinished(HangGuardMs)) {
        qWarning("parafetch %s did not finish", qPrintable(args.join(QLatin1Char(' '))));
        process.kill();
        process.waitForFinished();
        return false;
    }
    result->exitCode = process.exitCode();
    result->out = process.readAllStandardOutput();
    result->err = process.readAllStandardError();
    if (process.exitStatus() != QProcess::NormalExit) {
        qWarning("parafetch crashed\n%s", qPrintable(result->describe()));
        return false;
    }
    return true;
}

QString TestJournal::writeFile(const QString &name, const QByteArray &contents)
{
    const QString path = m_dir.filePath(name);
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate)
        || file.write(contents) != contents.size())
        qFatal("cannot write %s", qPrintable(path));
    return path;
}

int TestJournal::requestsFor(const QString &fullUrl) const
{
    const QByteArray target = QUrl(fullUrl).toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority);
    int count = 0;
    for (const RecordedRequest &request : m_server.recordedRequests())
        count += request.target == target ? 1 : 0;
    return count;
}

void TestJournal::killedRunContinuesWhereItStopped()
{
    m_server.resetStatistics();
    const QString output = m_dir.filePath(QStringLiteral("killed-out"));
    const QString journal = m_dir.filePath(QStringLiteral("killed.journal"));
    const QString exportPath = m_dir.filePath(QStringLiteral("killed.json"));
    // First in the list, so that it holds one of the two slots: only the first request with
    // the tag stalls after half the body, with the connection left open.
    const QString resumable = url(QStringLiteral("/resumable/%1?etag=v1&stall=%2&tag=killed")
                                      .arg(ResumableBytes)
                                      .arg(StallBytes));
    QStringList urls { resumable };
    QMap<QString, QByteArray> expected; // file name -> SHA-256
    expected.insert(QString::number(ResumableBytes),
                    LoopbackServer::expectedResumableSha256(ResumableBytes));
    for (int i = 0; i < FastUrls; ++i) {
        const int size = FirstFastSize + i;
        urls.append(url(QStringLiteral("/bytes/%1?journal=killed").arg(size)));
        expected.insert(QString::number(size), LoopbackServer::expectedSha256(size));
    }
    const QString list = writeFile(QStringLiteral("killed.txt"), urls.join(u'\n').toUtf8());
    const QStringList args { QStringLiteral("-i"),        list,
                             QStringLiteral("-o"),        output,
                             QStringLiteral("-j"),        QStringLiteral("2"),
                             QStringLiteral("--journal"), journal,
                             QStringLiteral("--export"),  exportPath };

    QProcess child;
    startHeadless(child, args);
    QVERIFY2(child.waitForStarted(HangGuardMs), qPrintable(child.errorString()));
    const QString partPath =
        QDir(output).filePath(QString::number(ResumableBytes) + QLatin1String(".part"));
    QByteArray out;
    // The moment: the server has answered every fast URL and the child has printed them done,
    // and the stalled body's first half is in its .part, which the journal names.
    const auto killMoment = [&] {
        out += child.readAllStandardOutput();
        if (out.count("getData for=") < FastUrls || requestsFor(resumable) != 1
            || QFileInfo(partPath).size() < KillAfterPartBytes)
            return false;
        QList<JournaledJob> jobs;
        bool clean = true;
        QString error;
        if (!RunJournal::replay(journal, &jobs, &clean, &error))
            return false;
        return !jobs.isEmpty() && jobs.constFirst().partial != nullptr;
    };
    QTRY_VERIFY_WITH_TIMEOUT(killMoment() || child.state() == QProcess::NotRunning, HangGuardMs);
    QCOMPARE(child.state(), QProcess::Running);
    child.kill();
    QVERIFY(child.waitForFinished(HangGuardMs));
    QCOMPARE(child.exitStatus(), QProcess::CrashExit);
    const qint64 partSize = QFileInfo(partPath).size();
    QVERIFY2(partSize >= KillAfterPartBytes && partSize <= StallBytes,
             qPrintable(QString::number(partSize)));
    for (int i = 1; i < urls.size(); ++i)
        QCOMPARE(requestsFor(urls.at(i)), 1);

    // The same command again.
    RunResult second;
    QVERIFY(run(args, &second));
    QVERIFY2(second.exitCode == AllSucceeded, qPrintable(second.describe()));
    QVERIFY2(second.err.contains(
                 QStringLiteral("%1 of %2 URLs finished before, 1 to fetch (1 continued from a "
                                ".part file)")
                     .arg(FastUrls)
                     .arg(urls.size())
                     .toUtf8()),
             qPrintable(second.describe()));
    QCOMPARE(second.out.count("getData for="), 1);
    QVERIFY2(second.out.contains("urls=6 succeeded=6 failed=0"), qPrintable(second.describe()));

    // Finished URLs were asked for once in all; the stalled one was continued from its .part.
    for (int i = 1; i < urls.size(); ++i)
        QCOMPARE(requestsFor(urls.at(i)), 1);
    const QByteArray target = QUrl(resumable).toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority);
    QList<RecordedRequest> resumableRequests;
    for (const RecordedRequest &request : m_server.recordedRequests()) {
        if (request.target == target)
            resumableRequests.append(request);
    }
    QCOMPARE(resumableRequests.size(), 2);
    QCOMPARE(resumableRequests.at(0).header("Range"), QByteArray());
    QCOMPARE(resumableRequests.at(1).header("Range"),
             QByteArray("bytes=" + QByteArray::number(partSize) + '-'));
    QCOMPARE(resumableRequests.at(1).header("If-Range"), QByteArray("\"v1\""));

    // One file per URL under its own name, each whole.
    QStringList names = QDir(output).entryList(QDir::Files | QDir::Hidden);
    names.sort();
    QStringList expectedNames = expected.keys();
    expectedNames.sort();
    QCOMPARE(names, expectedNames);
    for (auto it = expected.cbegin(); it != expected.cend(); ++it)
        QCOMPARE(Sha256::hash(readAll(QDir(output).filePath(it.key()))).toHex(), it->toHex());

    // The export covers the whole list, as one run would.
    QMap<QString, Outcome> outcomes = outcomesOf(exportPath);
    QCOMPARE(outcomes.size(), urls.size());
    for (auto it = outcomes.cbegin(); it != outcomes.cend(); ++it) {
        QCOMPARE(it->state, JobState::Succeeded);
        // The continued body's last response was the 206 that brought its second half.
        QCOMPARE(it->httpStatus, it.key() == resumable ? 206 : 200);
    }

    // A completed journal is kept: a third run fetches nothing, and ends the same way.
    const qint64 requestsBefore = m_server.requestCount();
    RunResult third;
    QVERIFY(run(args, &third));
    QVERIFY2(third.exitCode == AllSucceeded, qPrintable(third.describe()));
    QCOMPARE(m_server.requestCount(), requestsBefore);
    QCOMPARE(third.out.count("getData for="), 0);
    QVERIFY2(third.out.contains("urls=6 succeeded=6 failed=0"), qPrintable(third.describe()));
    QVERIFY(outcomesOf(exportPath) == outcomes);
    names = QDir(output).entryList(QDir::Files | QDir::Hidden);
    QCOMPARE(names.size(), expectedNames.size());
}

void TestJournal::journalOfAnotherListIsRefused()
{
    const QString journal = m_dir.filePath(QStringLiteral("another.journal"));
    const QString first = writeFile(QStringLiteral("first.txt"),
                                    url(QStringLiteral("/bytes/10?list=first")).toUtf8());
    RunResult result;
    QVERIFY(run({ QStringLiteral("-i"), first, QStringLiteral("--journal"), journal }, &result));
    QVERIFY2(result.exitCode == AllSucceeded, qPrintable(result.describe()));
    const QByteArray journalBefore = readAll(journal);
    QVERIFY(!journalBefore.isEmpty());

    const QString otherUrl = url(QStringLiteral("/bytes/10?list=other"));
    const QString other = writeFile(QStringLiteral("other.txt"), otherUrl.toUtf8());
    QVERIFY(run({ QStringLiteral("-i"), other, QStringLiteral("--journal"), journal }, &result));
    QVERIFY2(result.exitCode == BadInput, qPrintable(result.describe()));
    QVERIFY2(result.err.contains(journal.toUtf8()), qPrintable(result.describe()));
    QVERIFY2(result.err.contains("belongs to another list"), qPrintable(result.describe()));
    QVERIFY2(result.err.contains("another --journal FILE, or delete"),
             qPrintable(result.describe()));
    QCOMPARE(requestsFor(otherUrl), 0); // nothing mixed, nothing fetched
    QCOMPARE(readAll(journal), journalBefore);
}

void TestJournal::journalInUseIsRefused()
{
    const QString journal = m_dir.filePath(QStringLiteral("busy.journal"));
    // Stalls after a few bytes until the server goes: the first process is busy meanwhile.
    const QString stalled = url(QStringLiteral("/resumable/4096?stall=16&tag=busy"));
    const QString list = writeFile(QStringLiteral("busy.txt"), stalled.toUtf8());
    const QStringList args { QStringLiteral("-i"), list, QStringLiteral("--journal"), journal };
    QProcess first;
    startHeadless(first, args);
    QVERIFY2(first.waitForStarted(HangGuardMs), qPrintable(first.errorString()));
    QTRY_VERIFY_WITH_TIMEOUT(requestsFor(stalled) == 1 || first.state() == QProcess::NotRunning,
                             HangGuardMs);
    QCOMPARE(first.state(), QProcess::Running);

    RunResult second;
    QVERIFY(run(args, &second));
    QVERIFY2(second.exitCode == BadInput, qPrintable(second.describe()));
    QVERIFY2(second.err.contains("--journal"), qPrintable(second.describe()));
    QVERIFY2(second.err.contains(QStringLiteral("(process %1) is using the run journal %2")
                                     .arg(first.processId())
                                     .arg(journal)
                                     .toUtf8()),
             qPrintable(second.describe()));
    QCOMPARE(requestsFor(stalled), 1);
    first.kill();
    QVERIFY(first.waitForFinished(HangGuardMs));
}

void TestJournal::badJournalValuesExitTwo_data()
{
    QTest::addColumn<QStringList>("args"); // "LIST" is replaced by a list file
    QTest::addColumn<QString>("message");

    QTest::newRow("an empty name") << QStringList { QStringLiteral("--journal"), QString() }
                                   << QStringLiteral("--journal needs a file name");
    QTest::newRow("a folder") << QStringList { QStringLiteral("--journal"), QStringLiteral(".") }
                              << QStringLiteral("--journal: cannot write .: it is a folder");
    QTest::newRow("in a folder that does not exist")
        << QStringList { QStringLiteral("--journal"), QStringLiteral("no-such-folder/run.journal") }
        << QStringLiteral("--journal: cannot write no-such-folder/run.journal");
    QTest::newRow("a file that is not a journal (the list itself)")
        << QStringList { QStringLiteral("--journal"), QStringLiteral("LIST") }
        << QStringLiteral("is not a Parafetch run journal");
    QTest::newRow("with --sweep") << QStringList {
        QStringLiteral("--journal"), QStringLiteral("sweep.journal"), QStringLiteral("--sweep"),
        QStringLiteral("1,2")
    } << QStringLiteral("--journal journals a headless run");
}

void TestJournal::badJournalValuesExitTwo()
{
    QFETCH(QStringList, args);
    QFETCH(QString, message);
    const QString listUrl = url(QStringLiteral("/bytes/7?journal=bad"));
    const QByteArray listText = listUrl.toUtf8() + '\n';
    const QString list = writeFile(QStringLiteral("bad.txt"), listText);
    args.replaceInStrings(QRegularExpression(QStringLiteral("^LIST$")), list);
    RunResult result;
    QVERIFY(run(QStringList { QStringLiteral("-i"), list } + args, &result));
    QVERIFY2(result.exitCode == BadInput, qPrintable(result.describe()));
    QVERIFY2(result.err.contains(message.toUtf8()), qPrintable(result.describe()));
    QCOMPARE(requestsFor(listUrl), 0);
    QCOMPARE(readAll(list), listText); // never taken for a journal and overwritten
}

void TestJournal::shardsRunByGnuParallelMergeToOneRun()
{
    const QString parallel = QStandardPaths::findExecutable(QStringLiteral("parallel"));
    if (parallel.isEmpty())
        QSKIP("GNU parallel is not installed (Debian package: parallel)");

    // Its own folder, so that the README's relative names are the command's as written.
    const QString folder = m_dir.filePath(QStringLiteral("shards"));
    QVERIFY(QDir().mkpath(folder));
    QStringList urls;
    for (int i = 0; i < ShardListSize; ++i)
        urls.append(url(QStringLiteral("/bytes/%1?shards=1").arg(2000 + i)));
    urls.append(url(QStringLiteral("/status/404?shards=1")));
    urls.append(url(QStringLiteral("/redirect/1?shards=1")));
    QFile listFile(QDir(folder).filePath(QStringLiteral("urls.txt")));
    QVERIFY(listFile.open(QIODevice::WriteOnly));
    listFile.write(urls.join(u'\n').toUtf8() + '\n');
    listFile.close();

    QProcessEnvironment environment = childEnvironment();
    // "parafetch" in the commands below is the one just built, as the README names it.
    environment.insert(QStringLiteral("PATH"),
                       QFileInfo(QStringLiteral(PARAFETCH_EXECUTABLE)).absolutePath() + u':'
                           + environment.value(QStringLiteral("PATH")));
    environment.insert(QStringLiteral("HOME"), folder); // parallel keeps its notes there
    const auto shell = [&](const QString &command, RunResult *result) {
        QProcess process;
        process.setProcessEnvironment(environment);
        process.setWorkingDirectory(folder);
        process.start(QStringLiteral("/bin/sh"), { QStringLiteral("-c"), command });
        process.closeWriteChannel();
        if (!process.waitForFinished(HangGuardMs) || process.exitStatus() != QProcess::NormalExit) {
            process.kill();
            process.waitForFinished();
            return false;
        }
        result->exitCode = process.exitCode();
        result->out = process.readAllStandardOutput();
        result->err = process.readAllStandardError();
        return true;
    };
    // Exactly the README's recipe ("Running one list on many machines", on one machine).
    const QString shards =
        QStringLiteral("parallel parafetch --headless -q -i urls.txt -o downloads --shard {#}/4 "
                       "--journal shard-{#}.journal --export shard-{#}.json ::: 1 2 3 4");
    const QString merge = QStringLiteral("parafetch --merge shard-*.json --export all.json");
    static_assert(ShardCount == 4, "the recipe's command line names four shards");

    RunResult result;
    QVERIFY(shell(shards, &result));
    // parallel's exit code is the number of jobs that failed: the shard with the 404.
    QVERIFY2(result.exitCode == 1, qPrintable(result.describe()));
    for (int k = 1; k <= ShardCount; ++k)
        QVERIFY(
            QFileInfo::exists(QDir(folder).filePath(QStringLiteral("shard-%1.journal").arg(k))));
    QVERIFY(shell(merge, &result));
    QVERIFY2(result.exitCode == SomeFailed, qPrintable(result.describe()));
    QVERIFY2(result.out.contains("merged 4 exports: 26 URLs"), qPrintable(result.describe()));

    const qint64 requestsAfterShards = m_server.requestCount();
    RunResult single;
    QVERIFY(shell(QStringLiteral("parafetch --headless -i urls.txt -o single --export single.json"),
                  &single));
    QVERIFY2(single.exitCode == SomeFailed, qPrintable(single.describe()));

    const QMap<QString, Outcome> merged =
        outcomesOf(QDir(folder).filePath(QStringLiteral("all.json")));
    const QMap<QString, Outcome> one =
        outcomesOf(QDir(folder).filePath(QStringLiteral("single.json")));
    QCOMPARE(merged.size(), urls.size());
    QVERIFY2(merged == one,
             qPrintable(
                 QStringLiteral("merged:\n%1\nsingle:\n%2").arg(describe(merged), describe(one))));
    QCOMPARE(merged.value(urls.at(ShardListSize)).httpStatus, 404);

    // The recipe run again: every shard's journal is complete, nothing is fetched again.
    const qint64 requestsBefore = m_server.requestCount();
    QVERIFY(requestsBefore > requestsAfterShards);
    QVERIFY(shell(shards, &result));
    QVERIFY2(result.exitCode == 1, qPrintable(result.describe()));
    QCOMPARE(m_server.requestCount(), requestsBefore);
    QVERIFY(shell(merge, &result));
    QVERIFY(outcomesOf(QDir(folder).filePath(QStringLiteral("all.json"))) == merged);
}

QTEST_GUILESS_MAIN(TestJournal)
#include "tst_journal.moc"
