// SPDX-License-Identifier: GPL-3.0-or-later
// Nothing is lost when the window closes mid-run or the process dies: the quit question, kept
// .part files continued by the next Start, and a restore after a crash that fetches only what is
// not on disk and leaves no orphans.
#include "engine/fetchengine.h"
#include "filenames.h"
#include "inputpanel.h"
#include "jobqueuemodel.h"
#include "mainwindow.h"
#include "run/runjournal.h"
#include "scriptedserver.h"
#include "server/loopbackserver.h"
#include "settingsstore.h"
#include "summarypanel.h"
#include "testsupport.h"
#include "urllistparser.h"

#include <QAbstractButton>
#include <QAction>
#include <QApplication>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include <memory>

using namespace Parafetch;
using namespace Parafetch::TestSupport;

namespace {

constexpr qint64 BodyBytes = 300'000;
constexpr qint64 StallBytes = 100'000; // where the first request of a tag stops sending
constexpr int CrashRunUrls = 60;
constexpr int JournaledBeforeCrash = 40; // results the journal holds; the rest only the disk
constexpr qint64 BodyBase = 1000;

QStringList filesIn(const QString &path)
{
    return QDir(path).entryList(QDir::Files | QDir::Hidden | QDir::System, QDir::Name);
}

QList<RecordedRequest> requestsFor(const LoopbackServer &server, const QByteArray &prefix)
{
    QList<RecordedRequest> found;
    for (const RecordedRequest &request : server.recordedRequests()) {
        if (request.target.startsWith(prefix))
            found.append(request);
    }
    return found;
}

// One start of the program: a model, an engine, the run journal and the window, destroyed in
// the order the program destroys them.
class Session final
{
public:
    Q_DISABLE_COPY_MOVE(Session)

    Session(const QString &journalPath, const QString &output, int workers = 4)
        : journal(journalPath)
    {
        QString error;
        const bool claimed = journal.claim(&error);
        if (!claimed)
            qWarning("cannot claim the journal: %s", qPrintable(error));
        journal.attach(&model, &engine);
        window = std::make_unique<MainWindow>(&model, &engine);
        FetchOptions options = testOptions(workers);
        options.outputDirectory = output;
        engine.setOptions(options);
        window->concurrencySpinBox()->setValue(workers);
        window->setRunJournal(&journal);
    }
    ~Session() { window.reset(); }

    void add(const QStringList &lines) const
    {
        UrlListParser parser;
        parser.addText(lines.join(QLatin1Char('\n')) + QLatin1Char('\n'));
        parser.finish();
        window->addEntries(parser.takeEntries());
    }
    bool start() const
    {
        window->action(QStringLiteral("start"))->trigger();
        return engine.isRunning();
    }
    bool runToEnd() const
    {
        QSignalSpy finished(&engine, &FetchEngine::runFinished);
        window->action(QStringLiteral("start"))->trigger();
        return finished.wait(RunTimeoutMs);
    }
    bool restoreJournal() const
    {
        auto *banner = window->findChild<QWidget *>(QStringLiteral("journalBanner"));
        auto *restore = window->findChild<QPushButton *>(QStringLiteral("restoreJournal"));
        if (!banner || banner->isHidden() || !restore)
            return false;
        QTest::mouseClick(restore, Qt::LeftButton);
        return true;
    }

    JobQueueModel model;
    FetchEngine engine { &model };
    RunJournal journal;
    std::unique_ptr<MainWindow> window;
};

} // namespace

class TestCloseRestore : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void closingMidRunAsks_data();
    void closingMidRunAsks();
    void keptPartialIsContinuedAfterTheNextStart();
    void discardingAKeptRunRemovesItsPartFiles();
    void killedRunRestoresOnlyWhatIsNotOnDisk();
    void workersAndSettingsSurviveACrash();
    void lastListSaysWhatWasSaved();

private:
    QString journalPath() const { return m_dir->filePath(QStringLiteral("journal.log")); }
    QString output() const { return m_dir->filePath(QStringLiteral("downloads")); }
    // A body of BodyBytes whose first request (per tag) stops after StallBytes and holds.
    QString stalledUrl(const QString &tag) const
    {
        return m_server
            ->url(QStringLiteral("/resumable/%1?stall=%2&tag=%3")
                      .arg(BodyBytes)
                      .arg(StallBytes)
                      .arg(tag))
            .toString();
    }
    bool waitForStalledPart(const Session &session) const;
    // Starts a run of one URL that stalls mid-body and closes the window keeping its .part.
    void closeKeepingAStalledPart(const QString &tag);

    std::unique_ptr<LoopbackServer> m_server;
    std::unique_ptr<QTemporaryDir> m_dir;
};

void TestCloseRestore::closeKeepingAStalledPart(const QString &tag)
{
    Session session(journalPath(), output());
    session.add({ stalledUrl(tag) });
    QVERIFY(session.start());
    QVERIFY(waitForStalledPart(session));
    session.window->setCloseChoice(MainWindow::CloseChoice::KeepPartialFiles);
    QVERIFY(session.window->close());
}

void TestCloseRestore::initTestCase()
{
    useTestSettings(QStringLiteral("tst_closerestore"));
    QVERIFY2(QSettings().fileName().contains(QLatin1String(".qttest")),
             qPrintable(QSettings().fileName()));
}

void TestCloseRestore::init()
{
    QSettings().clear();
    QFile::remove(SettingsStore::lastListPath());
    QVERIFY2(startLoopbackServer(m_server), qPrintable(m_server->errorString()));
    m_dir = std::make_unique<QTemporaryDir>();
    QVERIFY(m_dir->isValid());
    QVERIFY(QDir().mkpath(output()));
}

void TestCloseRestore::cleanup()
{
    m_server.reset();
    m_dir.reset();
}

bool TestCloseRestore::waitForStalledPart(const Session &session) const
{
    // The body stops at StallBytes and the connection stays open: the download is mid-way.
    const bool stalled = QTest::qWaitFor(
        [&session] {
            return session.model.rowCount() > 0
                && session.model.jobAt(0).bytesReceived == StallBytes;
        },
        RunTimeoutMs);
    const QStringList parts = filesIn(output()).filter(FileNames::PartSuffix);
    return stalled && parts.size() == 1
        && QFileInfo(QDir(output()).filePath(parts.first())).size() == StallBytes;
}

void TestCloseRestore::closingMidRunAsks_data()
{
    QTest::addColumn<QString>("answer"); // what the person does in the question
    QTest::addColumn<bool>("closed");
    QTest::addColumn<bool>("partKept");

    QTest::newRow("Return: Keep Partial Files and Quit (the default)") << "return" << true << true;
    QTest::newRow("Cancel Downloads and Quit: nothing left") << "cancel" << true << false;
    QTest::newRow("Escape: Keep Running") << "escape" << false << true;
}

void TestCloseRestore::closingMidRunAsks()
{
    QFETCH(QString, answer);
    QFETCH(bool, closed);
    QFETCH(bool, partKept);

    {
        Session session(journalPath(), output());
        session.window->show();
        QVERIFY(QTest::qWaitForWindowExposed(session.window.get()));
        session.add({ stalledUrl(QStringLiteral("ask")) });
        QVERIFY(session.start());
        QVERIFY(waitForStalledPart(session));

        // The question, as the person sees it, answered with the keyboard or the mouse.
        QString title;
        QStringList buttons;
        QString defaultButton, escapeButton;
        QTimer::singleShot(0, session.window.get(), [&] {
            auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget());
            if (!box)
                return;
            title = box->windowTitle();
            for (QAbstractButton *button : box->buttons())
                buttons.append(button->text());
            defaultButton = box->defaultButton() ? box->defaultButton()->text() : QString();
            escapeButton = box->escapeButton() ? box->escapeButton()->text() : QString();
            if (answer == QLatin1String("return"))
                QTest::keyClick(box, Qt::Key_Return);
            else if (answer == QLatin1String("escape"))
                QTest::keyClick(box, Qt::Key_Escape);
            else
                QTest::mouseClick(box->findChild<QPushButton *>(QStringLiteral("cancelDownloads")),
                                  Qt::LeftButton);
        });
        QCOMPARE(session.window->close(), closed);
        QCOMPARE(title, QStringLiteral("Quit Parafetch?"));
        buttons.sort();
        QCOMPARE(buttons,
                 QStringList({ QStringLiteral("Cancel Downloads and Quit"),
                               QStringLiteral("Keep Partial Files and Quit"),
                               QStringLiteral("Keep Running") }));
        QCOMPARE(defaultButton, QStringLiteral("Keep Partial Files and Quit"));
        QCOMPARE(escapeButton, QStringLiteral("Keep Running"));

        QCOMPARE(session.engine.isRunning(), !closed);
        QCOMPARE(session.window->isVisible(), !closed);
        const QStringList files = filesIn(output());
        if (partKept) {
            QCOMPARE(files.size(), 1);
            QVERIFY2(files.first().endsWith(FileNames::PartSuffix), qPrintable(files.first()));
            QCOMPARE(QFileInfo(QDir(output()).filePath(files.first())).size(), StallBytes);
        } else {
            QCOMPARE(files, QStringList());
        }
        if (!closed) {
            // Still running: the download goes on; a later close answered in advance ends it.
            QCOMPARE(session.model.jobAt(0).state, JobState::Running);
            session.window->setCloseChoice(MainWindow::CloseChoice::CancelDownloads);
            QVERIFY(session.window->close());
            QCOMPARE(filesIn(output()), QStringList());
        }
    }
    // What the next start is offered: the kept list to continue, or nothing at all.
    QList<JournaledJob> jobs;
    bool cleanExit = false;
    QString error;
    JournalReplayReport report;
    QVERIFY2(RunJournal::replay(journalPath(), &jobs, &cleanExit, &error, &report, true),
             qPrintable(error));
    QCOMPARE(cleanExit, !(closed && partKept));
    QCOMPARE(report.keptExit, closed && partKept);
    if (closed && partKept) {
        QCOMPARE(jobs.size(), 1);
        QVERIFY(jobs.first().partial);
        QCOMPARE(QFileInfo(jobs.first().partial->path).size(), StallBytes);
    }
}

void TestCloseRestore::keptPartialIsContinuedAfterTheNextStart()
{
    closeKeepingAStalledPart(QStringLiteral("kept"));
    if (QTest::currentTestFailed())
        return;
    // (Counted, not copied: the request log is read once the server is idle.)
    const qint64 before = m_server->requestCount();
    QCOMPARE(before, qint64(1));

    QList<JournaledJob> jobs;
    bool cleanExit = true;
    QString error;
    JournalReplayReport report;
    QVERIFY2(RunJournal::replay(journalPath(), &jobs, &cleanExit, &error, &report, true),
             qPrintable(error));
    QVERIFY(!cleanExit);
    QVERIFY(report.keptExit);

    Session next(journalPath(), output());
    next.window->offerRestore(jobs, report.keptExit);
    QVERIFY(next.restoreJournal());
    QCOMPARE(next.model.rowCount(), 1);
    QVERIFY(next.runToEnd());

    const Job &job = next.model.jobAt(0);
    QVERIFY2(job.state == JobState::Succeeded, qPrintable(job.errorString()));
    QCOMPARE(job.sha256, LoopbackServer::expectedResumableSha256(BodyBytes));
    // One request, for the rest only, and only if the body is still the same version.
    const QList<RecordedRequest> requests = requestsFor(*m_server, "/resumable/").mid(before);
    QCOMPARE(requests.size(), 1);
    QCOMPARE(requests.first().header("Range"), "bytes=" + QByteArray::number(StallBytes) + '-');
    QCOMPARE(requests.first().header("If-Range"),
             "\"resumable-" + QByteArray::number(BodyBytes) + '"');
    const QStringList files = filesIn(output());
    QCOMPARE(files.size(), 1);
    QCOMPARE(QFileInfo(job.savedPath()).fileName(), files.first());
    QCOMPARE(QFileInfo(job.savedPath()).size(), BodyBytes);
}

void TestCloseRestore::discardingAKeptRunRemovesItsPartFiles()
{
    closeKeepingAStalledPart(QStringLiteral("discard"));
    if (QTest::currentTestFailed())
        return;
    QCOMPARE(filesIn(output()).filter(FileNames::PartSuffix).size(), 1);
    QList<JournaledJob> jobs;
    bool cleanExit = true;
    QString error;
    JournalReplayReport report;
    QVERIFY2(RunJournal::replay(journalPath(), &jobs, &cleanExit, &error, &report, true),
             qPrintable(error));
    QVERIFY(report.keptExit);

    Session next(journalPath(), output());
    next.window->offerRestore(jobs, report.keptExit);
    auto *discard = next.window->findChild<QPushButton *>(QStringLiteral("discardJournal"));
    QVERIFY(discard);
    QTest::mouseClick(discard, Qt::LeftButton);
    // Declined: nothing would ever continue the kept file, so it goes with the journal.
    QCOMPARE(filesIn(output()), QStringList());
    QVERIFY(next.journal.sync());
    QVERIFY(!QFileInfo::exists(journalPath()));
}

void TestCloseRestore::killedRunRestoresOnlyWhatIsNotOnDisk()
{
    // A body with no validator: the first request stops after a few bytes and holds.
    constexpr int SlowBytes = 1000, SlowSent = 10;
    const QByteArray slowHead = "HTTP/1.1 200 OK\r\nContent-Length: "
        + QByteArray::number(SlowBytes) + "\r\nContent-Type: application/octet-stream\r\n\r\n";
    ScriptedServer slow;
    QVERIFY2(slow.listen(), qPrintable(slow.errorString()));
    slow.script(
        "/slowclose.bin",
        { ScriptedServer::send(slowHead + QByteArray(SlowSent, 's')), ScriptedServer::hold() });

    QStringList lines;
    for (int i = 0; i < CrashRunUrls; ++i)
        lines.append(m_server->url(QStringLiteral("/bytes/%1").arg(BodyBase + i)).toString());
    // Two downloads mid-way when the process dies: one the server can continue (an ETag), one
    // it cannot.
    lines.append(stalledUrl(QStringLiteral("crash")));
    lines.append(slow.url("/slowclose.bin").toString());
    {
        Session session(journalPath(), output(), 8);
        session.add(lines);
        QVERIFY(session.start());
        QTRY_VERIFY_WITH_TIMEOUT(
            session.model.count(JobState::Succeeded) == CrashRunUrls
                && session.model.jobAt(CrashRunUrls).bytesReceived == StallBytes
                && session.model.jobAt(CrashRunUrls + 1).bytesReceived == SlowSent,
            RunTimeoutMs);
        QVERIFY(session.journal.sync());
        // The crash: nothing more reaches the journal, and what the engine threads left on disk
        // stays as it is. (The journal is cut below, as if its last flush had come earlier.)
        session.journal.attach(nullptr, nullptr);
        session.engine.shutdownKeepingPartials();
    }
    const QStringList onDisk = filesIn(output());
    QCOMPARE(onDisk.size(), CrashRunUrls + 2);
    QCOMPARE(onDisk.filter(FileNames::PartSuffix).size(), 2);

    // Cut the journal after its JournaledBeforeCrash-th result: the other results are saved on
    // disk, after the last flush.
    QFile file(journalPath());
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QList<QByteArray> records = file.readAll().split('\n');
    file.close();
    QByteArray cut;
    int states = 0;
    for (const QByteArray &record : records) {
        if (record.isEmpty())
            continue;
        if (record.contains("\"k\":\"state\"") && ++states > JournaledBeforeCrash)
            break;
        cut += record + '\n';
    }
    QCOMPARE(states, JournaledBeforeCrash + 1);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    QCOMPARE(file.write(cut), cut.size());
    file.close();

    QList<JournaledJob> jobs;
    bool cleanExit = true;
    QString error;
    JournalReplayReport report;
    QVERIFY2(RunJournal::replay(journalPath(), &jobs, &cleanExit, &error, &report, true),
             qPrintable(error));
    QVERIFY(!cleanExit);
    QCOMPARE(jobs.size(), CrashRunUrls + 2);
    QCOMPARE(report.adoptedFiles, CrashRunUrls - JournaledBeforeCrash);
    QCOMPARE(report.removedParts, 1); // slowclose.bin.part: nothing can continue it
    for (int i = 0; i < CrashRunUrls; ++i)
        QCOMPARE(jobs.at(i).state, JobState::Succeeded);
    QVERIFY(jobs.at(CrashRunUrls).partial);
    QVERIFY(!jobs.at(CrashRunUrls + 1).partial);

    slow.script(
        "/slowclose.bin",
        { ScriptedServer::send(slowHead + QByteArray(SlowBytes, 's')), ScriptedServer::close() });
    const qint64 before = m_server->requestCount(); // the log is read once the server is idle
    Session next(journalPath(), output(), 8);
    next.window->offerRestore(jobs);
    QVERIFY(next.restoreJournal());
    QCOMPARE(next.model.count(JobState::Queued), 2);
    QVERIFY(next.runToEnd());
    QCOMPARE(next.model.count(JobState::Succeeded), CrashRunUrls + 2);

    // The figures: the results of the earlier run are done, with the time it measured where
    // the journal kept one (– for those adopted from the disk), but only the two fetched now
    // are timed: wall, rates and percentiles are theirs.
    // Which rows the cut journal still timed depends on the order the eight lanes finished in,
    // not on the row: the replay says (a duration, or -1 for a file adopted from the disk).
    int timed = 0;
    for (int row = 0; row < CrashRunUrls; ++row) {
        const QModelIndex time = next.model.index(row, JobQueueModel::TimeColumn);
        QVERIFY(next.model.jobAt(row).restored);
        const bool journaled = jobs.at(row).durationNs >= 0;
        QCOMPARE(next.model.data(time).isValid(), journaled);
        timed += journaled ? 1 : 0;
    }
    QCOMPARE(timed, JournaledBeforeCrash);
    const RunSummary summary = next.model.summary();
    QCOMPARE(summary.restoredDone, CrashRunUrls);
    QCOMPARE(summary.finished(), CrashRunUrls + 2);
    QVERIFY(summary.wallNs > 0);
    QCOMPARE(summary.requestsPerSecond, 2.0 / (double(summary.wallNs) / 1e9));
    auto *panel = next.window->findChild<SummaryPanel *>();
    QVERIFY(panel);
    auto *restored = panel->findChild<QLabel *>(QStringLiteral("restoredDone"));
    QVERIFY(restored);
    QTRY_COMPARE(restored->text(),
                 QStringLiteral("%1 done before the restore, not timed here").arg(CrashRunUrls));
    QVERIFY(!restored->isHidden());
    QCOMPARE(panel->summary().requestsPerSecond, summary.requestsPerSecond);

    // Exactly the two that were not on disk: the stalled one continued, the other from the start.
    const QList<RecordedRequest> requests = m_server->recordedRequests().mid(before);
    QCOMPARE(requests.size(), 1);
    QVERIFY2(requests.first().target.startsWith("/resumable/"),
             requests.first().target.constData());
    QCOMPARE(requests.first().header("Range"), "bytes=" + QByteArray::number(StallBytes) + '-');
    QVERIFY(!requests.first().header("If-Range").isEmpty());
    const QList<ScriptedServer::Request> slowRequests = slow.requestsFor("/slowclose.bin");
    QCOMPARE(slowRequests.size(), 2);
    QVERIFY(!slowRequests.last().hasHeader("Range"));
    // One file per URL under the name it was meant to have: no "(1)", no .part.
    const QStringList files = filesIn(output());
    QCOMPARE(files.size(), CrashRunUrls + 2);
    QCOMPARE(files.filter(FileNames::PartSuffix), QStringList());
    QCOMPARE(files.filter(QStringLiteral(" (")), QStringList());
    QVERIFY(files.contains(QStringLiteral("slowclose.bin")));
    QCOMPARE(QFileInfo(QDir(output()).filePath(QStringLiteral("slowclose.bin"))).size(), SlowBytes);
}

void TestCloseRestore::workersAndSettingsSurviveACrash()
{
    {
        Session session(journalPath(), output());
        session.window->concurrencySpinBox()->setValue(7);
        FetchOptions options = session.engine.options();
        options.timeoutMs = 4321;
        options.userAgent = "tst_closerestore/1";
        session.engine.setOptions(options); // as the command line sets them
        session.add({ m_server->url(QStringLiteral("/bytes/10")).toString() });
        QVERIFY(session.runToEnd());
        // The crash: the window is never closed, so nothing is written on the way out.
    }
    JobQueueModel model;
    FetchEngine engine(&model);
    MainWindow next(&model, &engine);
    QCOMPARE(next.concurrencySpinBox()->value(), 7);
    QCOMPARE(engine.concurrency(), 7);
    QCOMPARE(engine.options().timeoutMs, 4321);
    QCOMPARE(engine.options().userAgent, QByteArray("tst_closerestore/1"));
    QCOMPARE(engine.options().outputDirectory, output());
}

void TestCloseRestore::lastListSaysWhatWasSaved()
{
    QStringList lines;
    for (int i = 0; i < 3; ++i)
        lines.append(m_server->url(QStringLiteral("/bytes/%1").arg(i + 1)).toString());
    const QString failing1 = m_server->url(QStringLiteral("/status/500")).toString();
    const QString failing2 = m_server->url(QStringLiteral("/status/404")).toString();
    lines.insert(1, failing1);
    lines.append(failing2);
    {
        Session session(journalPath(), output());
        session.add(lines);
        QVERIFY(session.runToEnd());
        QCOMPARE(session.model.count(JobState::Succeeded), 3);
        QVERIFY(session.window->close()); // no run going on: no question
    }
    JobQueueModel model;
    FetchEngine engine(&model);
    MainWindow next(&model, &engine);
    next.offerLastList(SettingsStore::loadLastList());
    auto *banner = next.findChild<QWidget *>(QStringLiteral("lastListBanner"));
    QVERIFY(banner);
    QVERIFY(!banner->isHidden());
    const QString text = banner->findChild<QLabel *>(QStringLiteral("lastListText"))->text();
    QVERIFY2(text.contains(QLatin1String("3 of 5 URL(s)"))
                 && text.contains(QLatin1String("other 2")),
             qPrintable(text));
    QTest::mouseClick(next.findChild<QPushButton *>(QStringLiteral("restoreLastList")),
                      Qt::LeftButton);
    QCOMPARE(next.inputPanel()->editor()->toPlainText(), failing1 + QLatin1Char('\n') + failing2);
}

QTEST_MAIN(TestCloseRestore)
#include "tst_closerestore.moc"
