// SPDX-License-Identifier: GPL-3.0-or-later
// The run journal: every record kind, damaged files, compaction, secrets, cost, and a kill -9.
#include "engine/fetchengine.h"
#include "engine/filelog.h"
#include "jobqueuemodel.h"
#include "redact.h"
#include "run/runjournal.h"
#include "server/loopbackserver.h"
#include "sha256.h"
#include "testsupport.h"
#include "urllistparser.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QRegularExpression>
#include <QSet>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

#include <algorithm>
#include <cstring>

using namespace Parafetch;
using namespace Parafetch::TestSupport;

namespace {

// The test executable runs itself with this argument to be the process that gets killed.
constexpr char JournalChildFlag[] = "--journal-child";
enum ChildArgument {
    ChildFlag = 1,
    ChildJournal,
    ChildBaseUrl,
    ChildOutput,
    ChildCount,
    ChildArgc
};

// The killed run: slow enough that the kill lands mid-run, every FailEvery-th URL a 404.
constexpr int CrashRunUrls = 300;
constexpr int CrashRunDelayMs = 60;
constexpr int CrashRunWorkers = 4;
constexpr int FailEvery = 10;
constexpr int BodyBase = 1000; // URL i has a body of BodyBase + i bytes: every target differs
constexpr int FinishedBeforeKill = 10;
constexpr int RestoreWorkers = 16;
constexpr int ChildTimeoutMs = 60'000;
constexpr int HttpOk = 200;
constexpr int HttpPartialContent = 206;
constexpr int HttpNotFound = 404;

// The resume test's child downloads one /resumable body, which stalls after StallBytes until the
// child is killed; the restore then finishes it.
constexpr char ResumeChildFlag[] = "--resume-child";
enum ResumeChildArgument {
    ResumeChildJournal = ChildFlag + 1,
    ResumeChildUrl,
    ResumeChildOutput,
    ResumeChildArgc
};
constexpr qint64 ResumableBytes = 4 * 1024 * 1024;
constexpr qint64 StallBytes = 1024 * 1024;
// The kill waits for this much in the .part: the rest of what arrived may still sit in the
// child's file buffer, and the restore asks for whatever the .part holds after the kill.
constexpr qint64 KillAfterPartBytes = StallBytes / 2;

constexpr int CheckDigits = 8; // a journal line starts with its CRC-32 in 8 hex digits
constexpr int Hex = 16;
constexpr int HundredThousand = 100'000;
constexpr int EngineBatch = 64; // about what the engine hands the model at once under load
constexpr int Sha256Bytes = 32;
constexpr double NsPerMs = 1e6;
constexpr double NsPerUs = 1e3;
constexpr double BytesPerMiB = 1024.0 * 1024.0;

QList<QUrl> crashRunUrls(const QUrl &base, int count)
{
    QList<QUrl> urls;
    for (int i = 0; i < count; ++i) {
        QUrl url = base;
        if (i % FailEvery == FailEvery - 1) {
            url.setPath(QStringLiteral("/status/%1").arg(HttpNotFound));
            url.setQuery(QStringLiteral("n=%1").arg(i));
        } else {
            url.setPath(
                QStringLiteral("/delay/%1/bytes/%2").arg(CrashRunDelayMs).arg(BodyBase + i));
        }
        urls.append(url);
    }
    return urls;
}

// A child: a real engine run against the parent's server, journaled, until it is killed.
int runJournaledChild(const QString &journalPath, const QString &output, const QList<QUrl> &urls,
                      int workers)
{
    RunJournal journal(journalPath);
    QString error;
    if (!journal.claim(&error)) {
        qWarning("child: %s", qPrintable(error));
        return 3;
    }
    JobQueueModel model;
    FetchEngine engine(&model);
    FetchOptions options = testOptions(workers);
    options.outputDirectory = output;
    engine.setOptions(options);
    journal.attach(&model, &engine);
    model.addEntries(entriesFor(urls));
    QObject::connect(&engine, &FetchEngine::runFinished, qApp, &QCoreApplication::quit);
    engine.start();
    return QCoreApplication::exec();
}

int runJournalChild(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    if (argc != ChildArgc)
        return 2;
    const QStringList arguments = QCoreApplication::arguments();
    return runJournaledChild(
        arguments.at(ChildJournal), arguments.at(ChildOutput),
        crashRunUrls(QUrl(arguments.at(ChildBaseUrl)), arguments.at(ChildCount).toInt()),
        CrashRunWorkers);
}

int runResumeChild(int argc, char *argv[])
{
    QCoreApplication app(argc, argv);
    if (argc != ResumeChildArgc)
        return 2;
    const QStringList arguments = QCoreApplication::arguments();
    return runJournaledChild(arguments.at(ResumeChildJournal), arguments.at(ResumeChildOutput),
                             { QUrl(arguments.at(ResumeChildUrl)) }, 1);
}

// What the resume test does to the folder between the kill and the restore.
enum class Meddle { Nothing, DeletePart, TakeFinalName, FillPart, ResumeOff };

QList<JournaledJob> replayOrFail(const QString &path, bool *cleanExit = nullptr,
                                 JournalReplayReport *report = nullptr)
{
    QList<JournaledJob> jobs;
    bool clean = false;
    QString error;
    if (!RunJournal::replay(path, &jobs, &clean, &error, report))
        qWarning("replay failed: %s", qPrintable(error));
    if (cleanExit)
        *cleanExit = clean;
    return jobs;
}

int finishedIn(const QList<JournaledJob> &jobs)
{
    return int(std::count_if(jobs.cbegin(), jobs.cend(),
                             [](const JournaledJob &job) { return job.isFinished(); }));
}

QByteArray readAll(const QString &path)
{
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

bool writeAll(const QString &path, const QByteArray &bytes)
{
    QFile file(path);
    return file.open(QIODevice::WriteOnly | QIODevice::Truncate)
        && file.write(bytes) == bytes.size();
}

QList<QByteArray> lines(const QByteArray &content)
{
    QList<QByteArray> result = content.split('\n');
    if (!result.isEmpty() && result.constLast().isEmpty())
        result.removeLast();
    return result;
}

// A line the journal would accept: the JSON with its checksum in front.
QByteArray checkedLine(const QByteArray &json)
{
    return QByteArray::number(RunJournal::lineChecksum(json), Hex).rightJustified(CheckDigits, '0')
        + ' ' + json + '\n';
}

QUrl localUrl(const QString &path)
{
    return QUrl(QStringLiteral("http://127.0.0.1:9") + path);
}

// What the engine reports for a finished job (the fields the journal keeps).
Job finished(const Job &queued, JobState state, int httpStatus, qint64 bytes)
{
    Job job = queued;
    job.state = state;
    job.httpStatus = httpStatus;
    job.bytesReceived = bytes;
    job.attempts = 1;
    job.startedAtNs = 1;
    job.finishedAtNs = 2;
    if (state == JobState::Succeeded) {
        job.sha256 = QByteArray(Sha256Bytes, char(queued.id));
        job.protocol = QByteArrayLiteral("http/1.1");
    } else {
        job.errorKind = httpStatus > 0 ? ErrorKind::HttpStatus : ErrorKind::ConnectionRefused;
        job.setErrorString(
            QStringLiteral("HTTP %1 \"Not Found\"\tfor\\ %2").arg(httpStatus).arg(queued.id));
    }
    return job;
}

} // namespace

Q_DECLARE_METATYPE(Meddle)

class TestRunJournal : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();

    void defaultPathIsInAppData();
    void everyRecordKindRoundTrips();
    void everyLineChecksItself();
    void missingJournalIsEmptyAndClean();
    void tornLastLineIsIgnored();
    void garbageLinesAreSkippedAndCounted();
    void newerFormatIsRefused();
    void addsAreWrittenAtTheEndOfTheEventStatesWithinTheInterval();
    void runEndHandsResultsToTheDiskAtOnce();
    void compactionRewritesTheJournal();
    void clearThenAddCompactsToTheLiveRows();
    void credentialsAreMasked();
    void listDigestIdentifiesTheListWithoutSecrets();
    void previousJournalUntouchedUntilTheFirstRecord();
    void closingWithoutAnsweringKeepsTheOffer();
    void discardRemovesOnlyThePreviousJournal();
    void restoredRowsAreJournaledAgain();
    void restoredDoneRowsKeepTheTimeTheirRunMeasured();
    void journalWithoutDurationsStillReplays();
    void partRecordsLastUntilTheJobsResult();
    void secondClaimFails();
    void writeFailureIsReported();
    void hundredThousandJobsCost();
    void killedMidRunRestoresAndFinishesOnlyTheRest();
    void killedMidDownloadContinuesThePart_data();
    void killedMidDownloadContinuesThePart();
    void replayReconcilesWithTheFileLog_data();
    void replayReconcilesWithTheFileLog();
    void replayWithoutReconcileLeavesTheDiskAlone();
    void killedRunLeavesNoCopyAndNoPart();

private:
    QString journalPath() const { return m_dir->filePath(QStringLiteral("journal.log")); }

    std::unique_ptr<QTemporaryDir> m_dir;
};

void TestRunJournal::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
}

void TestRunJournal::init()
{
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
}

void TestRunJournal::defaultPathIsInAppData()
{
    const QString path = RunJournal::defaultPath();
    QVERIFY2(path.endsWith(QLatin1String("/journal.log")), qPrintable(path));
    QCOMPARE(QFileInfo(path).absolutePath(),
             QStandardPaths::writableLocation(QStandardPaths::AppDataLocation));
}

void TestRunJournal::everyRecordKindRoundTrips()
{
    JobQueueModel model;
    RunJournal journal(journalPath());
    journal.attach(&model);

    QList<UrlEntry> entries =
        entriesFor({ localUrl(QStringLiteral("/a")), localUrl(QStringLiteral("/b")),
                     localUrl(QStringLiteral("/c")), localUrl(QStringLiteral("/d")),
                     localUrl(QStringLiteral("/e")) });
    entries[0].fileName = QStringLiteral("first \"one\".bin");
    entries[4].line = 42;
    QCOMPARE(model.addEntries(entries), 5);

    Job done = finished(model.jobAt(0), JobState::Succeeded, HttpOk, 1234);
    done.setSavedPath(QStringLiteral("/tmp/first \"one\".bin"));
    done.setFinalUrl(localUrl(QStringLiteral("/a-after-redirect")));
    model.finishJob(done);
    model.finishJob(finished(model.jobAt(1), JobState::Failed, HttpNotFound, 9));
    model.finishJob(finished(model.jobAt(3), JobState::Failed, HttpNotFound, 0));
    model.markCancelled(model.jobAt(2).id, 3);
    QCOMPARE(model.requeue({ 3 }), 1); // the fourth goes back to the queue
    QVERIFY(model.removeRows(1, 1)); // the second is removed

    QVERIFY(journal.sync());
    bool clean = true;
    QList<JournaledJob> jobs = replayOrFail(journalPath(), &clean);
    QVERIFY(!clean);
    QCOMPARE(jobs.size(), 4);
    QCOMPARE(jobs.at(0).url, localUrl(QStringLiteral("/a")));
    QCOMPARE(jobs.at(0).fileName, QStringLiteral("first \"one\".bin"));
    QCOMPARE(jobs.at(0).sourceLine, 1);
    QCOMPARE(jobs.at(0).state, JobState::Succeeded);
    QCOMPARE(jobs.at(0).httpStatus, HttpOk);
    QCOMPARE(jobs.at(0).attempts, 1);
    QCOMPARE(jobs.at(0).bytesReceived, 1234);
    QCOMPARE(jobs.at(0).sha256, done.sha256);
    QCOMPARE(jobs.at(0).savedPath, done.savedPath());
    QCOMPARE(jobs.at(0).finalUrl, done.finalUrl());
    QCOMPARE(jobs.at(0).protocol, QByteArrayLiteral("http/1.1"));
    QCOMPARE(jobs.at(0).errorKind, ErrorKind::None);

    QCOMPARE(jobs.at(1).url, localUrl(QStringLiteral("/c")));
    QCOMPARE(jobs.at(1).state, JobState::Cancelled);
    QCOMPARE(jobs.at(1).errorKind, ErrorKind::Cancelled);
    QCOMPARE(jobs.at(1).errorString, model.jobAt(1).errorString());

    QCOMPARE(jobs.at(2).url, localUrl(QStringLiteral("/d")));
    QCOMPARE(jobs.at(2).state, JobState::Queued); // failed, then queued again: the last word
    QCOMPARE(jobs.at(2).httpStatus, 0);
    QVERIFY(jobs.at(2).errorString.isEmpty());

    QCOMPARE(jobs.at(3).url, localUrl(QStringLiteral("/e")));
    QCOMPARE(jobs.at(3).sourceLine, 42);
    QCOMPARE(jobs.at(3).state, JobState::Queued);
    for (int row = 0; row < jobs.size(); ++row)
        QCOMPARE(jobs.at(row).id, model.jobAt(row).id);

    // A failure's message with quotes, a tab and a backslash comes back as it was.
    const Job failed = finished(model.jobAt(2), JobState::Failed, HttpNotFound, 1);
    model.finishJob(failed);
    QVERIFY(journal.sync());
    jobs = replayOrFail(journalPath());
    QCOMPARE(jobs.at(2).state, JobState::Failed);
    QCOMPARE(jobs.at(2).errorKind, ErrorKind::HttpStatus);
    QCOMPARE(jobs.at(2).errorString, failed.errorString());

    model.clear();
    QVERIFY(journal.sync());
    QVERIFY(replayOrFail(journalPath(), &clean).isEmpty());
    QVERIFY(!clean);

    model.addEntries(
        entriesFor({ localUrl(QStringLiteral("/f")), localUrl(QStringLiteral("/g")) }));
    QVERIFY(journal.sync());
    jobs = replayOrFail(journalPath(), &clean);
    QCOMPARE(jobs.size(), 2);
    QCOMPARE(jobs.at(1).url, localUrl(QStringLiteral("/g")));
    QVERIFY(!clean);

    // A clean exit leaves nothing to restore, and no list on disk.
    journal.markCleanExit();
    QVERIFY(replayOrFail(journalPath(), &clean).isEmpty());
    QVERIFY(clean);
    QCOMPARE(lines(readAll(journalPath())).size(), 2);
    QVERIFY(!readAll(journalPath()).contains("/g"));
    // The journaling of this run is over: later changes do not reopen it.
    model.finishJob(finished(model.jobAt(0), JobState::Succeeded, HttpOk, 1));
    QVERIFY(journal.sync());
    replayOrFail(journalPath(), &clean);
    QVERIFY(clean);

    // Anything after the marker means a run went on: not clean any more.
    QVERIFY(writeAll(journalPath(),
                     readAll(journalPath())
                         + checkedLine("{\"k\":\"add\",\"id\":1,\"url\":\"http://x/\"}")));
    QCOMPARE(replayOrFail(journalPath(), &clean).size(), 1);
    QVERIFY(!clean);
}

void TestRunJournal::everyLineChecksItself()
{
    // CRC-32 as zlib computes it: the standard check value.
    QCOMPARE(RunJournal::lineChecksum("123456789"), 0xCBF43926u);
    {
        JobQueueModel model;
        RunJournal journal(journalPath());
        journal.attach(&model);
        model.addEntries(
            entriesFor({ localUrl(QStringLiteral("/x")), localUrl(QStringLiteral("/y")) }));
        model.finishJob(finished(model.jobAt(0), JobState::Succeeded, HttpOk, 5));
        model.removeRows(1, 1);
        model.clear();
        QVERIFY(journal.sync());
    }
    QVERIFY(
        writeAll(journalPath(), readAll(journalPath()) + checkedLine("{\"k\":\"clean-exit\"}")));
    const QList<QByteArray> written = lines(readAll(journalPath()));
    QCOMPARE(written.size(), 7); // begin, add, add, state, remove, clear, clean-exit
    const QRegularExpression shape(QStringLiteral("^([0-9a-f]{8}) (\\{\"k\":\"([a-z-]+)\".*\\})$"));
    QStringList kinds;
    for (const QByteArray &line : written) {
        const QRegularExpressionMatch match = shape.match(QString::fromUtf8(line));
        QVERIFY2(match.hasMatch(), line.constData());
        QCOMPARE(match.captured(1).toUInt(nullptr, 16),
                 RunJournal::lineChecksum(match.captured(2).toUtf8()));
        kinds.append(match.captured(3));
    }
    QCOMPARE(kinds,
             QStringList({ QStringLiteral("begin"), QStringLiteral("add"), QStringLiteral("add"),
                           QStringLiteral("state"), QStringLiteral("remove"),
                           QStringLiteral("clear"), QStringLiteral("clean-exit") }));
    // The run token ties the file log beside the journal to this run.
    QVERIFY2(
        QRegularExpression(QStringLiteral("\\{\"k\":\"begin\",\"v\":1,\"run\":\"[0-9a-f]+\"\\}$"))
            .match(QString::fromUtf8(written.at(0)))
            .hasMatch(),
        written.at(0).constData());
    QVERIFY2(written.at(4).endsWith("\"ids\":[[2,2]]}"), written.at(4).constData());
}

void TestRunJournal::missingJournalIsEmptyAndClean()
{
    QList<JournaledJob> jobs;
    bool clean = false;
    QString error;
    JournalReplayReport report;
    QVERIFY(RunJournal::replay(journalPath(), &jobs, &clean, &error, &report));
    QVERIFY(jobs.isEmpty());
    QVERIFY(clean);
    QCOMPARE(report.records, 0);

    // A folder where the file should be cannot be read: that is an error, not an empty list.
    QVERIFY(QDir(m_dir->path()).mkdir(QStringLiteral("journal.log")));
    QVERIFY(!RunJournal::replay(journalPath(), &jobs, &clean, &error));
    QVERIFY2(error.contains(QLatin1String("journal.log")), qPrintable(error));
}

void TestRunJournal::tornLastLineIsIgnored()
{
    JobQueueModel model;
    RunJournal journal(journalPath());
    journal.attach(&model);
    model.addEntries(entriesFor({ localUrl(QStringLiteral("/1")), localUrl(QStringLiteral("/2")),
                                  localUrl(QStringLiteral("/3")) }));
    model.finishJob(finished(model.jobAt(0), JobState::Succeeded, HttpOk, 10));
    model.finishJob(finished(model.jobAt(1), JobState::Succeeded, HttpOk, 20));
    QVERIFY(journal.sync());
    const QByteArray whole = readAll(journalPath());
    QVERIFY(whole.endsWith('\n'));

    // The crash cut the last record (the second state) in the middle.
    const qsizetype lastLineStart = whole.lastIndexOf('\n', whole.size() - 2) + 1;
    for (const qsizetype cut : { lastLineStart + 3, lastLineStart + 20, whole.size() - 2 }) {
        QVERIFY(writeAll(journalPath(), whole.left(cut)));
        JournalReplayReport report;
        bool clean = true;
        const QList<JournaledJob> jobs = replayOrFail(journalPath(), &clean, &report);
        QVERIFY(report.tornTail);
        QCOMPARE(report.skippedLines, 0);
        QCOMPARE(jobs.size(), 3);
        QCOMPARE(jobs.at(0).state, JobState::Succeeded);
        QCOMPARE(jobs.at(1).state, JobState::Queued); // its result was lost with the line
        QVERIFY(!clean);
    }

    // Cut right after a complete line: nothing torn, nothing lost.
    QVERIFY(writeAll(journalPath(), whole));
    JournalReplayReport report;
    const QList<JournaledJob> jobs = replayOrFail(journalPath(), nullptr, &report);
    QVERIFY(!report.tornTail);
    QCOMPARE(report.records, 6);
    QCOMPARE(finishedIn(jobs), 2);

    // A complete record that only misses its newline is still good.
    QVERIFY(writeAll(journalPath(), whole.chopped(1)));
    QCOMPARE(finishedIn(replayOrFail(journalPath(), nullptr, &report)), 2);
    QVERIFY(!report.tornTail);
}

void TestRunJournal::garbageLinesAreSkippedAndCounted()
{
    JobQueueModel model;
    RunJournal journal(journalPath());
    journal.attach(&model);
    model.addEntries(
        entriesFor({ localUrl(QStringLiteral("/1")), localUrl(QStringLiteral("/2")) }));
    model.finishJob(finished(model.jobAt(1), JobState::Failed, HttpNotFound, 0));
    QVERIFY(journal.sync());
    QList<QByteArray> good = lines(readAll(journalPath()));
    QCOMPARE(good.size(), 4);

    QByteArray flipped = good.at(1);
    flipped[flipped.size() - 3] = flipped.at(flipped.size() - 3) == 'x' ? 'y' : 'x';
    const QList<QByteArray> garbage = {
        QByteArray("\x00\x01\xff binary \x7f", 12), // noise
        flipped, // checksum mismatch
        checkedLine("{\"k\":\"sideways\",\"id\":1}").chopped(1), // unknown kind
        checkedLine("not json at all").chopped(1), // checks, but is no object
        checkedLine("{\"k\":\"state\",\"id\":99,\"state\":\"succeeded\"}")
            .chopped(1), // no such job
        checkedLine("{\"k\":\"add\",\"id\":1,\"url\":\"http://dup\"}").chopped(1), // id taken
        QByteArray(), // an empty line
    };
    QByteArray damaged = good.at(0) + '\n' + good.at(1) + '\n';
    for (const QByteArray &line : garbage)
        damaged += line + '\n';
    damaged += good.at(2) + '\n' + good.at(3) + '\n';
    QVERIFY(writeAll(journalPath(), damaged));

    JournalReplayReport report;
    const QList<JournaledJob> jobs = replayOrFail(journalPath(), nullptr, &report);
    QCOMPARE(report.skippedLines, int(garbage.size()));
    QVERIFY(!report.tornTail);
    QCOMPARE(report.records, 4);
    QCOMPARE(jobs.size(), 2);
    QCOMPARE(jobs.at(0).url, localUrl(QStringLiteral("/1")));
    QCOMPARE(jobs.at(1).state, JobState::Failed);
    QCOMPARE(jobs.at(1).httpStatus, HttpNotFound);
}

void TestRunJournal::newerFormatIsRefused()
{
    QVERIFY(writeAll(journalPath(),
                     checkedLine("{\"k\":\"begin\",\"v\":99}")
                         + checkedLine("{\"k\":\"add\",\"id\":1,\"url\":\"http://x/\"}")));
    QList<JournaledJob> jobs;
    bool clean = true;
    QString error;
    QVERIFY(!RunJournal::replay(journalPath(), &jobs, &clean, &error));
    QVERIFY2(error.contains(QLatin1String("newer")), qPrintable(error));
    QVERIFY(jobs.isEmpty());
}

void TestRunJournal::addsAreWrittenAtTheEndOfTheEventStatesWithinTheInterval()
{
    JobQueueModel model;
    RunJournal journal(journalPath());
    journal.attach(&model);
    QList<QUrl> urls;
    for (int i = 0; i < 1000; ++i)
        urls.append(localUrl(QStringLiteral("/%1").arg(i)));
    model.addEntries(entriesFor(urls));
    QCOMPARE(journal.statistics().bytes, 0); // not during the add itself...
    QTRY_COMPARE(replayOrFail(journalPath()).size(), 1000); // ...but as soon as it returns
    QVERIFY(journal.sync());
    const RunJournal::Statistics afterAdd = journal.statistics();
    QCOMPARE(afterAdd.writes, 1); // the whole list is one write

    // One finished URL per event, as fast as they come: the states go out in batches.
    QElapsedTimer clock;
    clock.start();
    for (int row = 0; row < model.rowCount(); ++row) {
        model.finishJob(finished(model.jobAt(row), JobState::Succeeded, HttpOk, row));
        QCoreApplication::processEvents();
    }
    const qint64 elapsedMs = clock.elapsed();
    QTRY_COMPARE(finishedIn(replayOrFail(journalPath())), 1000);
    QVERIFY(journal.sync());
    const RunJournal::Statistics afterStates = journal.statistics();
    const qint64 batches = afterStates.writes - afterAdd.writes;
    qInfo("1000 states over %lld ms: %lld writes, %lld syncs", elapsedMs, batches,
          afterStates.syncs - afterAdd.syncs);
    QVERIFY2(batches <= 2 + elapsedMs / RunJournal::FlushIntervalMs,
             qPrintable(QString::number(batches)));
    QVERIFY(afterStates.syncs - afterAdd.syncs <= batches);

    // A removed selection arrives as one signal per row, and is still one write.
    const qint64 writesBefore = journal.statistics().writes;
    for (int row = 999; row >= 0; row -= 2)
        model.removeRows(row, 1);
    QTRY_COMPARE(replayOrFail(journalPath()).size(), 500);
    QVERIFY(journal.sync());
    QCOMPARE(journal.statistics().writes - writesBefore, 1);
}

void TestRunJournal::runEndHandsResultsToTheDiskAtOnce()
{
    JobQueueModel model;
    FetchEngine engine(&model);
    RunJournal journal(journalPath());
    journal.attach(&model, &engine);
    model.addEntries(entriesFor({ localUrl(QStringLiteral("/1")) }));
    QVERIFY(journal.sync());
    const qint64 bytes = journal.statistics().bytes;
    model.finishJob(finished(model.jobAt(0), JobState::Succeeded, HttpOk, 1));
    QCOMPARE(journal.statistics().bytes, bytes); // waiting for the interval...
    emit engine.runFinished();
    QVERIFY(journal.statistics().bytes > bytes); // ...unless the run is over
}

void TestRunJournal::compactionRewritesTheJournal()
{
    JobQueueModel model;
    RunJournal journal(journalPath());
    journal.attach(&model);
    constexpr int Rows = 10;
    QList<QUrl> urls;
    for (int i = 0; i < Rows; ++i)
        urls.append(localUrl(QStringLiteral("/%1").arg(i)));
    model.addEntries(entriesFor(urls));
    // Retry the same failing URLs again and again: two records per row and round.
    QList<int> all;
    for (int row = 0; row < Rows; ++row)
        all.append(row);
    const int rounds = RunJournal::CompactionMinRecords / Rows;
    for (int round = 0; round < rounds; ++round) {
        for (int row = 0; row < Rows; ++row)
            model.finishJob(finished(model.jobAt(row), JobState::Failed, HttpNotFound, round));
        model.requeue(all);
        if (round % 50 == 0)
            journal.flush();
    }
    model.finishJob(finished(model.jobAt(0), JobState::Succeeded, HttpOk, 77));
    QVERIFY(journal.sync());
    QVERIFY(journal.statistics().compactions >= 1);
    // Every flush compacts a journal past the threshold, the last one included.
    const qsizetype lineCount = lines(readAll(journalPath())).size();
    QVERIFY2(lineCount <= RunJournal::CompactionMinRecords, qPrintable(QString::number(lineCount)));
    QVERIFY(journal.statistics().records > RunJournal::CompactionMinRecords);

    JournalReplayReport report;
    const QList<JournaledJob> jobs = replayOrFail(journalPath(), nullptr, &report);
    QCOMPARE(report.skippedLines, 0);
    QCOMPARE(jobs.size(), Rows);
    for (int row = 0; row < Rows; ++row) {
        QCOMPARE(jobs.at(row).id, model.jobAt(row).id);
        QCOMPARE(jobs.at(row).url, urls.at(row));
        QCOMPARE(jobs.at(row).state, row == 0 ? JobState::Succeeded : JobState::Queued);
    }
    QCOMPARE(jobs.at(0).bytesReceived, 77);
}

void TestRunJournal::clearThenAddCompactsToTheLiveRows()
{
    JobQueueModel model;
    RunJournal journal(journalPath());
    journal.attach(&model);
    QList<QUrl> urls;
    for (int i = 0; i < 2 * RunJournal::CompactionMinRecords; ++i)
        urls.append(localUrl(QStringLiteral("/%1").arg(i)));
    model.addEntries(entriesFor(urls));
    QVERIFY(journal.sync());
    const qint64 bigSize = QFileInfo(journalPath()).size();
    model.clear();
    model.addEntries(entriesFor({ localUrl(QStringLiteral("/after-clear")) }));
    QVERIFY(journal.sync());
    QCOMPARE(journal.statistics().compactions, 1);
    QCOMPARE(lines(readAll(journalPath())).size(), 2); // begin + the one add
    QVERIFY(QFileInfo(journalPath()).size() < bigSize / 100);
    const QList<JournaledJob> jobs = replayOrFail(journalPath());
    QCOMPARE(jobs.size(), 1);
    QCOMPARE(jobs.at(0).url, localUrl(QStringLiteral("/after-clear")));
    // Rewritten files are appended to afterwards, as before.
    model.finishJob(finished(model.jobAt(0), JobState::Succeeded, HttpOk, 3));
    QVERIFY(journal.sync());
    QCOMPARE(finishedIn(replayOrFail(journalPath())), 1);
}

void TestRunJournal::credentialsAreMasked()
{
    QUrl secret = localUrl(QStringLiteral("/private/a"));
    secret.setUserName(QStringLiteral("dave"));
    secret.setPassword(QStringLiteral("zebra-secret"));
    QUrl secretDone = localUrl(QStringLiteral("/private/b"));
    secretDone.setUserName(QStringLiteral("erin"));
    secretDone.setPassword(QStringLiteral("yak-secret"));
    QUrl redirect = localUrl(QStringLiteral("/elsewhere"));
    redirect.setUserInfo(QStringLiteral("fred:walrus-secret"));

    JobQueueModel model;
    RunJournal journal(journalPath());
    journal.attach(&model);
    model.addEntries(entriesFor({ secret, secretDone, localUrl(QStringLiteral("/public")) }));
    Job done = finished(model.jobAt(1), JobState::Succeeded, HttpOk, 4);
    done.setFinalUrl(redirect);
    model.finishJob(done);
    QVERIFY(journal.sync());

    const QByteArray content = readAll(journalPath());
    for (const char *word : { "dave", "zebra", "erin", "yak-secret", "fred", "walrus" })
        QVERIFY2(!content.contains(word), word);
    QVERIFY(content.contains(redactedUrl(secret).toUtf8()));

    const QList<JournaledJob> jobs = replayOrFail(journalPath());
    QCOMPARE(jobs.size(), 3);
    QCOMPARE(jobs.at(0).url.userInfo(), QString(RedactedMark));
    QCOMPARE(jobs.at(1).finalUrl.userInfo(), QString(RedactedMark));

    // Restored: the finished one keeps its result; the unfinished one with credentials is not
    // queued (it would log in as "***"), and says why; the one without is queued.
    const QList<Job> restored = RunJournal::restorableJobs(jobs);
    QCOMPARE(restored.at(0).state, JobState::Cancelled);
    QVERIFY2(restored.at(0).errorString().contains(QLatin1String("password")),
             qPrintable(restored.at(0).errorString()));
    QCOMPARE(restored.at(1).state, JobState::Succeeded);
    QCOMPARE(restored.at(1).bytesReceived, 4);
    QCOMPARE(restored.at(2).state, JobState::Queued);
}

void TestRunJournal::listDigestIdentifiesTheListWithoutSecrets()
{
    QUrl withPassword = localUrl(QStringLiteral("/list/a"));
    withPassword.setUserInfo(QStringLiteral("dave:zebra-secret"));
    QUrl otherPassword = withPassword;
    otherPassword.setPassword(QStringLiteral("yak-secret"));
    const QUrl plain = localUrl(QStringLiteral("/list/b"));
    const QByteArray digest = RunJournal::listDigest(entriesFor({ withPassword, plain }));
    QCOMPARE(digest.size(), 64); // SHA-256, hex
    // The digest of what the journal writes: a new password is still the same list.
    QCOMPARE(RunJournal::listDigest(entriesFor({ otherPassword, plain })), digest);
    QVERIFY(RunJournal::listDigest(entriesFor({ plain, withPassword })) != digest);
    QVERIFY(RunJournal::listDigest(entriesFor({ withPassword })) != digest);

    JobQueueModel model;
    {
        RunJournal journal(journalPath());
        journal.setListDigest(digest);
        journal.attach(&model);
        model.addEntries(entriesFor({ withPassword, plain }));
        QVERIFY(journal.sync());
    }
    JournalReplayReport report;
    QCOMPARE(replayOrFail(journalPath(), nullptr, &report).size(), 2);
    QCOMPARE(report.listDigest, digest);

    // The window's journal names no list.
    JobQueueModel windowModel;
    const QString windowPath = m_dir->filePath(QStringLiteral("window.log"));
    {
        RunJournal journal(windowPath);
        journal.attach(&windowModel);
        windowModel.addEntries(entriesFor({ plain }));
        QVERIFY(journal.sync());
    }
    QVERIFY(!readAll(windowPath).contains("\"list\""));
    QCOMPARE(replayOrFail(windowPath, nullptr, &report).size(), 1);
    QVERIFY(report.listDigest.isEmpty());
}

void TestRunJournal::previousJournalUntouchedUntilTheFirstRecord()
{
    {
        JobQueueModel model;
        RunJournal journal(journalPath());
        journal.attach(&model);
        model.addEntries(entriesFor({ localUrl(QStringLiteral("/old")) }));
        QVERIFY(journal.sync());
    } // no clean exit: a crash, as far as the next start can tell
    const QByteArray previous = readAll(journalPath());

    JobQueueModel model;
    RunJournal journal(journalPath());
    journal.attach(&model); // an empty window waiting for the person's answer
    journal.flush();
    QVERIFY(journal.sync());
    QCOMPARE(readAll(journalPath()), previous);

    model.addEntries(entriesFor({ localUrl(QStringLiteral("/new")) }));
    QVERIFY(journal.sync());
    const QList<JournaledJob> jobs = replayOrFail(journalPath());
    QCOMPARE(jobs.size(), 1);
    QCOMPARE(jobs.at(0).url, localUrl(QStringLiteral("/new")));
}

void TestRunJournal::closingWithoutAnsweringKeepsTheOffer()
{
    {
        JobQueueModel model;
        RunJournal journal(journalPath());
        journal.attach(&model);
        model.addEntries(entriesFor({ localUrl(QStringLiteral("/old")) }));
        QVERIFY(journal.sync());
    }
    const QByteArray previous = readAll(journalPath());
    {
        JobQueueModel model;
        RunJournal journal(journalPath());
        journal.attach(&model);
        journal.markCleanExit(); // the window closed with the offer unanswered
    }
    QCOMPARE(readAll(journalPath()), previous);
    bool clean = true;
    QCOMPARE(replayOrFail(journalPath(), &clean).size(), 1);
    QVERIFY(!clean);
}

void TestRunJournal::discardRemovesOnlyThePreviousJournal()
{
    {
        JobQueueModel model;
        RunJournal journal(journalPath());
        journal.attach(&model);
        model.addEntries(entriesFor({ localUrl(QStringLiteral("/old")) }));
        QVERIFY(journal.sync());
    }
    {
        JobQueueModel model;
        RunJournal journal(journalPath());
        journal.attach(&model);
        journal.discardPrevious();
        QVERIFY(journal.sync());
        QVERIFY(!QFile::exists(journalPath()));
        // The run goes on, journaled afresh.
        model.addEntries(entriesFor({ localUrl(QStringLiteral("/new")) }));
        QVERIFY(journal.sync());
        QCOMPARE(replayOrFail(journalPath()).size(), 1);
    }
    {
        // Declined after the new run already wrote its own journal: that one stays.
        JobQueueModel model;
        RunJournal journal(journalPath());
        journal.attach(&model);
        model.addEntries(entriesFor({ localUrl(QStringLiteral("/newer")) }));
        QVERIFY(journal.sync());
        journal.discardPrevious();
        QVERIFY(journal.sync());
        const QList<JournaledJob> jobs = replayOrFail(journalPath());
        QCOMPARE(jobs.size(), 1);
        QCOMPARE(jobs.at(0).url, localUrl(QStringLiteral("/newer")));
    }
}

void TestRunJournal::partRecordsLastUntilTheJobsResult()
{
    JobQueueModel model;
    FetchEngine engine(&model); // never started: its signal stands in for its tasks
    RunJournal journal(journalPath());
    journal.attach(&model, &engine);
    model.addEntries(entriesFor({ localUrl(QStringLiteral("/a")), localUrl(QStringLiteral("/b")),
                                  localUrl(QStringLiteral("/c")) }));
    JournaledJob previous;
    previous.id = 1;
    previous.url = localUrl(QStringLiteral("/restored"));
    const PartialDownload restoredPart { QStringLiteral("/d/restored.part"), "\"r1\"" };
    previous.partial = std::make_shared<PartialDownload>(restoredPart);
    QCOMPARE(model.addRestored(RunJournal::restorableJobs({ previous })), 1);
    QVERIFY(model.jobAt(3).resumeFrom());

    // Quotes and non-ASCII in the path survive the JSON; a validator that is not printable ASCII
    // could not go back into a header byte for byte, and a part announced after its job's
    // result has nothing left to continue.
    const PartialDownload part { QStringLiteral("/d/\"quoted\" \u00e9t\u00e9.part"), "\"e1\"" };
    emit engine.partialStarted(model.jobAt(0).id, part);
    emit engine.partialStarted(model.jobAt(1).id, { QStringLiteral("/d/b.part"), "\"\xc3\xa9\"" });
    model.finishJob(finished(model.jobAt(2), JobState::Succeeded, HttpOk, 1));
    emit engine.partialStarted(model.jobAt(2).id, { QStringLiteral("/d/c.part"), "\"e3\"" });
    QVERIFY(journal.sync());
    QList<JournaledJob> jobs = replayOrFail(journalPath());
    QCOMPARE(jobs.size(), 4);
    QVERIFY(jobs.at(0).partial);
    QCOMPARE(jobs.at(0).partial->path, part.path);
    QCOMPARE(jobs.at(0).partial->validator, part.validator);
    QVERIFY(!jobs.at(1).partial);
    QVERIFY(!jobs.at(2).partial);
    QVERIFY(jobs.at(3).partial);
    QCOMPARE(jobs.at(3).partial->path, restoredPart.path);
    QCOMPARE(RunJournal::restorableJobs(jobs).at(0).resumeFrom()->validator, part.validator);

    // A compaction keeps the parts of unfinished jobs.
    const int rounds = RunJournal::CompactionMinRecords / 2;
    for (int round = 0; round < rounds; ++round) {
        model.finishJob(finished(model.jobAt(1), JobState::Failed, HttpNotFound, round));
        model.requeue({ 1 });
    }
    QVERIFY(journal.sync());
    QVERIFY(journal.statistics().compactions >= 1);
    jobs = replayOrFail(journalPath());
    QVERIFY(jobs.at(0).partial);
    QCOMPARE(jobs.at(0).partial->path, part.path);
    QVERIFY(jobs.at(3).partial);

    // The job's result voids its part.
    model.finishJob(finished(model.jobAt(0), JobState::Succeeded, HttpOk, 1));
    QVERIFY(journal.sync());
    jobs = replayOrFail(journalPath());
    QVERIFY(!jobs.at(0).partial);
    QVERIFY(jobs.at(3).partial);
}

void TestRunJournal::restoredRowsAreJournaledAgain()
{
    QList<JournaledJob> previous(3);
    for (int i = 0; i < 3; ++i) {
        previous[i].id = quint64(100 + i);
        previous[i].url = localUrl(QStringLiteral("/r%1").arg(i));
        previous[i].sourceLine = i + 1;
    }
    previous[0].fileName = QStringLiteral("zero.bin");
    previous[1].state = JobState::Succeeded;
    previous[1].httpStatus = HttpOk;
    previous[1].bytesReceived = 512;
    previous[1].attempts = 3;
    previous[1].sha256 = QByteArray(Sha256Bytes, 'x');
    previous[1].savedPath = QStringLiteral("/tmp/r1");
    previous[2].state = JobState::Failed;
    previous[2].errorKind = ErrorKind::HttpStatus;
    previous[2].httpStatus = HttpNotFound;
    previous[2].errorString = QStringLiteral("HTTP 404");

    JobQueueModel model;
    model.addEntries(entriesFor({ localUrl(QStringLiteral("/already-here")) }));
    RunJournal journal(journalPath());
    journal.attach(&model);
    QCOMPARE(model.addRestored(RunJournal::restorableJobs(previous)), 3);
    QCOMPARE(model.rowCount(), 4);
    QCOMPARE(model.jobAt(1).state, JobState::Queued);
    QCOMPARE(model.jobAt(1).fileName(), QStringLiteral("zero.bin"));
    QCOMPARE(model.jobAt(2).state, JobState::Succeeded);
    QCOMPARE(model.jobAt(2).sha256, previous[1].sha256);
    QCOMPARE(model.jobAt(2).attempts, 3);
    QCOMPARE(model.jobAt(2).startedAtNs, -1); // another run's clock
    QCOMPARE(model.jobAt(3).state, JobState::Failed);
    QCOMPARE(model.jobAt(3).errorString(), QStringLiteral("HTTP 404"));
    for (int row = 1; row < model.rowCount(); ++row)
        QVERIFY(model.jobAt(row).id > model.jobAt(row - 1).id); // new ids, in order
    QCOMPARE(model.count(JobState::Queued), 2);

    // A crash right after the restore loses nothing of it.
    QVERIFY(journal.sync());
    const QList<JournaledJob> jobs = replayOrFail(journalPath());
    QCOMPARE(jobs.size(), 4);
    QCOMPARE(jobs.at(2).state, JobState::Succeeded);
    QCOMPARE(jobs.at(2).savedPath, QStringLiteral("/tmp/r1"));
    QCOMPARE(jobs.at(3).state, JobState::Failed);
    QCOMPARE(jobs.at(3).httpStatus, HttpNotFound);
}

void TestRunJournal::restoredDoneRowsKeepTheTimeTheirRunMeasured()
{
    constexpr qint64 DurationNs = 48'213'456; // the Time column of the live row: 0.048 s
    constexpr qint64 JournaledNs = 48'213'000; // whole microseconds on disk
    constexpr qint64 Bytes = 1'000'000;
    JobQueueModel model;
    RunJournal journal(journalPath());
    journal.attach(&model);
    model.addEntries(
        entriesFor({ localUrl(QStringLiteral("/timed")), localUrl(QStringLiteral("/failed")),
                     localUrl(QStringLiteral("/left")) }));
    Job done = finished(model.jobAt(0), JobState::Succeeded, HttpOk, Bytes);
    done.startedAtNs = 5'000'000;
    done.finishedAtNs = done.startedAtNs + DurationNs;
    model.finishJob(done);
    Job failed = finished(model.jobAt(1), JobState::Failed, HttpNotFound, 0);
    failed.finishedAtNs = failed.startedAtNs + 3'000;
    model.finishJob(failed);
    QVERIFY(journal.sync());
    QVERIFY(readAll(journalPath()).contains("\"us\":48213,"));

    // The crash; the restore brings the finished rows back with their time, not measured here.
    QList<JournaledJob> jobs = replayOrFail(journalPath());
    QCOMPARE(jobs.size(), 3);
    QCOMPARE(jobs.at(0).durationNs, JournaledNs);
    QCOMPARE(jobs.at(1).durationNs, 3'000); // 3 µs
    QCOMPARE(jobs.at(2).durationNs, -1); // never finished
    JobQueueModel restored;
    QCOMPARE(restored.addRestored(RunJournal::restorableJobs(jobs)), 3);
    const Job &row = restored.jobAt(0);
    QVERIFY(row.restored);
    QCOMPARE(row.startedAtNs, -1); // another run's clock
    QCOMPARE(row.restoredDurationNs(), JournaledNs);
    QCOMPARE(restored.data(restored.index(0, JobQueueModel::TimeColumn)).toString(),
             formatSeconds(JournaledNs));
    QCOMPARE(
        restored.data(restored.index(0, JobQueueModel::TimeColumn), JobQueueModel::RawValueRole)
            .toLongLong(),
        JournaledNs);
    QCOMPARE(restored.data(restored.index(0, JobQueueModel::SpeedColumn)).toString(),
             formatRate(double(Bytes) * 1e9 / double(JournaledNs)));
    QVERIFY(restored.jobAt(1).restored);
    QVERIFY(!restored.jobAt(2).restored); // queued again, to be timed here
    QCOMPARE(restored.summary().restoredDone, 2);

    // Journaled again by the restored run, the time survives a second crash too.
    RunJournal again(journalPath());
    again.attach(&restored);
    QVERIFY(again.sync());
    jobs = replayOrFail(journalPath());
    QCOMPARE(jobs.size(), 3);
    QCOMPARE(jobs.at(0).durationNs, JournaledNs);
    QCOMPARE(jobs.at(1).durationNs, 3'000);
}

void TestRunJournal::journalWithoutDurationsStillReplays()
{
    // Written before the duration was journaled: the rows come back done, and say their time
    // is unknown ("–") rather than make one up.
    const QByteArray old = checkedLine("{\"k\":\"begin\",\"v\":1,\"run\":\"abc\"}")
        + checkedLine("{\"k\":\"add\",\"id\":1,\"url\":\"http://127.0.0.1:9/old\"}")
        + checkedLine("{\"k\":\"add\",\"id\":2,\"url\":\"http://127.0.0.1:9/new\"}")
        + checkedLine("{\"k\":\"state\",\"id\":1,\"state\":\"succeeded\",\"http\":200,"
                      "\"tries\":1,\"bytes\":1024}")
        + checkedLine("{\"k\":\"state\",\"id\":2,\"state\":\"succeeded\",\"http\":200,"
                      "\"tries\":1,\"bytes\":2048,\"us\":1500}");
    QVERIFY(writeAll(journalPath(), old));
    JournalReplayReport report;
    const QList<JournaledJob> jobs = replayOrFail(journalPath(), nullptr, &report);
    QCOMPARE(report.skippedLines, 0);
    QVERIFY(!report.tornTail);
    QCOMPARE(jobs.size(), 2);
    QCOMPARE(jobs.at(0).state, JobState::Succeeded);
    QCOMPARE(jobs.at(0).bytesReceived, 1024);
    QCOMPARE(jobs.at(0).durationNs, -1);
    QCOMPARE(jobs.at(1).durationNs, 1'500'000);

    JobQueueModel model;
    QCOMPARE(model.addRestored(RunJournal::restorableJobs(jobs)), 2);
    QVERIFY(model.jobAt(0).restored);
    QVERIFY(!model.data(model.index(0, JobQueueModel::TimeColumn)).isValid());
    QVERIFY(!model.data(model.index(0, JobQueueModel::SpeedColumn)).isValid());
    QCOMPARE(model.data(model.index(1, JobQueueModel::TimeColumn)).toString(),
             formatSeconds(1'500'000));
    QCOMPARE(model.summary().succeeded, 2);
    QCOMPARE(model.summary().restoredDone, 2);
    QCOMPARE(model.summary().requestsPerSecond, 0.0); // nothing timed here yet
}

void TestRunJournal::secondClaimFails()
{
    RunJournal first(journalPath());
    QString error;
    QVERIFY2(first.claim(&error), qPrintable(error));
    {
        RunJournal second(journalPath());
        QVERIFY(!second.claim(&error));
        QVERIFY2(error.contains(QString::number(QCoreApplication::applicationPid())),
                 qPrintable(error));
    }
    RunJournal other(m_dir->filePath(QStringLiteral("other.log")));
    QVERIFY2(other.claim(&error), qPrintable(error));
}

void TestRunJournal::writeFailureIsReported()
{
    // The journal's folder cannot be made: a regular file stands where it should be.
    const QString blocker = m_dir->filePath(QStringLiteral("not-a-folder"));
    QVERIFY(writeAll(blocker, "x"));
    JobQueueModel model;
    RunJournal journal(blocker + QStringLiteral("/journal.log"));
    QSignalSpy failed(&journal, &RunJournal::writeFailed);
    journal.attach(&model);
    model.addEntries(entriesFor({ localUrl(QStringLiteral("/1")) }));
    QVERIFY(!journal.sync());
    QTRY_COMPARE(failed.count(), 1);
    QVERIFY2(journal.errorString().contains(QLatin1String("not-a-folder")),
             qPrintable(journal.errorString()));
    QCOMPARE(journal.statistics().failures, 1);
    // The run itself goes on; nothing is appended to a journal that may be missing records.
    model.finishJob(finished(model.jobAt(0), JobState::Succeeded, HttpOk, 1));
    QVERIFY(!QFile::exists(blocker + QStringLiteral("/journal.log")));
}

void TestRunJournal::hundredThousandJobsCost()
{
    QList<QUrl> urls;
    urls.reserve(HundredThousand);
    for (int i = 0; i < HundredThousand; ++i)
        urls.append(QUrl(QStringLiteral("https://downloads.example.com/mirror/pool/main/p/"
                                        "parafetch/file-%1.tar.gz")
                             .arg(i)));
    const QList<UrlEntry> entries = entriesFor(urls);

    // The same work on the model's thread with and without a journal: add the list, then
    // finish every row in the batches the engine hands over, with events in between.
    const auto run = [&entries](JobQueueModel &model, qint64 *addNs, qint64 *finishNs) {
        QElapsedTimer clock;
        clock.start();
        model.addEntries(entries);
        QCoreApplication::processEvents();
        *addNs = clock.nsecsElapsed();
        clock.restart();
        QList<Job> batch;
        for (int row = 0; row < model.rowCount(); ++row) {
            Job job = finished(model.jobAt(row), JobState::Succeeded, HttpOk, row);
            job.sha256 = QByteArray(Sha256Bytes, 's');
            batch.append(std::move(job));
            if (batch.size() == EngineBatch || row + 1 == model.rowCount()) {
                model.finishJobs(batch);
                batch.clear();
                QCoreApplication::processEvents();
            }
        }
        *finishNs = clock.nsecsElapsed();
    };

    // The baseline runs twice and keeps its faster run: the first pays for warming up the heap.
    qint64 plainAddNs = 0, plainFinishNs = 0;
    for (int warm = 0; warm < 2; ++warm) {
        JobQueueModel model;
        qint64 addNs = 0, finishNs = 0;
        run(model, &addNs, &finishNs);
        if (warm == 0 || addNs + finishNs < plainAddNs + plainFinishNs) {
            plainAddNs = addNs;
            plainFinishNs = finishNs;
        }
    }
    JobQueueModel model;
    RunJournal journal(journalPath());
    journal.attach(&model);
    qint64 addNs = 0, finishNs = 0;
    run(model, &addNs, &finishNs);
    QElapsedTimer clock;
    clock.start();
    QVERIFY(journal.sync(RunTimeoutMs));
    const qint64 drainNs = clock.nsecsElapsed();
    const RunJournal::Statistics statistics = journal.statistics();

    clock.restart();
    bool clean = true;
    JournalReplayReport report;
    const QList<JournaledJob> jobs = replayOrFail(journalPath(), &clean, &report);
    const qint64 replayNs = clock.nsecsElapsed();

    const qint64 overheadNs = (addNs + finishNs) - (plainAddNs + plainFinishNs);
    qInfo("journal at %d URLs: model thread %.0f ms with, %.0f ms without (add %.0f vs %.0f, "
          "finish %.0f vs %.0f): %.2f us per URL; writer drained %.0f ms later",
          HundredThousand, double(addNs + finishNs) / NsPerMs,
          double(plainAddNs + plainFinishNs) / NsPerMs, double(addNs) / NsPerMs,
          double(plainAddNs) / NsPerMs, double(finishNs) / NsPerMs, double(plainFinishNs) / NsPerMs,
          double(overheadNs) / NsPerUs / HundredThousand, double(drainNs) / NsPerMs);
    qInfo("journal at %d URLs: %lld records, %.1f MiB, %lld writes, %lld syncs; replay %.0f ms",
          HundredThousand, statistics.records, double(statistics.bytes) / BytesPerMiB,
          statistics.writes, statistics.syncs, double(replayNs) / NsPerMs);

    QCOMPARE(statistics.records, 1 + 2 * qint64(HundredThousand));
    QCOMPARE(statistics.compactions, 0);
    // Never a syscall per URL: a few batches a second, whatever the pace.
    const qint64 elapsedMs = (addNs + finishNs + drainNs) / qint64(NsPerMs);
    QVERIFY2(statistics.syncs <= 4 + 2 * elapsedMs / RunJournal::FlushIntervalMs,
             qPrintable(QString::number(statistics.syncs)));
    QVERIFY(!clean);
    QCOMPARE(report.skippedLines, 0);
    QCOMPARE(jobs.size(), HundredThousand);
    QCOMPARE(finishedIn(jobs), HundredThousand);
    QCOMPARE(jobs.constLast().url, urls.constLast());
    QCOMPARE(jobs.constLast().bytesReceived, HundredThousand - 1);
}

void TestRunJournal::killedMidRunRestoresAndFinishesOnlyTheRest()
{
    LoopbackServer server;
    QVERIFY2(server.listen(0, CrashRunWorkers), qPrintable(server.errorString()));
    const QString output = m_dir->filePath(QStringLiteral("downloads"));
    QVERIFY(QDir().mkpath(output));
    const QList<QUrl> urls = crashRunUrls(server.baseUrl(), CrashRunUrls);

    QProcess child;
    child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    child.start(QCoreApplication::applicationFilePath(),
                { QLatin1String(JournalChildFlag), journalPath(), server.baseUrl().toString(),
                  output, QString::number(CrashRunUrls) });
    QVERIFY2(child.waitForStarted(), qPrintable(child.errorString()));
    QTRY_VERIFY_WITH_TIMEOUT(finishedIn(replayOrFail(journalPath())) >= FinishedBeforeKill
                                 || child.state() == QProcess::NotRunning,
                             ChildTimeoutMs);
    QCOMPARE(child.state(), QProcess::Running); // the run must not be over before the kill
    child.kill(); // SIGKILL: no destructor, no last flush
    QVERIFY(child.waitForFinished());
    QCOMPARE(child.exitStatus(), QProcess::CrashExit);

    bool clean = true;
    JournalReplayReport report;
    const QList<JournaledJob> journaled = replayOrFail(journalPath(), &clean, &report);
    QVERIFY(!clean);
    QCOMPARE(report.skippedLines, 0);
    // Every URL is there, in order; the finished ones with their final result.
    QCOMPARE(journaled.size(), CrashRunUrls);
    QSet<QString> finishedTargets;
    for (int i = 0; i < CrashRunUrls; ++i) {
        const JournaledJob &job = journaled.at(i);
        QCOMPARE(job.url, urls.at(i));
        QCOMPARE(job.sourceLine, i + 1);
        if (!job.isFinished())
            continue;
        finishedTargets.insert(job.url.toString(QUrl::RemoveScheme | QUrl::RemoveAuthority));
        if (i % FailEvery == FailEvery - 1) {
            QCOMPARE(job.state, JobState::Failed);
            QCOMPARE(job.errorKind, ErrorKind::HttpStatus);
            QCOMPARE(job.httpStatus, HttpNotFound);
        } else {
            QCOMPARE(job.state, JobState::Succeeded);
            QCOMPARE(job.httpStatus, HttpOk);
            QCOMPARE(job.bytesReceived, BodyBase + i);
            QCOMPARE(job.sha256, LoopbackServer::expectedSha256(BodyBase + i));
            QCOMPARE(QFileInfo(job.savedPath).size(), BodyBase + i);
        }
    }
    const int finishedBefore = finishedIn(journaled);
    QVERIFY(finishedBefore >= FinishedBeforeKill);
    QVERIFY(finishedBefore < CrashRunUrls);
    qInfo("killed after %d of %d URLs had finished in the journal (torn tail: %s)", finishedBefore,
          CrashRunUrls, report.tornTail ? "yes" : "no");

    // The next start: the dead process's lock is stale, the list comes back, and only what was
    // not finished is fetched.
    RunJournal journal(journalPath());
    QString error;
    QVERIFY2(journal.claim(&error), qPrintable(error));
    JobQueueModel model;
    FetchEngine engine(&model);
    FetchOptions options = testOptions(RestoreWorkers);
    options.outputDirectory = output;
    engine.setOptions(options);
    journal.attach(&model, &engine);
    QCOMPARE(model.addRestored(RunJournal::restorableJobs(journaled)), CrashRunUrls);
    QCOMPARE(model.count(JobState::Queued), CrashRunUrls - finishedBefore);

    server.resetStatistics();
    QVERIFY(runToEnd(engine));
    QCOMPARE(server.requestCount(), qint64(CrashRunUrls - finishedBefore));
    // The server keeps the child's requests too (its log is not reset): the last ones are ours.
    const QList<RecordedRequest> recorded = server.recordedRequests();
    QVERIFY(recorded.size() < LoopbackServer::RecordedRequestLimit);
    QSet<QString> fetchedAgain;
    for (const RecordedRequest &request : recorded.mid(recorded.size() - server.requestCount())) {
        const QString target = QString::fromLatin1(request.target);
        QVERIFY2(!finishedTargets.contains(target), qPrintable(target));
        QVERIFY2(!fetchedAgain.contains(target), qPrintable(target));
        fetchedAgain.insert(target);
    }
    QCOMPARE(fetchedAgain.size(), CrashRunUrls - finishedBefore);
    for (int i = 0; i < CrashRunUrls; ++i) {
        const Job &job = model.jobAt(i);
        QCOMPARE(job.url, urls.at(i));
        QCOMPARE(job.state,
                 i % FailEvery == FailEvery - 1 ? JobState::Failed : JobState::Succeeded);
        if (job.state == JobState::Succeeded)
            QCOMPARE(job.sha256, LoopbackServer::expectedSha256(BodyBase + i));
    }

    QVERIFY(journal.sync());
    const QList<JournaledJob> after = replayOrFail(journalPath(), &clean);
    QVERIFY(!clean);
    QCOMPARE(after.size(), CrashRunUrls);
    QCOMPARE(finishedIn(after), CrashRunUrls);
    journal.markCleanExit();
    QVERIFY(replayOrFail(journalPath(), &clean).isEmpty());
    QVERIFY(clean);
}

void TestRunJournal::killedMidDownloadContinuesThePart_data()
{
    QTest::addColumn<QString>("query"); // added to /resumable/N?stall=K&tag=T
    QTest::addColumn<Meddle>("meddle");
    QTest::addColumn<QByteArray>("validator"); // the ETag the child was sent
    // Per request of the restored run: true = Range from the .part's size + If-Range, false =
    // a plain GET.
    QTest::addColumn<QList<bool>>("ranged");
    QTest::addColumn<int>("status"); // of the response that brought the rest
    QTest::addColumn<bool>("newName"); // saved as "N (1)" instead of N
    QTest::addColumn<bool>("orphanLeft"); // the child's .part is left as it was

    const QByteArray changedTag = "\"resumable-" + QByteArray::number(ResumableBytes) + "-1\"";
    QTest::newRow("206: the rest is asked for and appended")
        << "etag=v1" << Meddle::Nothing << QByteArray("\"v1\"") << QList<bool> { true }
        << HttpPartialContent << false << false;
    QTest::newRow("validator changed: the 200 starts over in the same .part")
        << "changing=1" << Meddle::Nothing << changedTag << QList<bool> { true } << HttpOk << false
        << false;
    QTest::newRow("the .part was deleted meanwhile: a plain GET")
        << "etag=v1" << Meddle::DeletePart << QByteArray("\"v1\"") << QList<bool> { false }
        << HttpOk << false << false;
    QTest::newRow("final name taken by a user's file: a new name, the user's file untouched")
        << "etag=v1" << Meddle::TakeFinalName << QByteArray("\"v1\"") << QList<bool> { false }
        << HttpOk << true << true;
    QTest::newRow("the .part already holds the whole body: 416, then a plain GET")
        << "etag=v1" << Meddle::FillPart << QByteArray("\"v1\"") << QList<bool> { true, false }
        << HttpOk << false << false;
    QTest::newRow("resume switched off: a plain GET, the .part left alone")
        << "etag=v1" << Meddle::ResumeOff << QByteArray("\"v1\"") << QList<bool> { false } << HttpOk
        << true << true;
}

void TestRunJournal::killedMidDownloadContinuesThePart()
{
    QFETCH(QString, query);
    QFETCH(Meddle, meddle);
    QFETCH(QByteArray, validator);
    QFETCH(QList<bool>, ranged);
    QFETCH(int, status);
    QFETCH(bool, newName);
    QFETCH(bool, orphanLeft);

    LoopbackServer server;
    QVERIFY2(server.listen(0, 2), qPrintable(server.errorString()));
    const QString output = m_dir->filePath(QStringLiteral("downloads"));
    QVERIFY(QDir().mkpath(output));
    // Only the child's request (the first with the tag) stalls; the restored run's are whole.
    const QUrl url = server.url(QStringLiteral("/resumable/%1?stall=%2&tag=crash&%3")
                                    .arg(ResumableBytes)
                                    .arg(StallBytes)
                                    .arg(query));
    const QString finalName = QString::number(ResumableBytes);
    const QString finalPath = QDir(output).absoluteFilePath(finalName);
    const QString partPath = finalPath + QLatin1String(".part");

    QProcess child;
    child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    child.start(QCoreApplication::applicationFilePath(),
                { QLatin1String(ResumeChildFlag), journalPath(), url.toString(), output });
    QVERIFY2(child.waitForStarted(), qPrintable(child.errorString()));
    const auto partJournaled = [this] {
        const QList<JournaledJob> jobs = replayOrFail(journalPath());
        return jobs.size() == 1 && jobs.constFirst().partial != nullptr;
    };
    QTRY_VERIFY_WITH_TIMEOUT((partJournaled() && QFileInfo(partPath).size() >= KillAfterPartBytes)
                                 || child.state() == QProcess::NotRunning,
                             ChildTimeoutMs);
    QCOMPARE(child.state(), QProcess::Running); // stalled mid-body, as a download cut by a crash
    child.kill();
    QVERIFY(child.waitForFinished());
    QCOMPARE(child.exitStatus(), QProcess::CrashExit);

    const QList<JournaledJob> journaled = replayOrFail(journalPath());
    QCOMPARE(journaled.size(), 1);
    QVERIFY(!journaled.constFirst().isFinished());
    QVERIFY(journaled.constFirst().partial);
    QCOMPARE(journaled.constFirst().partial->path, partPath);
    QCOMPARE(journaled.constFirst().partial->validator, validator);

    const QByteArray userFile = "the user's own file, not a download\n";
    switch (meddle) {
    case Meddle::DeletePart:
        QVERIFY(QFile::remove(partPath));
        break;
    case Meddle::TakeFinalName:
        QVERIFY(writeAll(finalPath, userFile));
        break;
    case Meddle::FillPart:
        QVERIFY(writeAll(partPath, LoopbackServer::resumableBytes(0, ResumableBytes)));
        break;
    case Meddle::Nothing:
    case Meddle::ResumeOff:
        break;
    }
    const qint64 partSize = QFileInfo(partPath).size();
    const QByteArray partBefore = orphanLeft ? readAll(partPath) : QByteArray();
    if (meddle != Meddle::DeletePart)
        QVERIFY2(partSize >= KillAfterPartBytes, qPrintable(QString::number(partSize)));

    RunJournal journal(journalPath());
    QString error;
    QVERIFY2(journal.claim(&error), qPrintable(error));
    JobQueueModel model;
    FetchEngine engine(&model);
    FetchOptions options = testOptions(1);
    options.outputDirectory = output;
    options.resume = meddle != Meddle::ResumeOff;
    engine.setOptions(options);
    journal.attach(&model, &engine);
    QCOMPARE(model.addRestored(RunJournal::restorableJobs(journaled)), 1);
    const qsizetype requestsBefore = server.recordedRequests().size();
    QVERIFY(runToEnd(engine));

    const Job &job = model.jobAt(0);
    QCOMPARE(job.state, JobState::Succeeded);
    QCOMPARE(job.httpStatus, status);
    QCOMPARE(job.bytesReceived, ResumableBytes);
    QCOMPARE(job.sha256, LoopbackServer::expectedResumableSha256(ResumableBytes));
    const QString savedName = newName ? finalName + QLatin1String(" (1)") : finalName;
    QCOMPARE(job.savedPath(), QDir(output).filePath(savedName));
    QVERIFY(readAll(job.savedPath()) == LoopbackServer::resumableBytes(0, ResumableBytes));

    const QList<RecordedRequest> requests = server.recordedRequests().mid(requestsBefore);
    QCOMPARE(requests.size(), ranged.size());
    for (qsizetype i = 0; i < requests.size(); ++i) {
        const RecordedRequest &request = requests.at(i);
        QCOMPARE(request.target, url.toEncoded(QUrl::RemoveScheme | QUrl::RemoveAuthority));
        if (ranged.at(i)) {
            QCOMPARE(request.header("Range"), "bytes=" + QByteArray::number(partSize) + '-');
            QCOMPARE(request.header("If-Range"), validator);
        } else {
            QVERIFY(request.header("Range").isEmpty());
            QVERIFY(request.header("If-Range").isEmpty());
        }
    }

    // The user's file and an orphan not continued are left as they were; nothing else remains.
    QStringList expectedFiles { savedName };
    if (meddle == Meddle::TakeFinalName) {
        expectedFiles.append(finalName);
        QCOMPARE(readAll(finalPath), userFile);
    }
    if (orphanLeft) {
        expectedFiles.append(finalName + QLatin1String(".part"));
        QVERIFY(readAll(partPath) == partBefore);
    }
    expectedFiles.sort();
    QCOMPARE(QDir(output).entryList(QDir::Files | QDir::Hidden, QDir::Name), expectedFiles);

    // The result voids the part in the journal: another crash now restores nothing to continue.
    QVERIFY(journal.sync());
    const QList<JournaledJob> after = replayOrFail(journalPath());
    QCOMPARE(after.size(), 1);
    QCOMPARE(after.constFirst().state, JobState::Succeeded);
    QVERIFY(!after.constFirst().partial);
    journal.markCleanExit();
}

void TestRunJournal::replayReconcilesWithTheFileLog_data()
{
    QTest::addColumn<QString>("scenario");
    QTest::addColumn<JobState>("state"); // of the one job after replay
    QTest::addColumn<bool>("partial"); // whether a .part is handed to the restored job
    QTest::addColumn<QStringList>("files"); // in the download folder afterwards
    QTest::addColumn<int>("adopted");
    QTest::addColumn<int>("removed");

    const QStringList saved { QStringLiteral("a.bin") };
    const QStringList part { QStringLiteral("a.bin.part") };
    QTest::newRow("saved body under its final name: done")
        << "saved" << JobState::Succeeded << false << saved << 1 << 0;
    QTest::newRow("final name holds other bytes: fetched again")
        << "other-bytes" << JobState::Queued << false << saved << 0 << 0;
    QTest::newRow("SHA-256 off, saved body of the logged size: done")
        << "nohash" << JobState::Succeeded << false << saved << 1 << 0;
    QTest::newRow("SHA-256 off, final name of another size: fetched again")
        << "nohash-other-size" << JobState::Queued << false << saved << 0 << 0;
    QTest::newRow("killed before the rename: the complete .part is renamed, done")
        << "saved-part" << JobState::Succeeded << false << saved << 1 << 0;
    QTest::newRow("file log of another run: ignored")
        << "other-run" << JobState::Queued << false << saved << 0 << 0;
    QTest::newRow("empty .part without a validator: removed")
        << "empty-part" << JobState::Queued << false << QStringList() << 0 << 1;
    QTest::newRow(".part with a validator: continued")
        << "part" << JobState::Queued << true << part << 0 << 0;
    QTest::newRow("kept .part changed since: removed")
        << "kept-changed" << JobState::Queued << false << QStringList() << 0 << 1;
    QTest::newRow("kept .part as it was left: continued")
        << "kept" << JobState::Queued << true << part << 0 << 0;
    QTest::newRow(".part of a failed job: removed")
        << "failed" << JobState::Failed << false << QStringList() << 0 << 1;
    QTest::newRow("a link named .part is never removed")
        << "link" << JobState::Queued << false << part << 0 << 0;
    QTest::newRow("the journal's .part, started over without a validator: both removed")
        << "superseded" << JobState::Queued << false << QStringList() << 0 << 2;
}

void TestRunJournal::replayReconcilesWithTheFileLog()
{
    QFETCH(QString, scenario);
    QFETCH(JobState, state);
    QFETCH(bool, partial);
    QFETCH(QStringList, files);
    QFETCH(int, adopted);
    QFETCH(int, removed);

    const QDir output(m_dir->filePath(QStringLiteral("downloads")));
    QVERIFY(output.mkpath(QStringLiteral(".")));
    const QString finalPath = output.filePath(QStringLiteral("a.bin"));
    const QString partPath = output.filePath(QStringLiteral("a.bin.part"));
    const QByteArray body(1000, 'b');
    const QByteArray token = "5eed";

    QByteArray journal = checkedLine("{\"k\":\"begin\",\"v\":1,\"run\":\"" + token + "\"}")
        + checkedLine("{\"k\":\"add\",\"id\":1,\"url\":\"http://127.0.0.1:9/a.bin\"}");
    if (scenario == QLatin1String("failed"))
        journal += checkedLine("{\"k\":\"state\",\"id\":1,\"state\":\"failed\",\"http\":404}");
    QVERIFY(writeAll(journalPath(), journal));

    FileLog log(RunJournal::fileLogPath(journalPath()));
    QVERIFY(log.begin(scenario == QLatin1String("other-run") ? QByteArray("07he5") : token));
    FileRecord record;
    record.id = 1;
    record.partPath = partPath;
    if (scenario == QLatin1String("saved") || scenario == QLatin1String("other-bytes")
        || scenario == QLatin1String("saved-part") || scenario == QLatin1String("other-run")
        || scenario.startsWith(QLatin1String("nohash"))) {
        record.kind = FileRecord::Kind::Saved;
        record.savedPath = finalPath;
        record.size = body.size();
        if (!scenario.startsWith(QLatin1String("nohash")))
            record.sha256 = Sha256::hash(body);
        record.httpStatus = HttpOk;
        log.append(record);
        const QByteArray onDisk = scenario == QLatin1String("other-bytes")
            ? QByteArray(body.size(), 'x')
            : scenario == QLatin1String("nohash-other-size") ? body.first(body.size() - 1)
                                                             : body;
        QVERIFY(writeAll(scenario == QLatin1String("saved-part") ? partPath : finalPath, onDisk));
    } else if (scenario == QLatin1String("superseded")) {
        // The journal knew the first .part (it had a validator); the retry that started over
        // made another, which the log alone knows.
        QVERIFY(
            writeAll(journalPath(),
                     journal
                         + checkedLine("{\"k\":\"part\",\"id\":1,\"path\":\"" + partPath.toUtf8()
                                       + "\",\"validator\":\"\\\"v1\\\"\"}")));
        record.kind = FileRecord::Kind::Part;
        record.validator = "\"v1\"";
        log.append(record);
        FileRecord newer = record;
        newer.partPath = output.filePath(QStringLiteral("a (1).bin.part"));
        newer.validator.clear();
        log.append(newer);
        QVERIFY(writeAll(partPath, body));
        QVERIFY(writeAll(newer.partPath, body.first(10)));
    } else if (scenario == QLatin1String("link")) {
        record.kind = FileRecord::Kind::Part;
        log.append(record);
        const QString target = m_dir->filePath(QStringLiteral("not-a-part"));
        QVERIFY(writeAll(target, body));
        QVERIFY(QFile::link(target, partPath));
    } else {
        record.kind = FileRecord::Kind::Part;
        if (scenario != QLatin1String("empty-part"))
            record.validator = "\"v1\"";
        log.append(record);
        QVERIFY(writeAll(partPath, scenario == QLatin1String("empty-part") ? QByteArray() : body));
        if (scenario.startsWith(QLatin1String("kept"))) {
            FileRecord kept = record;
            kept.kind = FileRecord::Kind::Kept;
            kept.validator.clear();
            kept.size = scenario == QLatin1String("kept") ? body.size() : body.size() / 2;
            log.append(kept);
        }
    }

    bool clean = true;
    JournalReplayReport report;
    QList<JournaledJob> jobs;
    QString error;
    QVERIFY2(RunJournal::replay(journalPath(), &jobs, &clean, &error, &report, true),
             qPrintable(error));
    QVERIFY(!clean);
    QCOMPARE(jobs.size(), 1);
    const JournaledJob &job = jobs.first();
    QCOMPARE(job.state, state);
    QCOMPARE(bool(job.partial), partial);
    if (partial) {
        QCOMPARE(job.partial->path, partPath);
        QCOMPARE(job.partial->validator, QByteArray("\"v1\""));
    }
    if (state == JobState::Succeeded) {
        QCOMPARE(job.savedPath, finalPath);
        QCOMPARE(job.sha256,
                 scenario == QLatin1String("nohash") ? QByteArray() : Sha256::hash(body));
        QCOMPARE(job.bytesReceived, qint64(body.size()));
        QCOMPARE(job.httpStatus, HttpOk);
        QCOMPARE(readAll(finalPath), body);
        // What a restore makes of it: a finished row, never fetched again.
        QCOMPARE(RunJournal::restorableJobs(jobs).first().state, JobState::Succeeded);
    }
    QCOMPARE(output.entryList(QDir::Files | QDir::Hidden | QDir::System), files);
    QCOMPARE(report.adoptedFiles, adopted);
    QCOMPARE(report.removedParts, removed);
}

void TestRunJournal::replayWithoutReconcileLeavesTheDiskAlone()
{
    // A journal that a live run still writes (the crash tests poll one) is only read: its .part
    // files are in use.
    const QString partPath = m_dir->filePath(QStringLiteral("live.bin.part"));
    QVERIFY(writeAll(partPath, QByteArray()));
    QVERIFY(writeAll(
        journalPath(),
        checkedLine("{\"k\":\"begin\",\"v\":1,\"run\":\"11fe\"}")
            + checkedLine("{\"k\":\"add\",\"id\":1,\"url\":\"http://127.0.0.1:9/live.bin\"}")));
    FileLog log(RunJournal::fileLogPath(journalPath()));
    QVERIFY(log.begin("11fe"));
    FileRecord record;
    record.id = 1;
    record.partPath = partPath;
    log.append(record);
    JournalReplayReport report;
    bool clean = true;
    QCOMPARE(replayOrFail(journalPath(), &clean, &report).size(), 1);
    QVERIFY(QFileInfo::exists(partPath));
    QCOMPARE(report.removedParts, 0);
}

void TestRunJournal::killedRunLeavesNoCopyAndNoPart()
{
    LoopbackServer server;
    QVERIFY2(server.listen(0, CrashRunWorkers), qPrintable(server.errorString()));
    const QString output = m_dir->filePath(QStringLiteral("downloads"));
    QVERIFY(QDir().mkpath(output));

    QProcess child;
    child.setProcessChannelMode(QProcess::ForwardedErrorChannel);
    child.start(QCoreApplication::applicationFilePath(),
                { QLatin1String(JournalChildFlag), journalPath(), server.baseUrl().toString(),
                  output, QString::number(CrashRunUrls) });
    QVERIFY2(child.waitForStarted(), qPrintable(child.errorString()));
    QTRY_VERIFY_WITH_TIMEOUT(finishedIn(replayOrFail(journalPath())) >= FinishedBeforeKill
                                 || child.state() == QProcess::NotRunning,
                             ChildTimeoutMs);
    QCOMPARE(child.state(), QProcess::Running);
    child.kill(); // SIGKILL: bodies renamed since the journal's last flush are on disk only
    QVERIFY(child.waitForFinished());
    const QDir folder(output);
    const QStringList savedAtKill = folder.entryList({ QStringLiteral("*[0-9]") }, QDir::Files);

    // The next start claims the journal and reconciles it with the disk.
    RunJournal journal(journalPath());
    QString error;
    QVERIFY2(journal.claim(&error), qPrintable(error));
    QList<JournaledJob> journaled;
    bool clean = true;
    JournalReplayReport report;
    QVERIFY2(RunJournal::replay(journalPath(), &journaled, &clean, &error, &report, true),
             qPrintable(error));
    QVERIFY(!clean);
    const int succeeded =
        int(std::count_if(journaled.cbegin(), journaled.cend(), [](const JournaledJob &job) {
            return job.state == JobState::Succeeded;
        }));
    // Every body on disk is a URL done; nothing of the killed run is left in a .part (these
    // bodies have no validator to continue them with).
    QCOMPARE(succeeded, savedAtKill.size());
    QCOMPARE(folder.entryList({ QStringLiteral("*.part") }, QDir::Files), QStringList());
    qInfo("killed with %lld bodies on disk, %d of them found by the file log only, %d .part "
          "removed",
          qint64(savedAtKill.size()), report.adoptedFiles, report.removedParts);

    JobQueueModel model;
    FetchEngine engine(&model);
    FetchOptions options = testOptions(RestoreWorkers);
    options.outputDirectory = output;
    engine.setOptions(options);
    journal.attach(&model, &engine);
    const int finishedBefore = finishedIn(journaled);
    QCOMPARE(model.addRestored(RunJournal::restorableJobs(journaled)), CrashRunUrls);
    server.resetStatistics();
    QVERIFY(runToEnd(engine));
    QCOMPARE(server.requestCount(), qint64(CrashRunUrls - finishedBefore));
    // One file per successful URL, under its own name: no "name (1)" copy, no .part.
    const QStringList files = folder.entryList(QDir::Files | QDir::Hidden | QDir::System);
    QCOMPARE(files.size(), CrashRunUrls - CrashRunUrls / FailEvery);
    QCOMPARE(files.filter(QStringLiteral(" (")), QStringList());
    QCOMPARE(files.filter(QStringLiteral(".part")), QStringList());
    journal.markCleanExit();
}

// Not QTEST_GUILESS_MAIN: the crash test runs this executable again as the process it kills.
int main(int argc, char *argv[])
{
    if (argc > ChildFlag && std::strcmp(argv[ChildFlag], JournalChildFlag) == 0)
        return runJournalChild(argc, argv);
    if (argc > ChildFlag && std::strcmp(argv[ChildFlag], ResumeChildFlag) == 0)
        return runResumeChild(argc, argv);
    QCoreApplication app(argc, argv);
    TestRunJournal test;
    QTEST_SET_MAIN_SOURCE_PATH
    return QTest::qExec(&test, argc, argv);
}

#include "tst_runjournal.moc"
