// SPDX-License-Identifier: GPL-3.0-or-later
// The main window driven as a person would: paste, add, start, watch, filter, sort, export, quit.
#include "detailpane.h"
#include "engine/fetchengine.h"
#include "formats/runfile.h"
#include "histogramview.h"
#include "inputpanel.h"
#include "jobqueuemodel.h"
#include "jobtableproxymodel.h"
#include "mainwindow.h"
#include "ratespinbox.h"
#include "redact.h"
#include "run/baselinerunner.h"
#include "run/eta.h"
#include "server/loopbackserver.h"
#include "settingsdialog.h"
#include "settingsstore.h"
#include "summarypanel.h"
#include "sweepdialog.h"
#include "testsupport.h"
#include "throughputgraph.h"
#include "urllistparser.h"
#include "waterfallview.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QClipboard>
#include <QComboBox>
#include <QContextMenuEvent>
#include <QDesktopServices>
#include <QDir>
#include <QDockWidget>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QElapsedTimer>
#include <QFile>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QListView>
#include <QMap>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QScopeGuard>
#include <QScreen>
#include <QScrollBar>
#include <QSet>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QToolBar>
#include <QTreeWidget>

#include <functional>
#include <memory>

using namespace Parafetch;
using namespace Parafetch::TestSupport;

namespace {

constexpr int HundredThousand = 100'000;
// Ticks of the window's summary timer to sit through while paused: if the engine were going to
// start another URL, it would have done so by then (it starts them on the next event).
constexpr int PausedSummaryTicks = 4;
// A response that outlives any test that does not wait for it.
constexpr int SlowDelayMs = 10'000;
constexpr QLatin1String ScreenshotPath("/tmp/parafetch-tst_mainwindow.png");

// The table's status words: part of what a person reads, so spelled out here.
QString statusText(JobState state)
{
    switch (state) {
    case JobState::Queued:
        return QStringLiteral("Queued");
    case JobState::Running:
        return QStringLiteral("Running");
    case JobState::Succeeded:
        return QStringLiteral("Done");
    case JobState::Failed:
        return QStringLiteral("Failed");
    case JobState::Cancelled:
        return QStringLiteral("Cancelled");
    case JobState::Unchanged:
        return QStringLiteral("Unchanged");
    }
    return {};
}

// Stands in for the desktop: what QDesktopServices::openUrl() was asked to open.
class OpenedUrls final : public QObject
{
    Q_OBJECT
public:
    QList<QUrl> urls;
public Q_SLOTS:
    void open(const QUrl &url) { urls.append(url); }
};

// The composition root of app/main.cpp, in the same order: the window is destroyed before the
// engine, the engine before the model.
class Harness final
{
public:
    Q_DISABLE_COPY_MOVE(Harness)

    explicit Harness(int concurrency = 4)
    {
        window = std::make_unique<MainWindow>(&model, &engine);
        // The window reads the stored settings into the engine; the tests want short backoffs
        // and no retries (a person would use the Settings dialog for the same).
        engine.setOptions(testOptions(concurrency));
        window->concurrencySpinBox()->setValue(concurrency);
        QObject::connect(&engine, &FetchEngine::jobFinished, &engine,
                         [this](const Job &job) { results.append(job); });
    }
    ~Harness() { window.reset(); }

    bool show()
    {
        window->show();
        if (!QTest::qWaitForWindowExposed(window.get()))
            return false;
        window->activateWindow();
        return QTest::qWaitForWindowActive(window.get());
    }

    QAction *action(const char *name) const { return window->action(QLatin1String(name)); }

    // Presses Start and waits for the run to end.
    bool startAndWaitForTheEnd()
    {
        QSignalSpy finished(&engine, &FetchEngine::runFinished);
        action("start")->trigger();
        return finished.wait(RunTimeoutMs);
    }
    QTableView *table() const { return window->tableView(); }
    JobTableProxyModel *proxy() const { return window->proxyModel(); }
    QPlainTextEdit *editor() const { return window->inputPanel()->editor(); }

    // Types the lines into the paste area and presses Ctrl+Return, as a person would.
    void typeAndAdd(const QStringList &lines)
    {
        editor()->setFocus();
        for (const QString &line : lines) {
            QTest::keyClicks(editor(), line);
            QTest::keyClick(editor(), Qt::Key_Return);
        }
        QTest::keyClick(editor(), Qt::Key_Return, Qt::ControlModifier);
    }

    // The latest result the engine reported for a job id.
    const Job *result(quint64 id) const
    {
        for (auto it = results.crbegin(); it != results.crend(); ++it) {
            if (it->id == id)
                return &*it;
        }
        return nullptr;
    }

    QLabel *summaryValue(const QString &accessibleName) const
    {
        const QList<QLabel *> labels = window->summaryPanel()->findChildren<QLabel *>();
        for (QLabel *label : labels) {
            if (label->accessibleName() == accessibleName)
                return label;
        }
        return nullptr;
    }

    int proxyRowOf(quint64 id) const
    {
        for (int row = 0; row < proxy()->rowCount(); ++row) {
            if (proxy()->index(row, 0).data(JobQueueModel::JobIdRole).toULongLong() == id)
                return row;
        }
        return -1;
    }

    void clickRow(int proxyRow, int column = JobQueueModel::UrlColumn) const
    {
        const QRect rect = table()->visualRect(proxy()->index(proxyRow, column));
        QTest::mouseClick(table()->viewport(), Qt::LeftButton, Qt::NoModifier, rect.center());
    }

    void clickHeader(int column) const
    {
        QHeaderView *header = table()->horizontalHeader();
        const QPoint centre(header->sectionViewportPosition(column)
                                + header->sectionSize(column) / 2,
                            header->height() / 2);
        QTest::mouseClick(header->viewport(), Qt::LeftButton, Qt::NoModifier, centre);
    }

    JobQueueModel model;
    FetchEngine engine { &model };
    std::unique_ptr<MainWindow> window;
    QList<Job> results; // every jobFinished, in order
};

QStringList urlStrings(const QList<QUrl> &urls)
{
    QStringList lines;
    for (const QUrl &url : urls)
        lines.append(url.toString());
    return lines;
}

bool hasMnemonic(const QString &text)
{
    for (qsizetype i = 0; i + 1 < text.size(); ++i) {
        if (text.at(i) == QLatin1Char('&')) {
            if (text.at(i + 1) != QLatin1Char('&'))
                return true;
            ++i; // "&&" is a literal ampersand
        }
    }
    return false;
}

QChar mnemonicOf(const QString &text)
{
    for (qsizetype i = 0; i + 1 < text.size(); ++i) {
        if (text.at(i) == QLatin1Char('&')) {
            if (text.at(i + 1) != QLatin1Char('&'))
                return text.at(i + 1).toLower();
            ++i;
        }
    }
    return {};
}

QString joined(const QList<int> &numbers)
{
    QStringList parts;
    for (int number : numbers)
        parts.append(QString::number(number));
    return parts.join(QLatin1Char(','));
}

QStringList filesIn(const QString &path)
{
    return QDir(path).entryList(QDir::Files | QDir::Hidden | QDir::System | QDir::NoDotAndDotDot);
}

// Runs the given function once the next modal dialog or popup is open, then closes it; for the
// code paths that show a QMessageBox or a QMenu with exec().
void whenModalOpens(std::function<void(QWidget *)> inspect)
{
    constexpr int PollMs = 10;
    constexpr int MaxPolls = 1000;
    auto *timer = new QTimer;
    timer->setInterval(PollMs);
    auto polls = std::make_shared<int>(0);
    QObject::connect(timer, &QTimer::timeout, timer, [timer, polls, inspect = std::move(inspect)] {
        QWidget *widget = QApplication::activeModalWidget();
        if (!widget)
            widget = QApplication::activePopupWidget();
        if (!widget) {
            if (++*polls > MaxPolls) // never opened: the test's own checks say so
                timer->deleteLater();
            return;
        }
        timer->stop();
        timer->deleteLater();
        inspect(widget);
        widget->close();
    });
    timer->start();
}

} // namespace

class TestMainWindow : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup();

    void typedUrlsRunAndTableMatchesEngine();
    void pastedUrlsAddedWithTheButton();
    void badLinesShowInlineAndGoodLinesAreAdded();
    void droppedTextAndFilesAreAdded();
    void summaryIsLiveWhileRunning();
    void throughputGraphDrawsTheRunAsItHappens();
    void summaryEstimatesTheTimeLeft();
    void addingDuringARunFetchesTheNewRows();
    void exportRoundTripsThroughTheImporter();
    void exportToAnImpossiblePathReportsAnError();
    void savedRunOpensInTheWindow_data();
    void savedRunOpensInTheWindow();
    void filterByTextAndStatus();
    void textFilterFollowsRowsAddedAndRemoved();
    void sortsOnRawValues();
    void concurrencyChangeTakesEffectDuringARun();
    void bandwidthLimitBoxCapsTheRunAtOnce();
    void pauseStartsNothingNewAndResumeCompletes();
    void cancelAllEndsEveryRow();
    void retryFailedRequeuesOnlyFailedRows();
    void clearFinishedRemovesFinishedRows();
    void detailPaneShowsSelectedRowWithSecretsMasked();
    void detailPaneSpeaksLikeTheTable();
    void rowKeysAndContextMenu();
    void measureBaselineShowsTheRealSerialTime();
    void copySummaryPutsTheClassicLinesOnTheClipboard();
    void lastListBannerRestoresTheList();
    void closingSavesTheListForNextTime();
    void settingsSurviveANewWindow();
    void closingMidRunLeavesNoPartialFile();
    void addingHundredThousandUrls();
    void renderingShowsTheWindow();
    void waterfallShowsEveryUrlAndFollowsTheTable();
    void waterfallGroupingSurvivesANewWindow();
    void waterfallZoomSurvivesANewWindow_data();
    void waterfallZoomSurvivesANewWindow();
    void summaryShowsThePerHostLimit();
    void wallTimeLeavesOutTheWaitBeforeRetryFailed();
    void emptyQueueShowsZeroOfZero();
    void progressBarAndDoneLabelPaintTogether();
    void activeWorkersNeverExceedTheWorkersSetting();
    void actionsHaveIconsShortcutsAndTooltips();
    void everythingIsReachableFromTheKeyboard();
    void clearFinishedCanBeUndone();
    void clearSucceededKeepsTheOtherRows();
    void retryFailedAndRetryCancelledAreSeparate();
    void openSavedRunAsksBeforeDroppingUnexportedResults();
    void filterByStatus_data();
    void filterByStatus();
    void baselineCanBeStopped_data();
    void baselineCanBeStopped();
    void baselineSaysHowLongItWillTake();
    void cancelAllStopsTheSweep();
    void firstWindowFitsTheScreen();
    void restoredGeometryLargerThanTheScreenIsClamped();
    void smallScreenShowsTheErrorColumnAndDetails_data();
    void smallScreenShowsTheErrorColumnAndDetails();
    void oldSavedLayoutDoesNotOverrideTheNewOne();
    void summaryWidthDoesNotFollowTheFigures();
    void problemsShowOnlyWhenThereAreSome();
    void tabAndShiftTabLeaveTheTable();
    void ctrlCommaOpensSettings();
    void addToQueueIsInAMenuWithItsKey();
    void shortcutsListShowsEveryKey();
    void openInBrowserFailureIsShownInTheWindow();
    void openFileAndItsFolder();
    void onCompleteRunsForEachFinishedUrl();
    void onCompleteFromSettingsRunsAndTheCommandLineWins();
    void checksumsFileFromSettingsFailsAMismatch();
    void pacingIsSaidInTheSummary();
    void verdictNamesTheStragglerWhenTheRunEnds();
    void latencyHistogramFollowsTheRun();
    void rowActionsWithNothingSelectedSaySo();
    void mnemonicsAreUnique();
    void fetchAgainIfChangedAsksWithTheTablesOwnValidators();
    void settingsThatCannotBeSavedSaySo();
    void statusLineSaysWhatToDoNextAndKeepsTheClassicLines();

private:
    // count URLs the server answers after delayMs, with bodies of 1, 2, … bytes.
    QStringList delayedUrls(int count, int delayMs) const
    {
        QStringList urls;
        for (int i = 0; i < count; ++i)
            urls.append(m_server->url(QStringLiteral("/delay/%1/bytes/%2").arg(delayMs).arg(i + 1))
                            .toString());
        return urls;
    }

    std::unique_ptr<LoopbackServer> m_server;
};

void TestMainWindow::initTestCase()
{
    useTestSettings(QStringLiteral("tst_mainwindow"));
    // Everything the window persists must go to the test locations, never the user's.
    const QString settingsFile = QSettings().fileName();
    QVERIFY2(settingsFile.contains(QLatin1String(".qttest")), qPrintable(settingsFile));
    QVERIFY2(SettingsStore::lastListPath().contains(QLatin1String(".qttest")),
             qPrintable(SettingsStore::lastListPath()));
}

void TestMainWindow::init()
{
    QSettings settings;
    settings.clear();
    settings.sync();
    QFile::remove(SettingsStore::lastListPath());
    QApplication::clipboard()->clear();
    // A fresh server per test: its counters start at zero.
    QVERIFY2(startLoopbackServer(m_server, 4), qPrintable(m_server->errorString()));
}

void TestMainWindow::cleanup()
{
    QCOMPARE(QApplication::activeModalWidget(), nullptr);
    m_server.reset();
    QSettings().clear();
    QFile::remove(SettingsStore::lastListPath());
}

// Checks every visible row of the table against the job the engine reported, and the summary
// panel against RunSummary::compute of the model.
static void compareTableAndSummary(const Harness &h)
{
    QCOMPARE(h.proxy()->rowCount(), h.model.rowCount());
    for (int row = 0; row < h.proxy()->rowCount(); ++row) {
        const quint64 id = h.proxy()->index(row, 0).data(JobQueueModel::JobIdRole).toULongLong();
        const Job *job = h.result(id);
        QVERIFY2(job, qPrintable(QStringLiteral("row %1 has no result").arg(row)));
        const auto cell = [&](int column) { return h.proxy()->index(row, column).data(); };
        QCOMPARE(cell(JobQueueModel::UrlColumn).toString(), redactedUrl(job->url));
        QCOMPARE(cell(JobQueueModel::StatusColumn).toString(), statusText(job->state));
        QVERIFY(!h.proxy()
                     ->index(row, JobQueueModel::StatusColumn)
                     .data(Qt::DecorationRole)
                     .value<QIcon>()
                     .isNull());
        if (job->httpStatus > 0)
            QCOMPARE(cell(JobQueueModel::HttpCodeColumn).toInt(), job->httpStatus);
        else
            QVERIFY(cell(JobQueueModel::HttpCodeColumn).toString().isEmpty());
        QCOMPARE(cell(JobQueueModel::SizeColumn).toString(), formatBytes(job->bytesReceived));
        QCOMPARE(cell(JobQueueModel::TimeColumn).toString(), formatSeconds(job->durationNs()));
        QCOMPARE(cell(JobQueueModel::ErrorColumn).toString(), job->errorString());
        QCOMPARE(cell(JobQueueModel::ProgressColumn).toString(),
                 job->state == JobState::Succeeded ? QStringLiteral("100%") : QString());
    }

    const RunSummary expected = RunSummary::compute(h.model.jobs());
    const RunSummary &shown = h.window->summaryPanel()->summary();
    QCOMPARE(shown.total, expected.total);
    QCOMPARE(shown.succeeded, expected.succeeded);
    QCOMPARE(shown.failed, expected.failed);
    QCOMPARE(shown.cancelled, expected.cancelled);
    QCOMPARE(shown.bytes, expected.bytes);
    QCOMPARE(shown.wallNs, expected.wallNs);
    QCOMPARE(shown.serialNs, expected.serialNs);

    QLabel *done = h.summaryValue(QStringLiteral("Done"));
    QVERIFY(done);
    QCOMPARE(done->text(),
             QStringLiteral("%1 of %2 (%3 succeeded, %4 failed, %5 cancelled)")
                 .arg(expected.finished())
                 .arg(expected.total)
                 .arg(expected.succeeded)
                 .arg(expected.failed)
                 .arg(expected.cancelled));
    QCOMPARE(h.summaryValue(QStringLiteral("Received"))->text(), formatBytes(expected.bytes));
    QCOMPARE(h.summaryValue(QStringLiteral("Wall time"))->text(), formatSeconds(expected.wallNs));
    QCOMPARE(h.summaryValue(QStringLiteral("Serial estimate"))->text(),
             formatSeconds(expected.serialNs));
    QCOMPARE(h.summaryValue(QStringLiteral("Active workers"))->text(), QStringLiteral("0"));
    const QString speedup = h.summaryValue(QStringLiteral("Speedup"))->text();
    QVERIFY2(expected.wallNs > 0, "the run took no time at all");
    QCOMPARE(speedup,
             QStringLiteral("%1×").arg(
                 QLocale().toString(double(expected.serialNs) / double(expected.wallNs), 'f', 2)));

    auto *progress = h.window->summaryPanel()->findChild<QProgressBar *>();
    QVERIFY(progress);
    QCOMPARE(progress->value(), expected.finished());
    QCOMPARE(progress->maximum(), std::max(expected.total, 1));

    // The classic lines, as the headless command prints them, once the run has ended.
    QLabel *classic = h.summaryValue(QStringLiteral("Classic summary lines"));
    QVERIFY(classic);
    QVERIFY(classic->isVisible());
    const auto seconds = [](qint64 ns) { return QString::number(double(ns) / 1e9, 'f', 3); };
    QCOMPARE(classic->text(),
             QStringLiteral("main takes time=%1s\nserial exec time would be time=%2s")
                 .arg(seconds(expected.wallNs), seconds(expected.serialNs)));
    QVERIFY2(h.window->statusBar()->currentMessage().contains(QLatin1String("main takes time=")),
             qPrintable(h.window->statusBar()->currentMessage()));
}

void TestMainWindow::typedUrlsRunAndTableMatchesEngine()
{
    Harness h;
    QVERIFY(h.show());
    const QList<QUrl> urls = {
        m_server->url(QStringLiteral("/bytes/1000")),
        m_server->url(QStringLiteral("/bytes/0")),
        m_server->url(QStringLiteral("/delay/50/bytes/2048")),
        m_server->url(QStringLiteral("/redirect/2")),
        m_server->url(QStringLiteral("/status/404")),
        m_server->url(QStringLiteral("/status/500")),
        refusedUrl(),
    };
    QVERIFY(!h.action("start")->isEnabled()); // nothing queued yet
    h.typeAndAdd(urlStrings(urls));
    QCOMPARE(h.model.rowCount(), int(urls.size()));
    QCOMPARE(h.proxy()->rowCount(), int(urls.size()));
    QVERIFY2(h.editor()->toPlainText().isEmpty(), qPrintable(h.editor()->toPlainText()));
    QVERIFY(h.window->inputPanel()->problemLines().isEmpty());
    for (int row = 0; row < urls.size(); ++row) {
        QCOMPARE(h.model.jobAt(row).url, urls.at(row));
        QCOMPARE(h.model.jobAt(row).sourceLine, row + 1);
        QCOMPARE(h.proxy()->index(row, JobQueueModel::StatusColumn).data().toString(),
                 statusText(JobState::Queued));
    }
    QVERIFY(h.action("start")->isEnabled());
    QVERIFY(!h.action("pause")->isEnabled());

    QSignalSpy finished(&h.engine, &FetchEngine::runFinished);
    QSignalSpy refreshed(h.window.get(), &MainWindow::summaryRefreshed);
    QTest::keyClick(h.window.get(), Qt::Key_F5); // Start's shortcut
    QVERIFY(h.engine.isRunning());
    QVERIFY(!h.action("start")->isEnabled());
    QVERIFY(finished.wait(RunTimeoutMs));
    QVERIFY(refreshed.count() > 0);
    QCOMPARE(h.results.size(), urls.size());

    // What the engine reported, row by row.
    const auto stateOf = [&](int row) { return h.result(h.model.jobAt(row).id)->state; };
    QCOMPARE(stateOf(0), JobState::Succeeded);
    QCOMPARE(h.result(h.model.jobAt(0).id)->bytesReceived, qint64(1000));
    QCOMPARE(stateOf(1), JobState::Succeeded);
    QCOMPARE(stateOf(2), JobState::Succeeded);
    QCOMPARE(h.result(h.model.jobAt(2).id)->bytesReceived, qint64(2048));
    QCOMPARE(stateOf(3), JobState::Succeeded);
    QCOMPARE(stateOf(4), JobState::Failed);
    QCOMPARE(h.result(h.model.jobAt(4).id)->httpStatus, 404);
    QCOMPARE(stateOf(5), JobState::Failed);
    QCOMPARE(h.result(h.model.jobAt(5).id)->httpStatus, 500);
    QCOMPARE(stateOf(6), JobState::Failed);
    QCOMPARE(h.result(h.model.jobAt(6).id)->errorKind, ErrorKind::ConnectionRefused);

    compareTableAndSummary(h);
    if (QTest::currentTestFailed())
        return;
    QVERIFY(!h.action("start")->isEnabled()); // nothing left to start
    QVERIFY(h.action("retryFailed")->isEnabled());
    QVERIFY(h.action("clearFinished")->isEnabled());
    QVERIFY(h.action("export")->isEnabled());
}

void TestMainWindow::pastedUrlsAddedWithTheButton()
{
    Harness h;
    QVERIFY(h.show());
    const QStringList lines = {
        m_server->url(QStringLiteral("/bytes/10")).toString(),
        QStringLiteral("See ") + m_server->url(QStringLiteral("/bytes/20")).toString()
            + QStringLiteral(" and ") + m_server->url(QStringLiteral("/bytes/30")).toString()
            + QLatin1Char('.'),
        QStringLiteral("# a comment"),
        QString(),
        m_server->url(QStringLiteral("/bytes/40")).toString() + QStringLiteral(",forty.bin"),
    };
    QApplication::clipboard()->setText(lines.join(QLatin1Char('\n')));
    h.editor()->setFocus();
    QTest::keySequence(h.editor(), QKeySequence::Paste);
    QCOMPARE(h.editor()->toPlainText(), lines.join(QLatin1Char('\n')));

    auto *add = h.window->inputPanel()->findChild<QPushButton *>();
    QVERIFY(add);
    QCOMPARE(add->text(), QStringLiteral("&Add to Queue"));
    QTest::mouseClick(add, Qt::LeftButton);
    QCOMPARE(h.model.rowCount(), 4);
    QCOMPARE(h.model.jobAt(1).sourceLine, 2);
    QCOMPARE(h.model.jobAt(2).sourceLine, 2);
    QCOMPARE(h.model.jobAt(3).fileName(), QStringLiteral("forty.bin"));
    QVERIFY(h.window->inputPanel()->problemLines().isEmpty());

    QVERIFY(h.startAndWaitForTheEnd());
    QCOMPARE(h.model.count(JobState::Succeeded), 4);
    QCOMPARE(m_server->requestCount(), qint64(4));
    compareTableAndSummary(h);
}

void TestMainWindow::badLinesShowInlineAndGoodLinesAreAdded()
{
    Harness h;
    QVERIFY(h.show());
    const QString good1 = m_server->url(QStringLiteral("/bytes/1")).toString();
    const QString good2 = m_server->url(QStringLiteral("/bytes/2")).toString();
    h.typeAndAdd({ good1, QStringLiteral("ftp://files.example/a"), QStringLiteral("hello world"),
                   good2, good1, QStringLiteral("http://a.example:99999/") });

    // No dialog: the problems are listed beside the paste area, with their line numbers.
    QCOMPARE(QApplication::activeModalWidget(), nullptr);
    const QStringList problems = h.window->inputPanel()->problemLines();
    QCOMPARE(problems.size(), 4);
    QVERIFY2(problems.at(0).startsWith(QLatin1String("line 2: "))
                 && problems.at(0).contains(QLatin1String("'ftp'")),
             qPrintable(problems.at(0)));
    QVERIFY2(problems.at(1).startsWith(QLatin1String("line 3: "))
                 && problems.at(1).contains(QLatin1String("no URL found")),
             qPrintable(problems.at(1)));
    QVERIFY2(problems.at(2).startsWith(QLatin1String("line 5: "))
                 && problems.at(2).contains(QLatin1String("duplicate of line 1")),
             qPrintable(problems.at(2)));
    QVERIFY2(problems.at(3).startsWith(QLatin1String("line 6: "))
                 && problems.at(3).contains(QLatin1String("port")),
             qPrintable(problems.at(3)));
    auto *list = h.window->inputPanel()->findChild<QListView *>();
    QVERIFY(list);
    QVERIFY(list->isVisible());
    QCOMPARE(list->model()->rowCount(), 4);
    QCOMPARE(list->model()->index(0, 0).data().toString(), problems.at(0));
    QVERIFY2(h.window->statusBar()->currentMessage().contains(QLatin1String("4 line(s) skipped")),
             qPrintable(h.window->statusBar()->currentMessage()));

    QCOMPARE(h.model.rowCount(), 2);
    QCOMPARE(h.model.jobAt(0).url.toString(), good1);
    QCOMPARE(h.model.jobAt(0).sourceLine, 1);
    QCOMPARE(h.model.jobAt(1).url.toString(), good2);
    QCOMPARE(h.model.jobAt(1).sourceLine, 4);

    // A clean paste afterwards clears the list.
    h.typeAndAdd({ m_server->url(QStringLiteral("/bytes/3")).toString() });
    QVERIFY(h.window->inputPanel()->problemLines().isEmpty());
    QCOMPARE(h.model.rowCount(), 3);
}

void TestMainWindow::droppedTextAndFilesAreAdded()
{
    Harness h;
    QVERIFY(h.show());

    // Text dropped on the window lands in the paste area, to be checked before Add.
    QMimeData text;
    text.setText(m_server->url(QStringLiteral("/bytes/5")).toString());
    QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &text, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(h.window.get(), &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &text, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(h.window.get(), &drop);
    QCOMPARE(h.editor()->toPlainText(), text.text());
    QCOMPARE(h.model.rowCount(), 0);

    // A dropped list file is imported at once; its problems name the file.
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString csvPath = dir.filePath(QStringLiteral("list.csv"));
    {
        QFile file(csvPath);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write(QStringLiteral("url,filename\n%1,six.bin\nnot a url at all,x\n%2,seven.bin\n")
                       .arg(m_server->url(QStringLiteral("/bytes/6")).toString(),
                            m_server->url(QStringLiteral("/bytes/7")).toString())
                       .toUtf8());
    }
    QMimeData files;
    files.setUrls({ QUrl::fromLocalFile(csvPath) });
    QDragEnterEvent fileEnter(QPoint(10, 10), Qt::CopyAction, &files, Qt::LeftButton,
                              Qt::NoModifier);
    QApplication::sendEvent(h.window.get(), &fileEnter);
    QVERIFY(fileEnter.isAccepted());
    QDropEvent fileDrop(QPointF(10, 10), Qt::CopyAction, &files, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(h.window.get(), &fileDrop);
    QCOMPARE(h.model.rowCount(), 2);
    QCOMPARE(h.model.jobAt(0).fileName(), QStringLiteral("six.bin"));
    QCOMPARE(h.model.jobAt(1).fileName(), QStringLiteral("seven.bin"));
    const QStringList problems = h.window->inputPanel()->problemLines();
    QCOMPARE(problems.size(), 1);
    QVERIFY2(problems.at(0).startsWith(QLatin1String("list.csv: line 3: ")),
             qPrintable(problems.at(0)));
    // The dropped text is still waiting in the paste area.
    QCOMPARE(h.editor()->toPlainText(), text.text());

    // File → Import of a file that is not there says so (one message), and adds nothing.
    QString message;
    whenModalOpens([&message](QWidget *widget) {
        if (auto *box = qobject_cast<QMessageBox *>(widget))
            message = box->text();
    });
    QVERIFY(!h.window->importFile(dir.filePath(QStringLiteral("missing.txt"))));
    QVERIFY2(message.contains(QLatin1String("missing.txt")), qPrintable(message));
    QCOMPARE(h.model.rowCount(), 2);
}

void TestMainWindow::summaryIsLiveWhileRunning()
{
    Harness h(3);
    QVERIFY(h.show());
    QList<QUrl> urls;
    for (int i = 0; i < 6; ++i)
        urls.append(
            m_server->url(QStringLiteral("/delay/%1/bytes/%2").arg(SlowDelayMs).arg(i + 1)));
    h.typeAndAdd(urlStrings(urls));
    QSignalSpy refreshed(h.window.get(), &MainWindow::summaryRefreshed);
    QSignalSpy finished(&h.engine, &FetchEngine::runFinished);
    h.action("start")->trigger();
    QTRY_COMPARE(m_server->inFlight(), 3);
    // The panel follows on its own timer: three workers busy, none done, no classic lines yet.
    QTRY_COMPARE(h.summaryValue(QStringLiteral("Active workers"))->text(), QStringLiteral("3"));
    QTRY_COMPARE(h.proxy()->index(0, JobQueueModel::StatusColumn).data().toString(),
                 statusText(JobState::Running));
    QCOMPARE(h.summaryValue(QStringLiteral("Done"))->text(),
             QStringLiteral("0 of 6 (0 succeeded, 0 failed, 0 cancelled)"));
    QVERIFY(!h.summaryValue(QStringLiteral("Classic summary lines"))->isVisible());
    // Nothing has finished and no size is known yet: no figure, rather than a guess.
    QCOMPARE(h.summaryValue(QStringLiteral("Time left"))->text(), QStringLiteral("–"));
    const int before = refreshed.count();
    QTRY_VERIFY(refreshed.count() >= before + 2);
    h.action("cancelAll")->trigger();
    QVERIFY(finished.count() > 0 || finished.wait(RunTimeoutMs));
    QCOMPARE(h.model.count(JobState::Cancelled), 6);
}

// The graph under the summary gets its points while the run goes on (from the summary's own
// 4 Hz refresh), their bytes add up to the summary's at the end, and it paints them.
void TestMainWindow::throughputGraphDrawsTheRunAsItHappens()
{
    Harness h(3);
    QVERIFY(h.show());
    auto *graph = h.window->findChild<ThroughputGraph *>(QStringLiteral("throughputGraph"));
    QVERIFY(graph);
    // Shown by default from 900 pixels of screen height up, and from the View menu below.
    auto *dock = h.window->findChild<QDockWidget *>(QStringLiteral("throughputDock"));
    QVERIFY(dock);
    QCOMPARE(dock->isVisible(), h.window->screen()->availableGeometry().height() >= 900);
    if (!dock->isVisible())
        dock->toggleViewAction()->trigger();
    QVERIFY(graph->isVisible());
    QVERIFY(!graph->accessibleName().isEmpty());
    const QImage empty = graph->grab().toImage();
    QStringList urls;
    for (int i = 0; i < 6; ++i)
        urls << m_server->url(QStringLiteral("/drip/%1/40").arg(20 + i)).toString();
    h.typeAndAdd(urls);
    QSignalSpy finished(&h.engine, &FetchEngine::runFinished);
    h.action("start")->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(graph->timeline()->points().size() >= 2, RunTimeoutMs);
    QCOMPARE(finished.count(), 0); // drawn as it happens, not at the end
    QVERIFY(graph->toolTip().contains(QStringLiteral("in flight")));
    QVERIFY(finished.wait(RunTimeoutMs));

    const RunSummary summary = h.model.summary();
    qint64 bytes = 0;
    for (const TimelinePoint &point : graph->timeline()->points())
        bytes += point.bytes;
    QCOMPARE(bytes, summary.bytes);
    QCOMPARE(graph->timeline()->points().last().activeWorkers, 0);

    // Painted: the area in the Highlight colour, where the empty graph had none.
    const QImage image = graph->grab().toImage();
    QCOMPARE(image.size(), empty.size());
    const QColor highlight = graph->palette().color(QPalette::Highlight);
    const auto areaPixels = [&highlight](const QImage &picture) {
        int count = 0;
        for (int y = 0; y < picture.height(); ++y) {
            for (int x = 0; x < picture.width(); ++x) {
                const QColor pixel = picture.pixelColor(x, y);
                // The area is Highlight over Base: its hue, whatever the blend.
                if (pixel.hue() >= 0 && std::abs(pixel.hue() - highlight.hue()) <= 10
                    && pixel.saturation() > 40)
                    ++count;
            }
        }
        return count;
    };
    QCOMPARE(areaPixels(empty), 0);
    QVERIFY2(areaPixels(image) > image.width() * image.height() / 20,
             qPrintable(QString::number(areaPixels(image))));
}

void TestMainWindow::summaryEstimatesTheTimeLeft()
{
    // One worker, 300 ms per URL: once a few URLs have finished, the panel shows the estimate
    // (its arithmetic is tst_eta's), and a dash again when the run is over.
    Harness h(1);
    QVERIFY(h.show());
    h.typeAndAdd(delayedUrls(12, 300));
    QSignalSpy finished(&h.engine, &FetchEngine::runFinished);
    QLabel *left = h.summaryValue(QStringLiteral("Time left"));
    QVERIFY(left);
    QCOMPARE(left->text(), QStringLiteral("–"));
    h.action("start")->trigger();
    const QRegularExpression estimate(QStringLiteral("^about [1-9]\\d* (s|min)$"));
    QTRY_VERIFY_WITH_TIMEOUT(estimate.match(left->text()).hasMatch(), RunTimeoutMs);
    QVERIFY(finished.wait(RunTimeoutMs));
    QCOMPARE(left->text(), QStringLiteral("–"));
    QCOMPARE(h.model.count(JobState::Succeeded), 12);
}

void TestMainWindow::addingDuringARunFetchesTheNewRows()
{
    Harness h(2);
    QVERIFY(h.show());
    QList<QUrl> first;
    for (int i = 0; i < 4; ++i)
        first.append(m_server->url(QStringLiteral("/delay/200/bytes/%1").arg(i + 1)));
    h.typeAndAdd(urlStrings(first));
    QSignalSpy finished(&h.engine, &FetchEngine::runFinished);
    h.action("start")->trigger();
    QTRY_COMPARE(m_server->inFlight(), 2);
    h.typeAndAdd({ m_server->url(QStringLiteral("/bytes/50")).toString(),
                   m_server->url(QStringLiteral("/bytes/60")).toString() });
    QCOMPARE(h.model.rowCount(), 6);
    QVERIFY(finished.wait(RunTimeoutMs));
    QCOMPARE(finished.count(), 1);
    QCOMPARE(h.model.count(JobState::Succeeded), 6);
    QCOMPARE(m_server->requestCount(), qint64(6));
    compareTableAndSummary(h);
}

void TestMainWindow::exportRoundTripsThroughTheImporter()
{
    Harness h;
    QVERIFY(h.show());
    QUrl secret = m_server->url(QStringLiteral("/bytes/777"));
    secret.setUserName(QStringLiteral("alice"));
    secret.setPassword(QStringLiteral("s3cretPassw0rd"));
    h.typeAndAdd(
        { secret.toString(), m_server->url(QStringLiteral("/status/404")).toString(),
          m_server->url(QStringLiteral("/bytes/123")).toString() + QStringLiteral(",named.bin") });
    QCOMPARE(h.model.rowCount(), 3);
    QVERIFY(h.startAndWaitForTheEnd());
    QCOMPARE(h.model.count(JobState::Succeeded), 2);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    for (const QString &name : { QStringLiteral("results.json"), QStringLiteral("results.csv") }) {
        const QString path = dir.filePath(name);
        QString error;
        QVERIFY2(h.window->exportTo(path, &error), qPrintable(error));
        QFile file(path);
        QVERIFY(file.open(QIODevice::ReadOnly));
        const QByteArray content = file.readAll();
        QVERIFY2(!content.contains("s3cretPassw0rd") && !content.contains("alice"),
                 qPrintable(name));

        ImportedRun run;
        QVERIFY2(RunFile::read(path, &run, &error), qPrintable(error));
        QCOMPARE(run.jobs.size(), 3);
        for (int row = 0; row < 3; ++row) {
            const Job &job = h.model.jobAt(row);
            const Job &back = run.jobs.at(row);
            QCOMPARE(back.url.toString(QUrl::FullyEncoded), redactedUrl(job.url));
            QCOMPARE(back.state, job.state);
            QCOMPARE(back.errorKind, job.errorKind);
            QCOMPARE(back.httpStatus, job.httpStatus);
            QCOMPARE(back.attempts, job.attempts);
            QCOMPARE(back.bytesReceived, job.bytesReceived);
            QCOMPARE(back.sha256, job.sha256);
            QCOMPARE(back.fileName(), job.fileName());
            QCOMPARE(back.sourceLine, job.sourceLine);
            QCOMPARE(back.errorString(), job.errorString());
        }
        QCOMPARE(run.jobs.at(0).sha256, LoopbackServer::expectedSha256(777));
        QCOMPARE(run.jobs.at(2).fileName(), QStringLiteral("named.bin"));
        const RunSummary shown = h.window->summaryPanel()->summary();
        QCOMPARE(run.summary.succeeded, shown.succeeded);
        QCOMPARE(run.summary.failed, shown.failed);
        QCOMPARE(run.summary.bytes, shown.bytes);
        if (name.endsWith(QLatin1String(".json"))) {
            QCOMPARE(run.info.concurrency, h.window->concurrencySpinBox()->value());
            QCOMPARE(run.info.method, QByteArrayLiteral("GET"));
            QVERIFY(run.info.startedAt.isValid());
        }
    }
}

void TestMainWindow::savedRunOpensInTheWindow_data()
{
    QTest::addColumn<QString>("name");
    QTest::newRow("HAR") << QStringLiteral("run.har");
    QTest::newRow("JSON") << QStringLiteral("run.json");
}

void TestMainWindow::savedRunOpensInTheWindow()
{
    QFETCH(QString, name);
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(name);
    QList<Job> ran;
    {
        Harness h;
        QVERIFY(h.show());
        h.typeAndAdd({ m_server->url(QStringLiteral("/delay/50/bytes/300")).toString(),
                       m_server->url(QStringLiteral("/status/404")).toString(),
                       m_server->url(QStringLiteral("/bytes/123")).toString() });
        QSignalSpy finished(&h.engine, &FetchEngine::runFinished);
        h.action("start")->trigger();
        QVERIFY(finished.wait(RunTimeoutMs));
        QString error;
        QVERIFY2(h.window->exportTo(path, &error), qPrintable(error));
        ran = h.model.jobs();
    }

    // Another window shows it: the rows with their results and times, and the summary.
    Harness h;
    QVERIFY(h.show());
    h.typeAndAdd({ m_server->url(QStringLiteral("/bytes/1")).toString() }); // replaced
    QVERIFY(h.window->openRun(path));
    QCOMPARE(h.model.rowCount(), 3);
    for (int row = 0; row < 3; ++row) {
        const Job &shown = h.model.jobAt(row);
        QCOMPARE(shown.state, ran.at(row).state);
        QCOMPARE(shown.httpStatus, ran.at(row).httpStatus);
        QCOMPARE(shown.bytesReceived, ran.at(row).bytesReceived);
        // Times survive to the millisecond (exports keep milliseconds).
        QVERIFY2(std::abs(shown.durationNs() - ran.at(row).durationNs()) <= 1'000'000,
                 qPrintable(QString::number(shown.durationNs() - ran.at(row).durationNs())));
    }
    QTRY_COMPARE(h.window->summaryPanel()->summary().succeeded, 2);
    QCOMPARE(h.window->summaryPanel()->summary().failed, 1);
    // Nothing was fetched again.
    QCOMPARE(h.model.count(JobState::Queued), 0);
    // The throughput graph draws the run as the file recorded it (HAR records none).
    ImportedRun saved;
    QString error;
    QVERIFY2(RunFile::read(path, &saved, &error), qPrintable(error));
    QCOMPARE(saved.info.timeline.isEmpty(), name.endsWith(QLatin1String(".har")));
    auto *graph = h.window->findChild<ThroughputGraph *>(QStringLiteral("throughputGraph"));
    QVERIFY(graph);
    QVERIFY(graph->timeline()->points() == saved.info.timeline);
}

void TestMainWindow::exportToAnImpossiblePathReportsAnError()
{
    Harness h;
    QVERIFY(!h.action("export")->isEnabled()); // nothing to export yet
    h.window->addEntries(entriesFor({ m_server->url(QStringLiteral("/bytes/1")) }));
    QVERIFY(h.action("export")->isEnabled());

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QVERIFY(QDir(dir.path()).mkdir(QStringLiteral("taken.json")));
    const QStringList impossible = {
        dir.filePath(QStringLiteral("no/such/folder/out.json")),
        dir.filePath(QStringLiteral("taken.json")), // a folder is in the way
        QStringLiteral("/proc/parafetch-out.csv"),
    };
    for (const QString &path : impossible) {
        QString error;
        QVERIFY2(!h.window->exportTo(path, &error), qPrintable(path));
        QVERIFY2(!error.isEmpty(), qPrintable(path));
        QVERIFY2(error.contains(QFileInfo(path).fileName()), qPrintable(error));
    }
    QString error;
    QVERIFY(!h.window->exportTo(dir.filePath(QStringLiteral("out.txt")), &error));
    QVERIFY2(error.contains(QLatin1String(".json")), qPrintable(error));
    QCOMPARE(filesIn(dir.path()), QStringList());
    QVERIFY(!QFileInfo::exists(dir.filePath(QStringLiteral("no"))));
}

void TestMainWindow::filterByTextAndStatus()
{
    Harness h;
    QVERIFY(h.show());
    h.typeAndAdd({ m_server->url(QStringLiteral("/bytes/1")).toString(),
                   m_server->url(QStringLiteral("/bytes/2")).toString(),
                   m_server->url(QStringLiteral("/bytes/3")).toString(),
                   m_server->url(QStringLiteral("/status/404")).toString(),
                   m_server->url(QStringLiteral("/status/410")).toString() });
    QVERIFY(h.startAndWaitForTheEnd());
    // Three more, not started: two stay queued, one is cancelled from the table.
    h.typeAndAdd({ m_server->url(QStringLiteral("/bytes/7")).toString(),
                   m_server->url(QStringLiteral("/bytes/8")).toString(),
                   m_server->url(QStringLiteral("/bytes/9")).toString() });
    QCOMPARE(h.model.rowCount(), 8);
    h.table()->setFocus();
    h.clickRow(7);
    QTRY_VERIFY(h.table()->hasFocus());
    QTest::keyClick(h.table(), Qt::Key_Escape); // Cancel the selected row
    QCOMPARE(h.model.jobAt(7).state, JobState::Cancelled);
    QCOMPARE(h.model.count(JobState::Succeeded), 3);
    QCOMPARE(h.model.count(JobState::Failed), 2);
    QCOMPARE(h.model.count(JobState::Queued), 2);

    using Filter = JobTableProxyModel::StatusFilter;
    struct Case
    {
        const char *name;
        QString text;
        Filter status;
        QList<int> sourceRows; // expected, in order
    };
    const QList<Case> cases = {
        { "everything", {}, Filter::All, { 0, 1, 2, 3, 4, 5, 6, 7 } },
        { "active: queued and running rows", {}, Filter::Active, { 5, 6 } },
        { "done: succeeded rows only", {}, Filter::Done, { 0, 1, 2 } },
        { "failed: failed rows only, not cancelled ones", {}, Filter::Failed, { 3, 4 } },
        { "cancelled: cancelled rows only", {}, Filter::Cancelled, { 7 } },
        { "text matches the URL", QStringLiteral("/bytes/"), Filter::All, { 0, 1, 2, 5, 6, 7 } },
        { "text is case-insensitive", QStringLiteral("STATUS/4"), Filter::All, { 3, 4 } },
        // "/404", not "404": the server's ephemeral port may contain those digits.
        { "text and status together", QStringLiteral("/404"), Filter::Failed, { 3 } },
        { "text matches the error", QStringLiteral("before it started"), Filter::All, { 7 } },
        { "no match", QStringLiteral("nothing like this"), Filter::All, {} },
        { "done and a failed URL: nothing", QStringLiteral("status"), Filter::Done, {} },
    };
    for (const Case &c : cases) {
        // As a person would: type into the filter field, pick from the combo box.
        h.window->filterEdit()->clear();
        if (!c.text.isEmpty()) {
            h.window->filterEdit()->setFocus();
            QTest::keyClicks(h.window->filterEdit(), c.text);
        }
        QComboBox *box = h.window->statusFilterBox();
        const int index = box->findData(int(c.status));
        QVERIFY2(index >= 0, c.name);
        box->setCurrentIndex(index);
        QCOMPARE(h.proxy()->textFilter(), c.text);
        QCOMPARE(h.proxy()->statusFilter(), c.status);
        QList<int> shown;
        for (int row = 0; row < h.proxy()->rowCount(); ++row)
            shown.append(h.proxy()->mapToSource(h.proxy()->index(row, 0)).row());
        QVERIFY2(
            shown == c.sourceRows,
            qPrintable(
                QStringLiteral("%1: shown rows %2").arg(QLatin1String(c.name)).arg(joined(shown))));
    }
    // The combo box offers exactly the seven filters.
    QCOMPARE(h.window->statusFilterBox()->count(), 7);
}

void TestMainWindow::textFilterFollowsRowsAddedAndRemoved()
{
    // The filter remembers which URLs match its text (so that a run can be filtered again and
    // again): rows that come and go must not shift those answers onto other rows.
    Harness h;
    const auto url = [](const char *kind, int n) {
        return QUrl(QStringLiteral("http://example.test/%1/%2").arg(QLatin1String(kind)).arg(n));
    };
    const auto shown = [&h] {
        QStringList paths;
        for (int row = 0; row < h.proxy()->rowCount(); ++row)
            paths.append(h.proxy()
                             ->index(row, JobQueueModel::UrlColumn)
                             .data()
                             .toString()
                             .section(u'/', -2));
        return paths.join(u' ');
    };
    QList<QUrl> urls;
    for (int i = 0; i < 6; ++i)
        urls.append(url(i % 2 ? "odd" : "even", i));
    h.window->addEntries(TestSupport::entriesFor(urls));
    h.window->filterEdit()->setText(QStringLiteral("/ODD/"));
    QCOMPARE(shown(), QStringLiteral("odd/1 odd/3 odd/5"));

    h.model.removeRows(1, 2); // odd/1 and even/2
    h.proxy()->refilter();
    QCOMPARE(shown(), QStringLiteral("odd/3 odd/5"));
    h.model.addEntries(TestSupport::entriesFor({ url("odd", 6), url("even", 7) }));
    QCOMPARE(shown(), QStringLiteral("odd/3 odd/5 odd/6"));
    h.model.removeRows(0, 1); // even/0, before every remembered row
    h.proxy()->refilter();
    QCOMPARE(shown(), QStringLiteral("odd/3 odd/5 odd/6"));
    h.model.clear();
    h.model.addEntries(TestSupport::entriesFor({ url("even", 8), url("odd", 9) }));
    h.proxy()->refilter();
    QCOMPARE(shown(), QStringLiteral("odd/9"));
}

void TestMainWindow::sortsOnRawValues()
{
    Harness h(8);
    QVERIFY(h.show());
    // Sizes whose text sorts differently from their numbers ("10 bytes" < "9 bytes").
    const QList<int> sizes = { 9, 10, 100, 2, 1000, 25 };
    QStringList lines;
    for (int size : sizes)
        lines.append(m_server->url(QStringLiteral("/bytes/%1").arg(size)).toString());
    lines.append(m_server->url(QStringLiteral("/status/500")).toString());
    lines.append(m_server->url(QStringLiteral("/status/404")).toString());
    lines.append(m_server->url(QStringLiteral("/status/201")).toString());
    lines.append(refusedUrl().toString());
    h.typeAndAdd(lines);
    QVERIFY(h.startAndWaitForTheEnd());
    QCOMPARE(h.model.count(JobState::Succeeded), 7);

    // Until a header is clicked, the table is in list order.
    for (int row = 0; row < h.model.rowCount(); ++row)
        QCOMPARE(h.proxy()->mapToSource(h.proxy()->index(row, 0)).row(), row);

    const auto column = [&](int col, int role) {
        QVariantList values;
        for (int row = 0; row < h.proxy()->rowCount(); ++row)
            values.append(h.proxy()->index(row, col).data(role));
        return values;
    };
    const auto isSorted = [](const QVariantList &values, Qt::SortOrder order) {
        for (qsizetype i = 1; i < values.size(); ++i) {
            const auto a = values.at(i - 1).toLongLong(), b = values.at(i).toLongLong();
            if (order == Qt::AscendingOrder ? a > b : a < b)
                return false;
        }
        return true;
    };

    QHeaderView *header = h.table()->horizontalHeader();
    for (int col : { int(JobQueueModel::SizeColumn), int(JobQueueModel::TimeColumn),
                     int(JobQueueModel::HttpCodeColumn) }) {
        h.clickHeader(col);
        QCOMPARE(header->sortIndicatorSection(), col);
        const Qt::SortOrder first = header->sortIndicatorOrder();
        QVERIFY2(isSorted(column(col, JobQueueModel::RawValueRole), first),
                 qPrintable(QVariant(column(col, JobQueueModel::RawValueRole))
                                .toStringList()
                                .join(QLatin1Char(' '))));
        h.clickHeader(col);
        QVERIFY(header->sortIndicatorOrder() != first);
        QVERIFY2(isSorted(column(col, JobQueueModel::RawValueRole), header->sortIndicatorOrder()),
                 qPrintable(QVariant(column(col, JobQueueModel::RawValueRole))
                                .toStringList()
                                .join(QLatin1Char(' '))));
        // The raw values are the engine's: bytes, duration, status.
        for (int row = 0; row < h.proxy()->rowCount(); ++row) {
            const Job &job = h.model.jobAt(h.proxy()->mapToSource(h.proxy()->index(row, 0)).row());
            const qint64 raw =
                h.proxy()->index(row, col).data(JobQueueModel::RawValueRole).toLongLong();
            const qint64 expected = col == JobQueueModel::SizeColumn ? job.bytesReceived
                : col == JobQueueModel::TimeColumn                   ? job.durationNs()
                                                                     : qint64(job.httpStatus);
            QCOMPARE(raw, expected);
        }
    }

    // Ascending by size, the /bytes/ rows read 2, 9, 10, 25, 100, 1000: numbers, not text.
    h.clickHeader(JobQueueModel::SizeColumn);
    if (header->sortIndicatorOrder() != Qt::AscendingOrder)
        h.clickHeader(JobQueueModel::SizeColumn);
    QCOMPARE(header->sortIndicatorOrder(), Qt::AscendingOrder);
    QStringList bytesRows;
    for (int row = 0; row < h.proxy()->rowCount(); ++row) {
        const QString url = h.proxy()->index(row, JobQueueModel::UrlColumn).data().toString();
        if (url.contains(QLatin1String("/bytes/")))
            bytesRows.append(h.proxy()->index(row, JobQueueModel::SizeColumn).data().toString());
    }
    QCOMPARE(bytesRows,
             QStringList({ formatBytes(2), formatBytes(9), formatBytes(10), formatBytes(25),
                           formatBytes(100), formatBytes(1000) }));

    // By HTTP code ascending: no answer (0) first, then 200s, 201, 404, 500.
    h.clickHeader(JobQueueModel::HttpCodeColumn);
    if (header->sortIndicatorOrder() != Qt::AscendingOrder)
        h.clickHeader(JobQueueModel::HttpCodeColumn);
    const QVariantList codes = column(JobQueueModel::HttpCodeColumn, JobQueueModel::RawValueRole);
    QCOMPARE(codes.first().toInt(), 0);
    QCOMPARE(codes.last().toInt(), 500);
    QCOMPARE(codes.at(codes.size() - 2).toInt(), 404);
    QCOMPARE(codes.at(codes.size() - 3).toInt(), 201);
}

void TestMainWindow::concurrencyChangeTakesEffectDuringARun()
{
    Harness h(2);
    QVERIFY(h.show());
    h.typeAndAdd(delayedUrls(24, 300));
    QSignalSpy finished(&h.engine, &FetchEngine::runFinished);
    h.action("start")->trigger();
    QTRY_COMPARE(m_server->inFlight(), 2);
    QCOMPARE(m_server->maxInFlight(), 2);

    // Four presses of Up in the Workers box: 2 → 6, while the run goes on.
    QSpinBox *workers = h.window->concurrencySpinBox();
    workers->setFocus();
    for (int i = 0; i < 4; ++i)
        QTest::keyClick(workers, Qt::Key_Up);
    QCOMPARE(workers->value(), 6);
    QCOMPARE(h.engine.concurrency(), 6);
    QTRY_COMPARE(m_server->maxInFlight(), 6);
    QVERIFY(finished.wait(RunTimeoutMs));
    QCOMPARE(m_server->maxInFlight(), 6);
    QCOMPARE(h.model.count(JobState::Succeeded), 24);
    QCOMPARE(m_server->requestCount(), qint64(24));
}

void TestMainWindow::bandwidthLimitBoxCapsTheRunAtOnce()
{
    Harness h(1);
    QVERIFY(h.show());
    constexpr qint64 BodyBytes = 4 * 1024 * 1024;
    h.typeAndAdd({ m_server->url(QStringLiteral("/bytes/%1").arg(BodyBytes)).toString() });

    // Typed as curl takes it, applied on Enter: 1 KiB/s, which would take over an hour.
    RateSpinBox *limit = h.window->limitRateSpinBox();
    QCOMPARE(limit->text(), QStringLiteral("No limit"));
    limit->setFocus();
    limit->selectAll();
    QTest::keyClicks(limit, QStringLiteral("1K"));
    QCOMPARE(h.engine.bandwidthLimit(), qint64(0)); // not while typing
    QTest::keyClick(limit, Qt::Key_Return);
    QCOMPARE(h.engine.bandwidthLimit(), qint64(1024));
    QCOMPARE(limit->text(), QStringLiteral("1.0 KiB/s"));

    QSignalSpy finished(&h.engine, &FetchEngine::runFinished);
    h.action("start")->trigger();
    auto *capped = h.window->summaryPanel()->findChild<QLabel *>(QStringLiteral("bandwidthCap"));
    QVERIFY(capped);
    QTRY_VERIFY(capped->isVisible());
    QCOMPARE(capped->text(), QStringLiteral("Capped at 1.0 KiB/s"));
    QTRY_VERIFY_WITH_TIMEOUT(h.model.jobAt(0).bytesReceived > 0, 30'000);
    QCOMPARE(h.model.jobAt(0).state, JobState::Running);
    // Saved with the run's settings when it started.
    QCOMPARE(QSettings().value(QStringLiteral("fetch/limitRate")).toString(), QStringLiteral("1K"));

    // Lifted during the run: the download completes, whole, and the summary stops saying it.
    limit->selectAll();
    QTest::keyClicks(limit, QStringLiteral("0"));
    QTest::keyClick(limit, Qt::Key_Return);
    QCOMPARE(h.engine.bandwidthLimit(), qint64(0));
    QCOMPARE(limit->text(), QStringLiteral("No limit"));
    QVERIFY(finished.wait(RunTimeoutMs));
    QCOMPARE(h.model.jobAt(0).state, JobState::Succeeded);
    QCOMPARE(h.model.jobAt(0).sha256, LoopbackServer::expectedSha256(BodyBytes));
    QTRY_VERIFY(!capped->isVisible());
}

void TestMainWindow::pauseStartsNothingNewAndResumeCompletes()
{
    Harness h(2);
    QVERIFY(h.show());
    h.typeAndAdd(delayedUrls(12, 300));
    QSignalSpy finished(&h.engine, &FetchEngine::runFinished);
    h.action("start")->trigger();
    QTRY_COMPARE(m_server->inFlight(), 2);

    QTest::keyClick(h.window.get(), Qt::Key_P, Qt::ControlModifier); // Pause
    QVERIFY(h.engine.isPaused());
    QVERIFY(!h.action("pause")->isEnabled());
    QVERIFY(h.action("resume")->isEnabled());
    // The running ones finish...
    QTRY_COMPARE(h.engine.activeCount(), 0);
    QTRY_COMPARE(m_server->inFlight(), 0);
    const qint64 requests = m_server->requestCount();
    // Active workers leaves out a finished task at once, but its row changes only when the
    // engine's batched report arrives, an event-loop turn later: wait for every answered
    // request to be a finished row before reading the model.
    QTRY_COMPARE(qint64(h.model.count(JobState::Succeeded)), requests);
    const int queued = h.model.count(JobState::Queued);
    QVERIFY2(queued > 0, "the run ended before it could be paused");
    QCOMPARE(h.model.count(JobState::Running), 0);
    // ...and no new one starts however long the window keeps refreshing.
    QSignalSpy refreshed(h.window.get(), &MainWindow::summaryRefreshed);
    QTRY_VERIFY(refreshed.count() >= PausedSummaryTicks);
    QCOMPARE(m_server->requestCount(), requests);
    QCOMPARE(h.model.count(JobState::Queued), queued);
    QCOMPARE(m_server->inFlight(), 0);
    QCOMPARE(finished.count(), 0);
    QVERIFY(h.engine.isRunning());
    QCOMPARE(h.summaryValue(QStringLiteral("Active workers"))->text(), QStringLiteral("0"));
    QCOMPARE(h.summaryValue(QStringLiteral("Time left"))->text(), QStringLiteral("paused"));

    QTest::keyClick(h.window.get(), Qt::Key_P, Qt::ControlModifier | Qt::ShiftModifier); // Resume
    QVERIFY(!h.engine.isPaused());
    QVERIFY(finished.wait(RunTimeoutMs));
    QCOMPARE(h.model.count(JobState::Succeeded), 12);
    QCOMPARE(m_server->requestCount(), qint64(12));
    QCOMPARE(m_server->maxInFlight(), 2);
    compareTableAndSummary(h);
}

void TestMainWindow::cancelAllEndsEveryRow()
{
    Harness h(4);
    QVERIFY(h.show());
    QStringList lines;
    for (int i = 0; i < 20; ++i)
        lines.append(m_server->url(QStringLiteral("/delay/%1/bytes/%2").arg(SlowDelayMs).arg(i + 1))
                         .toString());
    h.typeAndAdd(lines);
    QSignalSpy finished(&h.engine, &FetchEngine::runFinished);
    h.action("start")->trigger();
    QTRY_COMPARE(m_server->inFlight(), 4);
    QVERIFY(h.action("cancelAll")->isEnabled());
    QTest::keyClick(h.window.get(), Qt::Key_Period, Qt::ControlModifier); // Cancel All
    QVERIFY(finished.count() > 0 || finished.wait(RunTimeoutMs));

    QCOMPARE(h.model.count(JobState::Cancelled), 20);
    for (int row = 0; row < h.proxy()->rowCount(); ++row)
        QCOMPARE(h.proxy()->index(row, JobQueueModel::StatusColumn).data().toString(),
                 statusText(JobState::Cancelled));
    QTRY_COMPARE(m_server->inFlight(), 0);
    QVERIFY(!h.engine.isRunning());
    QVERIFY(!h.action("cancelAll")->isEnabled());
    QVERIFY(!h.action("start")->isEnabled());
    QVERIFY(h.action("retryCancelled")->isEnabled());
    QVERIFY(!h.action("retryFailed")->isEnabled()); // nothing failed
    QCOMPARE(h.summaryValue(QStringLiteral("Done"))->text(),
             QStringLiteral("20 of 20 (0 succeeded, 0 failed, 20 cancelled)"));
    // Only the four that were running ever reached the server: Cancel All must not let a worker
    // freed by a cancelled task start one of the tasks waiting in the pool's queue.
    QVERIFY2(m_server->requestCount() == 4,
             qPrintable(QStringLiteral("%1 requests reached the server, 4 were running")
                            .arg(m_server->requestCount())));
}

void TestMainWindow::retryFailedRequeuesOnlyFailedRows()
{
    Harness h;
    QVERIFY(h.show());
    const QString flakyKey = QStringLiteral("flaky/tst_mainwindow-%1").arg(m_server->port());
    h.typeAndAdd({ m_server->url(QStringLiteral("/bytes/10")).toString(),
                   m_server->url(QStringLiteral("/status/404")).toString(),
                   m_server->url(QLatin1Char('/') + flakyKey + QStringLiteral("/1")).toString() });
    QSignalSpy finished(&h.engine, &FetchEngine::runFinished);
    h.action("start")->trigger();
    QVERIFY(finished.wait(RunTimeoutMs));
    QCOMPARE(h.results.size(), 3);
    QCOMPARE(h.model.jobAt(0).state, JobState::Succeeded);
    QCOMPARE(h.model.jobAt(1).state, JobState::Failed);
    QCOMPARE(h.model.jobAt(1).httpStatus, 404);
    QCOMPARE(h.model.jobAt(2).state, JobState::Failed);
    QCOMPARE(h.model.jobAt(2).httpStatus, 503);
    QCOMPARE(m_server->requestCount(), qint64(3));
    const Job untouched = h.model.jobAt(0);

    QVERIFY(h.action("retryFailed")->isEnabled());
    QTest::keyClick(h.window.get(), Qt::Key_R,
                    Qt::ControlModifier | Qt::ShiftModifier); // Retry Failed
    QVERIFY(finished.wait(RunTimeoutMs));
    QCOMPARE(finished.count(), 2);

    // Two new results, for exactly the failed rows.
    QCOMPARE(h.results.size(), 5);
    const QSet<quint64> retried { h.results.at(3).id, h.results.at(4).id };
    QCOMPARE(retried, QSet<quint64>({ h.model.jobAt(1).id, h.model.jobAt(2).id }));
    QCOMPARE(m_server->requestCount(), qint64(5));

    QCOMPARE(h.model.jobAt(1).state, JobState::Failed); // still not there
    QCOMPARE(h.model.jobAt(1).httpStatus, 404);
    QCOMPARE(h.model.jobAt(1).attempts, 1);
    QCOMPARE(h.model.jobAt(2).state, JobState::Succeeded); // the server recovered
    QCOMPARE(h.model.jobAt(2).httpStatus, 200);
    QCOMPARE(h.model.jobAt(2).attempts, 1);
    QCOMPARE(h.model.jobAt(0).finishedAtNs, untouched.finishedAtNs);
    QCOMPARE(h.model.jobAt(0).attempts, untouched.attempts);
    compareTableAndSummary(h);
}

void TestMainWindow::clearFinishedRemovesFinishedRows()
{
    Harness h;
    QVERIFY(h.show());
    h.typeAndAdd({ m_server->url(QStringLiteral("/bytes/1")).toString(),
                   m_server->url(QStringLiteral("/status/404")).toString(),
                   m_server->url(QStringLiteral("/bytes/3")).toString() });
    QSignalSpy finished(&h.engine, &FetchEngine::runFinished);
    h.action("start")->trigger();
    QVERIFY(finished.wait(RunTimeoutMs));
    h.clickRow(0);
    QVERIFY(h.window->detailPane()->jobId() != 0);
    h.typeAndAdd({ m_server->url(QStringLiteral("/bytes/4")).toString(),
                   m_server->url(QStringLiteral("/bytes/5")).toString() });
    QCOMPARE(h.model.rowCount(), 5);

    QVERIFY(h.action("clearFinished")->isEnabled());
    QTest::keyClick(h.window.get(), Qt::Key_Delete, Qt::ControlModifier | Qt::ShiftModifier);
    QCOMPARE(h.model.rowCount(), 2);
    QCOMPARE(h.proxy()->rowCount(), 2);
    QCOMPARE(h.model.count(JobState::Queued), 2);
    QVERIFY(h.model.jobAt(0).url.path().endsWith(QLatin1String("/bytes/4")));
    QCOMPARE(h.window->detailPane()->jobId(), quint64(0));
    QVERIFY(!h.action("clearFinished")->isEnabled());
    QCOMPARE(h.summaryValue(QStringLiteral("Done"))->text(),
             QStringLiteral("0 of 2 (0 succeeded, 0 failed, 0 cancelled)"));

    // What is left still runs.
    h.action("start")->trigger();
    QVERIFY(finished.wait(RunTimeoutMs));
    QCOMPARE(h.model.count(JobState::Succeeded), 2);
    QCOMPARE(m_server->requestCount(), qint64(5));
}

void TestMainWindow::detailPaneShowsSelectedRowWithSecretsMasked()
{
    Harness h;
    QVERIFY(h.show());
    QUrl secret = m_server->url(QStringLiteral("/bytes/4096"));
    secret.setUserName(QStringLiteral("bob"));
    secret.setPassword(QStringLiteral("hunter2hunter2"));
    h.typeAndAdd({ secret.toString(), m_server->url(QStringLiteral("/redirect/2")).toString() });
    QVERIFY(h.startAndWaitForTheEnd());
    QCOMPARE(h.model.count(JobState::Succeeded), 2);
    QVERIFY(h.window->detailPane()->toPlainText().isEmpty());

    // The table shows the URL masked too.
    QCOMPARE(h.proxy()->index(0, JobQueueModel::UrlColumn).data().toString(), redactedUrl(secret));
    QVERIFY(!redactedUrl(secret).contains(QLatin1String("hunter2")));

    h.clickRow(0);
    QString text = h.window->detailPane()->toPlainText();
    QVERIFY2(text.contains(redactedUrl(secret)), qPrintable(text));
    QVERIFY2(text.contains(QLatin1String("***")), qPrintable(text));
    QVERIFY2(!text.contains(QLatin1String("hunter2")) && !text.contains(QLatin1String("bob")),
             qPrintable(text));
    QVERIFY2(text.contains(QString::fromLatin1(LoopbackServer::expectedSha256(4096).toHex())),
             qPrintable(text));
    QVERIFY2(text.contains(QLatin1String("Attempts")), qPrintable(text));
    QVERIFY2(text.contains(QLatin1String("4096 bytes")), qPrintable(text));
    QVERIFY2(text.contains(QLatin1String("Wait (TTFB)")), qPrintable(text));
    QVERIFY2(text.contains(QLatin1String("Response headers")), qPrintable(text));

    // Down arrow: the redirect's row, with the URL it ended at.
    QTest::keyClick(h.table(), Qt::Key_Down);
    text = h.window->detailPane()->toPlainText();
    QVERIFY2(text.contains(QLatin1String("Final URL")), qPrintable(text));
    QVERIFY2(text.contains(m_server->url(QStringLiteral("/redirect/0")).toString()),
             qPrintable(text));
    QCOMPARE(h.window->detailPane()->jobId(), h.model.jobAt(1).id);
}

void TestMainWindow::detailPaneSpeaksLikeTheTable()
{
    // The pane is read beside the table: a row the table calls "Done" or "Failed" is not
    // "succeeded" or "failed" there (the export identifiers, which are not translated).
    Harness h;
    QVERIFY(h.show());
    h.typeAndAdd({ m_server->url(QStringLiteral("/bytes/10")).toString(),
                   m_server->url(QStringLiteral("/status/404")).toString() });
    QVERIFY(h.startAndWaitForTheEnd());
    for (int row = 0; row < 2; ++row) {
        h.clickRow(row);
        const QString status = h.proxy()->index(row, JobQueueModel::StatusColumn).data().toString();
        const QString text = h.window->detailPane()->toPlainText();
        QVERIFY2(text.contains(QStringLiteral("Status\n") + status)
                     || text.contains(QStringLiteral("Status\t") + status)
                     || text.contains(QStringLiteral("Status ") + status),
                 qPrintable(QStringLiteral("table says %1, pane says:\n%2").arg(status, text)));
    }
}

void TestMainWindow::rowKeysAndContextMenu()
{
    Harness h;
    QVERIFY(h.show());
    QUrl secret = m_server->url(QStringLiteral("/bytes/11"));
    secret.setUserName(QStringLiteral("carol"));
    secret.setPassword(QStringLiteral("topsecretvalue"));
    h.typeAndAdd({ secret.toString(), m_server->url(QStringLiteral("/bytes/22")).toString(),
                   m_server->url(QStringLiteral("/status/404")).toString() });
    QSignalSpy finished(&h.engine, &FetchEngine::runFinished);
    h.action("start")->trigger();
    QVERIFY(finished.wait(RunTimeoutMs));

    // Clicked on the Size cell: the view's own Ctrl+C would copy "11 bytes", Copy URL the URL.
    h.table()->setFocus();
    h.clickRow(0, JobQueueModel::SizeColumn);
    QTRY_VERIFY(h.table()->hasFocus());
    QTest::keySequence(h.table(), QKeySequence::Copy); // Copy URL
    QCOMPARE(QApplication::clipboard()->text(), redactedUrl(secret));
    QTest::keyClick(h.table(), Qt::Key_C, Qt::ControlModifier | Qt::AltModifier); // Copy Row
    const QString row = QApplication::clipboard()->text();
    QVERIFY2(
        row.startsWith(redactedUrl(secret) + QLatin1Char('\t') + statusText(JobState::Succeeded)),
        qPrintable(row));
    QVERIFY(!row.contains(QLatin1String("topsecretvalue")));

    // The context menu offers the row actions.
    QStringList offered;
    whenModalOpens([&offered](QWidget *widget) {
        for (QAction *action : widget->actions()) {
            if (!action->isSeparator())
                offered.append(action->objectName());
        }
    });
    const QPoint at = h.table()->visualRect(h.proxy()->index(0, 0)).center();
    QContextMenuEvent menuEvent(QContextMenuEvent::Mouse, at,
                                h.table()->viewport()->mapToGlobal(at));
    QApplication::sendEvent(h.table()->viewport(), &menuEvent);
    QCOMPARE(offered,
             QStringList({ QStringLiteral("openInBrowser"), QStringLiteral("openFile"),
                           QStringLiteral("openFolder"), QStringLiteral("copyUrl"),
                           QStringLiteral("copyRow"), QStringLiteral("retrySelected"),
                           QStringLiteral("cancelSelected"), QStringLiteral("removeSelected") }));

    // Ctrl+R on the failed row retries just that row. (The menu's own event loop must be over
    // and the click must have selected the row first: a key sent while a popup is still open
    // goes to the popup. A shortcut reaches only the active window, and the window gets its
    // activation back from the closed menu later on a busy machine.)
    QTRY_VERIFY(!QApplication::activePopupWidget() && !QApplication::activeModalWidget());
    h.window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(h.window.get()));
    h.clickRow(2);
    QTRY_COMPARE(h.table()->selectionModel()->selectedRows().size(), 1);
    QCOMPARE(h.table()->selectionModel()->selectedRows().constFirst().row(), 2);
    QVERIFY(h.action("retrySelected")->isEnabled());
    QTest::keyClick(h.table(), Qt::Key_R, Qt::ControlModifier);
    QVERIFY(finished.wait(RunTimeoutMs));
    QCOMPARE(m_server->requestCount(), qint64(4));
    QCOMPARE(h.results.size(), 4);
    QCOMPARE(h.results.last().id, h.model.jobAt(2).id);

    // Delete removes the selected finished row.
    h.clickRow(1);
    const quint64 removed = h.model.jobAt(1).id;
    QTest::keyClick(h.table(), Qt::Key_Delete);
    QCOMPARE(h.model.rowCount(), 2);
    QCOMPARE(h.model.rowForId(removed), -1);
}

void TestMainWindow::measureBaselineShowsTheRealSerialTime()
{
    Harness h(4);
    QVERIFY(h.show());
    QStringList lines;
    for (int i = 0; i < 4; ++i)
        lines.append(m_server->url(QStringLiteral("/delay/100/bytes/%1").arg(i + 1)).toString());
    h.typeAndAdd(lines);
    QSignalSpy finished(&h.engine, &FetchEngine::runFinished);
    h.action("start")->trigger();
    QVERIFY(finished.wait(RunTimeoutMs));
    QCOMPARE(m_server->maxInFlight(), 4);
    QCOMPARE(h.summaryValue(QStringLiteral("Serial baseline"))->text(),
             QStringLiteral("not measured"));

    m_server->resetStatistics();
    QSignalSpy measured(h.window->baselineRunner(), &BaselineRunner::finished);
    QVERIFY(h.action("measureBaseline")->isEnabled());
    QTest::keyClick(h.window.get(), Qt::Key_B, Qt::ControlModifier);
    QVERIFY(!h.action("measureBaseline")->isEnabled());
    QVERIFY(measured.wait(RunTimeoutMs));
    QCOMPARE(measured.constFirst().at(1).toBool(), true);
    // One at a time, the same four URLs.
    QCOMPARE(m_server->requestCount(), qint64(4));
    QCOMPARE(m_server->maxInFlight(), 1);
    const QString baseline = h.summaryValue(QStringLiteral("Serial baseline"))->text();
    QVERIFY2(baseline.contains(QLatin1String("measured, real speedup")), qPrintable(baseline));
    QVERIFY(h.action("measureBaseline")->isEnabled());
    // The main table is not touched by the baseline.
    QCOMPARE(h.results.size(), 4);
}

void TestMainWindow::copySummaryPutsTheClassicLinesOnTheClipboard()
{
    Harness h;
    QVERIFY(h.show());
    h.typeAndAdd({ m_server->url(QStringLiteral("/bytes/64")).toString() });
    QVERIFY(h.startAndWaitForTheEnd());
    QTest::keyClick(h.window.get(), Qt::Key_C, Qt::ControlModifier | Qt::ShiftModifier);
    const QString text = QApplication::clipboard()->text();
    QVERIFY2(text.startsWith(QLatin1String("main takes time=")), qPrintable(text));
    QVERIFY2(text.contains(QLatin1String("\nserial exec time would be time=")), qPrintable(text));
    QVERIFY2(text.contains(QLatin1String("succeeded 1")), qPrintable(text));
}

void TestMainWindow::lastListBannerRestoresTheList()
{
    Harness h;
    QVERIFY(h.show());
    auto *banner = h.window->findChild<QWidget *>(QStringLiteral("lastListBanner"));
    QVERIFY(banner);
    QVERIFY(!banner->isVisible());
    h.window->offerLastList(QString());
    QVERIFY(!banner->isVisible()); // nothing to offer

    const QString list = m_server->url(QStringLiteral("/bytes/1")).toString() + QLatin1Char('\n')
        + m_server->url(QStringLiteral("/bytes/2")).toString() + QLatin1Char('\n');
    h.window->offerLastList(list);
    QVERIFY(banner->isVisible());
    auto *label = banner->findChild<QLabel *>(QStringLiteral("lastListText"));
    QVERIFY(label);
    QVERIFY2(label->text().contains(QLatin1String("2 line")), qPrintable(label->text()));
    auto *restore = banner->findChild<QPushButton *>(QStringLiteral("restoreLastList"));
    QVERIFY(restore);
    QTest::mouseClick(restore, Qt::LeftButton);
    QVERIFY(!banner->isVisible());
    QCOMPARE(h.editor()->toPlainText(), list);
    QCOMPARE(h.model.rowCount(), 0); // offered back, not queued behind the person's back
    QTest::keyClick(h.editor(), Qt::Key_Return, Qt::ControlModifier);
    QCOMPARE(h.model.rowCount(), 2);
}

void TestMainWindow::closingSavesTheListForNextTime()
{
    QUrl secret = m_server->url(QStringLiteral("/bytes/1"));
    secret.setUserName(QStringLiteral("dave"));
    secret.setPassword(QStringLiteral("zebra-secret"));
    {
        Harness h;
        QVERIFY(h.show());
        h.typeAndAdd(
            { secret.toString(),
              m_server->url(QStringLiteral("/bytes/2")).toString() + QStringLiteral(",two.bin") });
        QVERIFY(h.window->close());
    }
    const QString saved = SettingsStore::loadLastList();
    QVERIFY2(saved.contains(redactedUrl(secret)), qPrintable(saved));
    QVERIFY2(!saved.contains(QLatin1String("zebra-secret")), qPrintable(saved));
    QVERIFY2(saved.contains(QLatin1String("two.bin")), qPrintable(saved));

    // The next window (as main.cpp does without URLs) offers it back, and it parses again.
    Harness next;
    QVERIFY(next.show());
    next.window->offerLastList(SettingsStore::loadLastList());
    QTest::mouseClick(next.window->findChild<QPushButton *>(QStringLiteral("restoreLastList")),
                      Qt::LeftButton);
    QTest::keyClick(next.editor(), Qt::Key_Return, Qt::ControlModifier);
    QCOMPARE(next.model.rowCount(), 2);
    QCOMPARE(next.model.jobAt(1).fileName(), QStringLiteral("two.bin"));
    QVERIFY(next.window->inputPanel()->problemLines().isEmpty());
}

void TestMainWindow::settingsSurviveANewWindow()
{
    // A size that fits the screen (a larger one is fitted to it: restoredGeometryLarger…).
    const QSize size = QGuiApplication::primaryScreen()->availableGeometry().size() - QSize(20, 60);
    constexpr int SizeColumnWidth = 222;
    {
        Harness h;
        QVERIFY(h.show());
        QSpinBox *workers = h.window->concurrencySpinBox();
        workers->setFocus();
        workers->selectAll();
        QTest::keyClicks(workers, QStringLiteral("7"));
        QCOMPARE(workers->value(), 7);
        FetchOptions options = h.engine.options();
        options.timeoutMs = 4321;
        options.userAgent = "tst_mainwindow/1";
        h.engine.setOptions(options);
        h.window->resize(size);
        QTRY_COMPARE(h.window->size(), size);
        h.table()->setColumnWidth(JobQueueModel::SizeColumn, SizeColumnWidth);
        QVERIFY(h.window->close());
    }
    QCOMPARE(QSettings().value(QStringLiteral("fetch/concurrency")).toInt(), 7);
    // A new window over a new engine, as the next start of the program makes them.
    JobQueueModel model;
    FetchEngine engine(&model);
    MainWindow fresh(&model, &engine);
    QCOMPARE(fresh.concurrencySpinBox()->value(), 7);
    QCOMPARE(engine.concurrency(), 7);
    QCOMPARE(engine.options().timeoutMs, 4321);
    QCOMPARE(engine.options().userAgent, QByteArray("tst_mainwindow/1"));
    QCOMPARE(fresh.tableView()->columnWidth(JobQueueModel::SizeColumn), SizeColumnWidth);
    fresh.show();
    QVERIFY(QTest::qWaitForWindowExposed(&fresh));
    QCOMPARE(fresh.size(), size);
}

void TestMainWindow::closingMidRunLeavesNoPartialFile()
{
    QTemporaryDir out;
    QVERIFY(out.isValid());
    auto h = std::make_unique<Harness>(4);
    FetchOptions options = h->engine.options();
    options.outputDirectory = out.path();
    h->engine.setOptions(options);
    QVERIFY(h->show());
    QStringList lines;
    for (int i = 0; i < 6; ++i) // 200 bytes, one every 25 ms: five seconds each
        lines.append(m_server->url(QStringLiteral("/drip/%1/25").arg(200 + i)).toString()
                     + QStringLiteral(",file%1.bin").arg(i));
    h->typeAndAdd(lines);
    QCOMPARE(h->model.rowCount(), 6);
    h->action("start")->trigger();
    // Bodies are streaming to .part files when the window closes.
    QTRY_VERIFY(!filesIn(out.path()).isEmpty());
    QTRY_VERIFY(h->model.jobAt(0).bytesReceived > 0);
    QVERIFY(filesIn(out.path()).filter(QLatin1String(".part")).size() > 0);

    // The answer to "Quit Parafetch?" that removes them (tst_closerestore asks the question).
    h->window->setCloseChoice(MainWindow::CloseChoice::CancelDownloads);
    QVERIFY(h->window->close());
    QVERIFY(!h->engine.isRunning());
    QCOMPARE(filesIn(out.path()), QStringList());
    h.reset();
    QCOMPARE(filesIn(out.path()), QStringList());
    QTRY_COMPARE(m_server->inFlight(), 0);
}

void TestMainWindow::addingHundredThousandUrls()
{
    Harness h;
    QVERIFY(h.show());
    QString text;
    text.reserve(HundredThousand * 48);
    const QString base = m_server->baseUrl().toString();
    for (int i = 0; i < HundredThousand; ++i)
        text += base + QStringLiteral("/bytes/%1\n").arg(i);

    QElapsedTimer timer;
    timer.start();
    h.window->inputPanel()->setText(text); // what a paste of the list does
    const qint64 pasteMs = timer.restart();
    auto *add = h.window->inputPanel()->findChild<QPushButton *>();
    QTest::mouseClick(add, Qt::LeftButton);
    const qint64 addMs = timer.restart();
    QCOMPARE(h.model.rowCount(), HundredThousand);
    QCOMPARE(h.proxy()->rowCount(), HundredThousand);
    QCoreApplication::processEvents();
    h.table()->viewport()->repaint();
    h.window->summaryPanel()->repaint();
    const qint64 paintMs = timer.restart();
    h.table()->scrollToBottom();
    h.table()->viewport()->repaint();
    const qint64 scrollMs = timer.elapsed();
    qInfo("100,000 URLs: paste into the editor %lld ms, Add (parse + queue + table) %lld ms, "
          "first paint %lld ms, scroll to the end and paint %lld ms",
          pasteMs, addMs, paintMs, scrollMs);

    // A fixed row height is what lets the view skip measuring every row.
    QCOMPARE(h.table()->verticalHeader()->sectionResizeMode(0), QHeaderView::Fixed);
    QVERIFY(h.window->inputPanel()->problemLines().isEmpty());
    QVERIFY(h.editor()->toPlainText().isEmpty());
    QCOMPARE(h.proxy()->index(HundredThousand - 1, JobQueueModel::UrlColumn).data().toString(),
             base + QStringLiteral("/bytes/%1").arg(HundredThousand - 1));
    QCOMPARE(h.summaryValue(QStringLiteral("Done"))->text(),
             QStringLiteral("0 of 100000 (0 succeeded, 0 failed, 0 cancelled)"));
    QVERIFY(!h.engine.isRunning());
    QCOMPARE(m_server->requestCount(), qint64(0));
    QVERIFY(h.action("start")->isEnabled());
}

void TestMainWindow::renderingShowsTheWindow()
{
    Harness h;
    QVERIFY(h.show());
    h.window->resize(1280, 800);
    QStringList lines;
    for (int size : { 1000, 20'000, 300'000, 0 })
        lines.append(m_server->url(QStringLiteral("/delay/30/bytes/%1").arg(size)).toString());
    lines.append(m_server->url(QStringLiteral("/redirect/3")).toString());
    lines.append(m_server->url(QStringLiteral("/status/404")).toString());
    lines.append(m_server->url(QStringLiteral("/status/503")).toString());
    lines.append(refusedUrl().toString());
    h.typeAndAdd(lines);
    h.typeAndAdd({ QStringLiteral("ftp://not.fetched.example/file") }); // one problem shown
    QVERIFY(h.startAndWaitForTheEnd());
    // Two queued rows after the run, one of them selected, so every look is on screen.
    h.typeAndAdd({ m_server->url(QStringLiteral("/bytes/5")).toString(),
                   m_server->url(QStringLiteral("/bytes/6")).toString() });
    h.clickRow(0);

    const QPixmap pixmap = h.window->grab();
    QVERIFY(!pixmap.isNull());
    QCOMPARE(pixmap.deviceIndependentSize().toSize(), h.window->size());
    const QImage image = pixmap.toImage();
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 4)
        for (int x = 0; x < image.width(); x += 4)
            colours.insert(image.pixel(x, y));
    QVERIFY2(colours.size() > 16, "the window rendered as a flat area");
    QVERIFY(pixmap.save(ScreenshotPath, "PNG"));
    const QImage back(ScreenshotPath);
    QCOMPARE(back.size(), image.size());
    qInfo("window rendered to %s (%dx%d)", qPrintable(QString(ScreenshotPath)), back.width(),
          back.height());
}

void TestMainWindow::waterfallShowsEveryUrlAndFollowsTheTable()
{
    Harness h(3);
    QVERIFY(h.show());
    h.window->resize(1280, 800);
    QStringList lines;
    for (int i = 0; i < 7; ++i)
        lines.append(
            m_server->url(QStringLiteral("/delay/%1/bytes/%2").arg(10 + 5 * i).arg(100 + i))
                .toString());
    lines.append(m_server->url(QStringLiteral("/status/404")).toString());
    h.typeAndAdd(lines);
    QVERIFY(h.startAndWaitForTheEnd());

    // The waterfall is a dock below the table, shown from the View menu.
    WaterfallView *view = h.window->waterfallView();
    auto *dock = h.window->findChild<QDockWidget *>(QStringLiteral("waterfallDock"));
    QVERIFY(view && dock);
    QVERIFY(view->isVisible());
    QCOMPARE(dock->toggleViewAction()->text(), QStringLiteral("&Waterfall"));
    bool inViewMenu = false;
    for (QAction *menu : h.window->menuBar()->actions()) {
        if (menu->text() == QLatin1String("&View"))
            inViewMenu = menu->menu()->actions().contains(dock->toggleViewAction());
    }
    QVERIFY(inViewMenu);

    // A bar per URL, under a header for each lane the engine reported.
    QSet<QString> lanes;
    for (const Job &job : h.model.jobs())
        lanes.insert(QStringLiteral("Lane %1").arg(job.worker));
    // The view's queries read its last layout; a person sees the next paint, the test lays out.
    const auto laidOutRows = [view] {
        view->relayout();
        return view->layoutRowCount();
    };
    QTRY_COMPARE(laidOutRows(), int(lines.size() + lanes.size()));
    for (const Job &job : h.model.jobs()) {
        QVERIFY2(view->rowOfJob(job.id) >= 0, qPrintable(job.url.toString()));
        QVERIFY(!WaterfallView::segmentsOf(job, h.engine.nowNs()).isEmpty());
    }
    const QStringList groups = view->groupLabels();
    QCOMPARE(QSet<QString>(groups.cbegin(), groups.cend()), lanes);

    // Clicking a bar selects its row in the table (and the details follow) ...
    const quint64 failed = h.model.jobAt(h.model.rowCount() - 1).id;
    const int failedRow = view->rowOfJob(failed);
    view->verticalScrollBar()->setValue(failedRow * view->rowRect(failedRow).height()); // into view
    const QPoint bar = view->rowRect(failedRow).center();
    QTest::mouseClick(view->viewport(), Qt::LeftButton, Qt::NoModifier, bar);
    const QModelIndex current = h.table()->selectionModel()->currentIndex();
    QVERIFY(current.isValid());
    QCOMPARE(current.data(JobQueueModel::JobIdRole).toULongLong(), failed);
    QVERIFY(h.table()->selectionModel()->isRowSelected(current.row(), {}));
    QCOMPARE(h.window->detailPane()->jobId(), failed);

    // ... and choosing a row in the table highlights its bar.
    h.clickRow(2);
    const quint64 chosen = h.proxy()->index(2, 0).data(JobQueueModel::JobIdRole).toULongLong();
    QCOMPARE(view->selectedJob(), chosen);

    // A filter in the table applies to the waterfall too.
    h.window->filterEdit()->setText(QStringLiteral("status/404"));
    QTRY_COMPARE(laidOutRows(), 2);
    QCOMPARE(view->jobsInRow(1), QList<quint64> { failed });
}

void TestMainWindow::waterfallGroupingSurvivesANewWindow()
{
    {
        Harness h;
        QComboBox *grouping = h.window->findChild<QComboBox *>(QStringLiteral("waterfallGrouping"));
        QVERIFY(grouping);
        QCOMPARE(h.window->waterfallView()->grouping(), WaterfallView::Grouping::Lane);
        grouping->setCurrentIndex(grouping->findData(int(WaterfallView::Grouping::Host)));
        QCOMPARE(h.window->waterfallView()->grouping(), WaterfallView::Grouping::Host);
        QVERIFY(h.window->close());
    }
    JobQueueModel model;
    FetchEngine engine(&model);
    MainWindow fresh(&model, &engine);
    QCOMPARE(fresh.waterfallView()->grouping(), WaterfallView::Grouping::Host);
}

void TestMainWindow::waterfallZoomSurvivesANewWindow_data()
{
    QTest::addColumn<int>("zoomIns");
    QTest::addColumn<bool>("fitAfterwards");

    QTest::newRow("zoomed in twice, it opens zoomed in as far") << 2 << false;
    QTest::newRow("zoomed in, then fitted: it opens fitted") << 1 << true;
    QTest::newRow("never zoomed: it opens fitted") << 0 << false;
}

void TestMainWindow::waterfallZoomSurvivesANewWindow()
{
    QFETCH(int, zoomIns);
    QFETCH(bool, fitAfterwards);

    double pixelsPerMs = 0;
    {
        Harness h;
        QVERIFY(h.show());
        WaterfallView *view = h.window->waterfallView();
        QVERIFY(view->isFitting());
        for (int i = 0; i < zoomIns; ++i)
            view->zoomIn();
        if (fitAfterwards)
            view->zoomToFit();
        pixelsPerMs = view->pixelsPerMs();
        QVERIFY(h.window->close());
    }
    JobQueueModel model;
    FetchEngine engine(&model);
    MainWindow fresh(&model, &engine);
    const bool fitted = zoomIns == 0 || fitAfterwards;
    QCOMPARE(fresh.waterfallView()->isFitting(), fitted);
    if (!fitted)
        QCOMPARE(fresh.waterfallView()->pixelsPerMs(), pixelsPerMs);
}

void TestMainWindow::summaryShowsThePerHostLimit()
{
    Harness h;
    QVERIFY(h.show());
    auto *polite = h.window->summaryPanel()->findChild<QLabel *>(QStringLiteral("politeLimit"));
    QVERIFY(polite);
    QVERIFY(!polite->isVisible()); // off by default
    FetchOptions options = h.engine.options();
    options.perHost = 3;
    h.engine.setOptions(options);
    h.window->refreshSummary();
    QVERIFY(polite->isVisible());
    QCOMPARE(polite->text(), QStringLiteral("Polite: at most 3 per host"));
    options.perHost = 0;
    h.engine.setOptions(options);
    h.window->refreshSummary();
    QVERIFY(!polite->isVisible());
}

void TestMainWindow::actionsHaveIconsShortcutsAndTooltips()
{
    Harness h;
    for (const char *name :
         { "start", "pause", "resume", "cancelAll", "retryFailed", "clearFinished",
           "measureBaseline", "import", "export", "copySummary", "settings", "showWaterfall" }) {
        QAction *action = h.action(name);
        QVERIFY2(action, name);
        QVERIFY2(!action->icon().isNull(), name);
        QVERIFY2(!action->icon().pixmap(QSize(16, 16)).isNull(), name);
        QVERIFY2(!action->text().isEmpty(), name);
        QVERIFY2(!action->toolTip().isEmpty(), name);
        if (!action->shortcut().isEmpty())
            QVERIFY2(
                action->toolTip().contains(action->shortcut().toString(QKeySequence::NativeText)),
                name);
    }
    for (const char *name : { "openInBrowser", "openFile", "openFolder", "copyUrl", "copyRow",
                              "retrySelected", "cancelSelected", "removeSelected" }) {
        QAction *action = h.action(name);
        QVERIFY2(action, name);
        // Row actions act on the table's selection: their keys only work there.
        QCOMPARE(action->shortcutContext(), Qt::WidgetShortcut);
        QVERIFY2(h.table()->actions().contains(action), name);
    }
    QCOMPARE(h.action("start")->shortcut(), QKeySequence(Qt::Key_F5));
    QCOMPARE(h.action("showWaterfall")->shortcut(), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_W));
}

void TestMainWindow::everythingIsReachableFromTheKeyboard()
{
    Harness h;
    QVERIFY(h.show());

    // Every menu bar entry has its own mnemonic; every action in a menu has a shortcut or is
    // reached through that mnemonic, and mnemonics within one menu do not collide.
    QSet<QChar> menuMnemonics;
    QMap<QKeySequence, QString> windowShortcuts;
    QStringList withoutOwnKey;
    const QList<QAction *> menus = h.window->menuBar()->actions();
    QVERIFY(menus.size() >= 4);
    for (QAction *menuAction : menus) {
        QMenu *menu = menuAction->menu();
        QVERIFY2(menu, qPrintable(menuAction->text()));
        QVERIFY2(hasMnemonic(menuAction->text()), qPrintable(menuAction->text()));
        const QChar key = mnemonicOf(menuAction->text());
        QVERIFY2(!menuMnemonics.contains(key), qPrintable(menuAction->text()));
        menuMnemonics.insert(key);
        QSet<QChar> itemMnemonics;
        for (QAction *action : menu->actions()) {
            if (action->isSeparator())
                continue;
            const QString where = menuAction->text() + QStringLiteral(" → ") + action->text();
            QVERIFY2(!action->text().isEmpty(), qPrintable(where));
            if (hasMnemonic(action->text())) {
                const QChar item = mnemonicOf(action->text());
                QVERIFY2(!itemMnemonics.contains(item),
                         qPrintable(where + QStringLiteral(": mnemonic used twice")));
                itemMnemonics.insert(item);
            }
            if (action->shortcut().isEmpty() && !hasMnemonic(action->text()))
                withoutOwnKey.append(where);
            if (!action->shortcut().isEmpty() && action->shortcutContext() != Qt::WidgetShortcut) {
                const QKeySequence keys = action->shortcut();
                QVERIFY2(!windowShortcuts.contains(keys)
                             || windowShortcuts.value(keys) == action->objectName(),
                         qPrintable(where + QStringLiteral(": ") + keys.toString()
                                    + QStringLiteral(" also used by ")
                                    + windowShortcuts.value(keys)));
                windowShortcuts.insert(keys, action->objectName());
            }
        }
    }
    // Keys that act window-wide but live outside the menus (Ctrl+F for the filter) must not
    // collide with the menus' keys or with each other either.
    QMap<QKeySequence, QAction *> anywhere;
    for (QAction *action : h.window->findChildren<QAction *>()) {
        if (action->shortcut().isEmpty() || action->shortcutContext() == Qt::WidgetShortcut)
            continue;
        const QKeySequence keys = action->shortcut();
        const QAction *other = anywhere.value(keys, action);
        QVERIFY2(other == action,
                 qPrintable(keys.toString() + QStringLiteral(": ") + action->text()
                            + QStringLiteral(" and ") + other->text()));
        anywhere.insert(keys, action);
    }
    if (!withoutOwnKey.isEmpty())
        qInfo("reached only by arrow keys inside a menu with a mnemonic: %s",
              qPrintable(withoutOwnKey.join(QStringLiteral("; "))));

    // The Run menu is opened from the keyboard (Alt+R) and Start is in it.
    QMenu *runMenu = nullptr;
    for (QAction *menuAction : menus) {
        if (menuAction->text() == QLatin1String("&Run"))
            runMenu = menuAction->menu();
    }
    QVERIFY(runMenu);
    QVERIFY(runMenu->actions().contains(h.action("start")));

    // Key widgets are named for assistive technology, and labelled widgets have buddies.
    const QList<QWidget *> named = {
        h.table(),
        h.editor(),
        h.window->concurrencySpinBox(),
        h.window->filterEdit(),
        h.window->statusFilterBox(),
        h.window->summaryPanel(),
        h.window->detailPane(),
    };
    for (QWidget *widget : named)
        QVERIFY2(!widget->accessibleName().isEmpty(), widget->metaObject()->className());
    bool workersBuddy = false, urlsBuddy = false;
    for (QLabel *label : h.window->findChildren<QLabel *>()) {
        workersBuddy = workersBuddy || label->buddy() == h.window->concurrencySpinBox();
        urlsBuddy = urlsBuddy || label->buddy() == h.editor();
    }
    QVERIFY(workersBuddy);
    QVERIFY(urlsBuddy);

    // Tab leaves the paste area instead of inserting a tab character.
    h.editor()->setFocus();
    QTest::keyClick(h.editor(), Qt::Key_Tab);
    QVERIFY(!h.editor()->hasFocus());
    QVERIFY(h.editor()->toPlainText().isEmpty());

    // Ctrl+F jumps to the filter, at any width: a narrow window's tool bar shows icons only
    // rather than hiding the filter in its overflow menu.
    h.window->setWindowState(Qt::WindowNoState);
    for (const QSize &size : { QSize(1280, 800), QSize(760, 560) }) {
        h.window->resize(size);
        QTRY_COMPARE(h.window->width(), size.width());
        QTRY_VERIFY2(
            h.window->filterEdit()->isVisible(),
            qPrintable(QStringLiteral("the filter is hidden at %1 pixels").arg(size.width())));
        h.table()->setFocus();
        QTest::keySequence(h.window.get(), QKeySequence::Find);
        QTRY_VERIFY(h.window->filterEdit()->hasFocus());
    }
    auto *toolBar = h.window->findChild<QToolBar *>(QStringLiteral("runToolBar"));
    QVERIFY(toolBar);
    QCOMPARE(toolBar->toolButtonStyle(), Qt::ToolButtonIconOnly);
    h.window->resize(1280, 800);
    QTRY_COMPARE(toolBar->toolButtonStyle(), Qt::ToolButtonTextBesideIcon);

    // The waterfall (View → Waterfall) is hidden and shown again from the keyboard.
    QAction *showWaterfall = h.action("showWaterfall");
    QVERIFY(showWaterfall);
    QVERIFY(!showWaterfall->shortcut().isEmpty());
    QVERIFY(h.window->waterfallView()->isVisible());
    QTest::keySequence(h.window.get(), showWaterfall->shortcut());
    QTRY_VERIFY(!h.window->waterfallView()->isVisible());
    QTest::keySequence(h.window.get(), showWaterfall->shortcut());
    QTRY_VERIFY(h.window->waterfallView()->isVisible());
}

void TestMainWindow::statusLineSaysWhatToDoNextAndKeepsTheClassicLines()
{
    Harness h;
    QVERIFY(h.show());
    QStatusBar *bar = h.window->statusBar();
    QVERIFY2(bar->currentMessage().contains(QLatin1String("Paste URLs")),
             qPrintable(bar->currentMessage()));
    h.typeAndAdd(urlStrings({ m_server->url(QStringLiteral("/bytes/10")) }));
    // Once the list is in, the hint says the next step, not the one just done (after the
    // passing "Added 1 URL(s)." goes).
    bar->clearMessage();
    QVERIFY2(bar->currentMessage().contains(QLatin1String("Start")),
             qPrintable(bar->currentMessage()));
    QVERIFY2(!bar->currentMessage().contains(QLatin1String("Paste URLs")),
             qPrintable(bar->currentMessage()));

    QSignalSpy finished(&h.engine, &FetchEngine::runFinished);
    QTest::keyClick(h.window.get(), Qt::Key_F5);
    QVERIFY2(!bar->currentMessage().contains(QLatin1String("Paste URLs")),
             qPrintable(bar->currentMessage()));
    QVERIFY(finished.wait(RunTimeoutMs));
    QTRY_VERIFY2(bar->currentMessage().startsWith(QLatin1String("main takes time=")),
                 qPrintable(bar->currentMessage()));
    const QString classic = bar->currentMessage();

    // A passing message gives the line back when it goes, rather than leaving it empty.
    h.action("copySummary")->trigger();
    QCOMPARE(bar->currentMessage(), QStringLiteral("Summary copied."));
    bar->clearMessage(); // what its timeout does
    QCOMPARE(bar->currentMessage(), classic);
}

QTEST_MAIN(TestMainWindow)
void TestMainWindow::wallTimeLeavesOutTheWaitBeforeRetryFailed()
{
    Harness h;
    QVERIFY(h.show());
    h.typeAndAdd({ m_server->url(QStringLiteral("/bytes/10")).toString(),
                   m_server->url(QStringLiteral("/status/404")).toString() });
    QSignalSpy finished(&h.engine, &FetchEngine::runFinished);
    h.action("start")->trigger();
    QVERIFY(finished.wait(RunTimeoutMs));
    h.action("retryFailed")->trigger();
    QVERIFY(finished.wait(RunTimeoutMs));
    QCOMPARE(finished.count(), 2);

    // The retry started after the first run had ended: the two jobs never overlapped, and the
    // time between the runs, when nothing was in flight, is no wall time.
    const Job &first = h.model.jobAt(0), &retried = h.model.jobAt(1);
    QVERIFY(retried.startedAtNs > first.finishedAtNs);
    const qint64 wall = first.durationNs() + retried.durationNs();
    const RunSummary &shown = h.window->summaryPanel()->summary();
    QCOMPARE(shown.wallNs, wall);
    QVERIFY(shown.wallNs < retried.finishedAtNs - first.startedAtNs);
    QCOMPARE(shown.serialNs, wall); // one at a time: speedup 1
    QCOMPARE(h.summaryValue(QStringLiteral("Wall time"))->text(), formatSeconds(wall));
    QCOMPARE(h.summaryValue(QStringLiteral("Speedup"))->text(),
             QStringLiteral("%1×").arg(QLocale().toString(1.0, 'f', 2)));
    compareTableAndSummary(h); // the classic lines say the same
}

void TestMainWindow::emptyQueueShowsZeroOfZero()
{
    Harness h;
    QVERIFY(h.show());
    auto *progress = h.window->summaryPanel()->findChild<QProgressBar *>();
    QVERIFY(progress);
    QCOMPARE(progress->text(), QStringLiteral("0 of 0"));
    QVERIFY(h.summaryValue(QStringLiteral("Done"))->text().startsWith(QLatin1String("0 of 0 ")));
    QVERIFY(progress->maximum() > progress->minimum()); // a bar, not a busy indicator

    h.typeAndAdd({ m_server->url(QStringLiteral("/bytes/1")).toString(),
                   m_server->url(QStringLiteral("/bytes/2")).toString() });
    QTRY_COMPARE(progress->text(), QStringLiteral("0 of 2"));
    h.table()->selectAll();
    h.action("removeSelected")->trigger();
    QCOMPARE(h.model.rowCount(), 0);
    QTRY_COMPARE(progress->text(), QStringLiteral("0 of 0"));
}

void TestMainWindow::progressBarAndDoneLabelPaintTogether()
{
    // QProgressBar repaints at once when its value changes; the labels wait for the next paint.
    // A frame could then show the bar of one snapshot beside the labels of the one before.
    SummaryPanel panel;
    panel.resize(panel.sizeHint());
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    auto *progress = panel.findChild<QProgressBar *>();
    QVERIFY(progress);
    RunSummary summary;
    summary.total = 5000;
    summary.succeeded = 993;
    panel.setSummary(summary, 0, true);
    QCoreApplication::processEvents();

    int paintsDuringUpdate = 0;
    bool updating = true;
    struct PaintCounter final : QObject
    {
        int *count;
        bool *during;
        PaintCounter(int *c, bool *d)
            : count(c)
            , during(d)
        { }
        bool eventFilter(QObject *, QEvent *event) override
        {
            if (event->type() == QEvent::Paint && *during)
                ++*count;
            return false;
        }
    } filter(&paintsDuringUpdate, &updating);
    progress->installEventFilter(&filter);
    summary.succeeded = 1058;
    panel.setSummary(summary, 0, true);
    updating = false;
    progress->removeEventFilter(&filter);
    QCOMPARE(paintsDuringUpdate, 0);
    QCOMPARE(progress->value(), 1058);
    QCOMPARE(progress->text(), QStringLiteral("1058 of 5000"));
    QLabel *done = nullptr;
    for (QLabel *label : panel.findChildren<QLabel *>()) {
        if (label->accessibleName() == QLatin1String("Done"))
            done = label;
    }
    QVERIFY(done);
    QVERIFY2(done->text().startsWith(QLatin1String("1058 of 5000 ")), qPrintable(done->text()));
}

void TestMainWindow::activeWorkersNeverExceedTheWorkersSetting()
{
    // Many quick URLs: lanes finish and take their next URL while the finished one's report
    // waits in a batch; a count of those as well showed more workers than there are.
    constexpr int Workers = 16;
    constexpr int Urls = 3000;
    Harness h(Workers);
    QVERIFY(h.show());
    QStringList urls;
    for (int i = 0; i < Urls; ++i)
        urls.append(m_server->url(QStringLiteral("/bytes/%1").arg(i))
                        .toString()); // distinct: no duplicates dropped
    h.window->inputPanel()->editor()->setPlainText(urls.join(QLatin1Char('\n')));
    QTest::keyClick(h.editor(), Qt::Key_Return, Qt::ControlModifier);
    QCOMPARE(h.model.rowCount(), Urls);

    int mostActive = 0, mostShown = 0, samples = 0;
    QObject::connect(&h.engine, &FetchEngine::progressUpdated, &h.engine, [&] {
        mostActive = std::max(mostActive, h.engine.activeCount());
        ++samples;
    });
    QObject::connect(h.window.get(), &MainWindow::summaryRefreshed, h.window.get(), [&] {
        mostShown =
            std::max(mostShown, h.summaryValue(QStringLiteral("Active workers"))->text().toInt());
    });
    QVERIFY(h.startAndWaitForTheEnd());
    QVERIFY(samples > 0);
    QVERIFY2(mostActive <= Workers, qPrintable(QString::number(mostActive)));
    QVERIFY2(mostShown <= Workers, qPrintable(QString::number(mostShown)));
    QVERIFY(mostActive > 0);
}

namespace {

// Answers every QMessageBox that opens while it lives with `button`, and keeps its text.
class MessageBoxAnswerer final
{
public:
    Q_DISABLE_COPY_MOVE(MessageBoxAnswerer)
    explicit MessageBoxAnswerer(QMessageBox::StandardButton button)
    {
        constexpr int PollMs = 10;
        m_timer.setInterval(PollMs);
        QObject::connect(&m_timer, &QTimer::timeout, &m_timer, [this, button] {
            auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget());
            if (!box || !box->isVisible())
                return;
            texts.append(box->text());
            if (QAbstractButton *answer = box->button(button))
                answer->click();
            else
                box->reject();
        });
        m_timer.start();
    }

    QStringList texts;

private:
    QTimer m_timer;
};

} // namespace

void TestMainWindow::clearFinishedCanBeUndone()
{
    Harness h;
    QVERIFY(h.show());
    h.typeAndAdd({ m_server->url(QStringLiteral("/bytes/1")).toString(),
                   m_server->url(QStringLiteral("/status/404")).toString(),
                   m_server->url(QStringLiteral("/delay/50/bytes/3")).toString() });
    QSignalSpy finished(&h.engine, &FetchEngine::runFinished);
    h.action("start")->trigger();
    QVERIFY(finished.wait(RunTimeoutMs));
    h.typeAndAdd({ m_server->url(QStringLiteral("/bytes/4")).toString() }); // queued, stays
    QTRY_COMPARE(h.window->summaryPanel()->summary().total, 4);
    const QList<Job> before = h.model.jobs();
    const RunSummary summaryBefore = h.window->summaryPanel()->summary();
    const QString wallBefore = h.summaryValue(QStringLiteral("Wall time"))->text();
    const QString speedupBefore = h.summaryValue(QStringLiteral("Speedup"))->text();

    QAction *undo = h.action("undo");
    QVERIFY(undo);
    QVERIFY(!undo->isEnabled());
    QTest::keyClick(h.window.get(), Qt::Key_Delete, Qt::ControlModifier | Qt::ShiftModifier);
    QCOMPARE(h.model.rowCount(), 1);
    QVERIFY(undo->isEnabled());
    QCOMPARE(undo->text(), QStringLiteral("U&ndo Clear Finished"));
    QCOMPARE(h.window->summaryPanel()->summary().total, 1);

    h.table()->setFocus();
    QTest::keyClick(h.window.get(), Qt::Key_Z, Qt::ControlModifier); // Edit → Undo
    // Every row is back where it was, with its result and times, and the figures are the same.
    QCOMPARE(h.model.rowCount(), 4);
    for (int row = 0; row < 4; ++row) {
        QCOMPARE(h.model.jobAt(row).id, before.at(row).id);
        QCOMPARE(h.model.jobAt(row).state, before.at(row).state);
        QCOMPARE(h.model.jobAt(row).httpStatus, before.at(row).httpStatus);
        QCOMPARE(h.model.jobAt(row).startedAtNs, before.at(row).startedAtNs);
        QCOMPARE(h.model.jobAt(row).finishedAtNs, before.at(row).finishedAtNs);
    }
    const RunSummary summaryAfter = h.window->summaryPanel()->summary();
    QCOMPARE(summaryAfter.total, summaryBefore.total);
    QCOMPARE(summaryAfter.succeeded, summaryBefore.succeeded);
    QCOMPARE(summaryAfter.failed, summaryBefore.failed);
    QCOMPARE(summaryAfter.wallNs, summaryBefore.wallNs);
    QCOMPARE(summaryAfter.serialNs, summaryBefore.serialNs);
    QCOMPARE(h.summaryValue(QStringLiteral("Wall time"))->text(), wallBefore);
    QCOMPARE(h.summaryValue(QStringLiteral("Speedup"))->text(), speedupBefore);
    QCOMPARE(h.proxy()->rowCount(), 4);

    // Redo clears them again; the queued row still runs.
    h.action("redo")->trigger();
    QCOMPARE(h.model.rowCount(), 1);
    h.action("start")->trigger();
    QVERIFY(finished.wait(RunTimeoutMs));
    QCOMPARE(h.model.count(JobState::Succeeded), 1);
}

void TestMainWindow::clearSucceededKeepsTheOtherRows()
{
    Harness h;
    QVERIFY(h.show());
    h.typeAndAdd({ m_server->url(QStringLiteral("/bytes/1")).toString(),
                   m_server->url(QStringLiteral("/status/404")).toString(),
                   m_server->url(QStringLiteral("/bytes/3")).toString() });
    QVERIFY(h.startAndWaitForTheEnd());
    h.typeAndAdd({ m_server->url(QStringLiteral("/bytes/4")).toString() });
    const QList<Job> before = h.model.jobs();

    QAction *clearSucceeded = h.action("clearSucceeded");
    QVERIFY(clearSucceeded);
    QVERIFY(clearSucceeded->isEnabled());
    clearSucceeded->trigger();
    // The failed row and the queued one stay, in their order.
    QCOMPARE(h.model.rowCount(), 2);
    QCOMPARE(h.model.jobAt(0).id, before.at(1).id);
    QCOMPARE(h.model.jobAt(0).state, JobState::Failed);
    QCOMPARE(h.model.jobAt(1).id, before.at(3).id);
    QCOMPARE(h.model.jobAt(1).state, JobState::Queued);
    QVERIFY(!clearSucceeded->isEnabled());
    QCOMPARE(h.summaryValue(QStringLiteral("Done"))->text(),
             QStringLiteral("1 of 2 (0 succeeded, 1 failed, 0 cancelled)"));

    QCOMPARE(h.action("undo")->text(), QStringLiteral("U&ndo Clear Succeeded"));
    h.action("undo")->trigger();
    QCOMPARE(h.model.rowCount(), 4);
    for (int row = 0; row < 4; ++row)
        QCOMPARE(h.model.jobAt(row).id, before.at(row).id);
    QCOMPARE(h.summaryValue(QStringLiteral("Done"))->text(),
             QStringLiteral("3 of 4 (2 succeeded, 1 failed, 0 cancelled)"));
}

void TestMainWindow::retryFailedAndRetryCancelledAreSeparate()
{
    Harness h;
    QVERIFY(h.show());
    h.typeAndAdd({ m_server->url(QStringLiteral("/bytes/10")).toString(),
                   m_server->url(QStringLiteral("/status/404")).toString(),
                   m_server->url(QStringLiteral("/bytes/20")).toString() });
    // The third is cancelled before it starts (Esc on its row).
    h.clickRow(2);
    QTest::keyClick(h.table(), Qt::Key_Escape);
    QCOMPARE(h.model.jobAt(2).state, JobState::Cancelled);
    QSignalSpy finished(&h.engine, &FetchEngine::runFinished);
    h.action("start")->trigger();
    QVERIFY(finished.wait(RunTimeoutMs));
    QCOMPARE(h.model.jobAt(1).state, JobState::Failed);
    QCOMPARE(m_server->requestCount(), qint64(2));

    QAction *retryCancelled = h.action("retryCancelled");
    QVERIFY(retryCancelled);
    QVERIFY(retryCancelled->isEnabled());
    QVERIFY(h.action("retryFailed")->isEnabled());
    QTest::keyClick(h.window.get(), Qt::Key_R,
                    Qt::ControlModifier | Qt::ShiftModifier); // Retry Failed
    QVERIFY(finished.wait(RunTimeoutMs));
    // Only the failed row went again; the cancelled one is still cancelled.
    QCOMPARE(m_server->requestCount(), qint64(3));
    QCOMPARE(h.model.jobAt(2).state, JobState::Cancelled);
    QCOMPARE(h.model.jobAt(1).state, JobState::Failed);
    QVERIFY(retryCancelled->isEnabled());

    retryCancelled->trigger();
    QVERIFY(finished.wait(RunTimeoutMs));
    QCOMPARE(m_server->requestCount(), qint64(4));
    QCOMPARE(h.model.jobAt(2).state, JobState::Succeeded);
    QCOMPARE(h.model.jobAt(1).attempts, 1); // not retried this time
    QVERIFY(!retryCancelled->isEnabled());
    compareTableAndSummary(h);
}

void TestMainWindow::openSavedRunAsksBeforeDroppingUnexportedResults()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    const QString path = dir.filePath(QStringLiteral("saved.json"));
    Harness h;
    QVERIFY(h.show());
    h.typeAndAdd({ m_server->url(QStringLiteral("/bytes/1")).toString(),
                   m_server->url(QStringLiteral("/bytes/2")).toString() });
    QSignalSpy finished(&h.engine, &FetchEngine::runFinished);
    h.action("start")->trigger();
    QVERIFY(finished.wait(RunTimeoutMs));
    QString error;
    QVERIFY2(h.window->exportTo(path, &error), qPrintable(error));
    {
        // Exported: nothing to ask.
        MessageBoxAnswerer answerer(QMessageBox::Cancel);
        QVERIFY(h.window->openRun(path));
        QCOMPARE(answerer.texts, QStringList());
    }

    h.typeAndAdd({ m_server->url(QStringLiteral("/bytes/3")).toString() });
    h.action("start")->trigger();
    QVERIFY(finished.wait(RunTimeoutMs));
    QCOMPARE(h.model.rowCount(), 3);
    {
        MessageBoxAnswerer answerer(QMessageBox::Cancel);
        QVERIFY(!h.window->openRun(path));
        QCOMPARE(answerer.texts.size(), 1);
        QVERIFY2(answerer.texts.constFirst().contains(QLatin1String("have not been exported")),
                 qPrintable(answerer.texts.constFirst()));
        QCOMPARE(h.model.rowCount(), 3); // kept
        QVERIFY(h.model.jobAt(2).url.path().endsWith(QLatin1String("/bytes/3")));
    }
    {
        MessageBoxAnswerer answerer(QMessageBox::Discard);
        QVERIFY(h.window->openRun(path));
        QCOMPARE(answerer.texts.size(), 1);
        QCOMPARE(h.model.rowCount(), 2); // the saved run
    }
}

void TestMainWindow::filterByStatus_data()
{
    QTest::addColumn<QString>("shown"); // as the combo box says it
    QTest::addColumn<QList<int>>("expected"); // source rows, in order

    // Rows: 0 done, 1 failed, 2 cancelled, 3 running, 4 queued, 5 done.
    QTest::newRow("All: every row") << QStringLiteral("All") << QList<int> { 0, 1, 2, 3, 4, 5 };
    QTest::newRow("Active: queued and running") << QStringLiteral("Active") << QList<int> { 3, 4 };
    QTest::newRow("Queued: not yet started") << QStringLiteral("Queued") << QList<int> { 4 };
    QTest::newRow("Running: in flight") << QStringLiteral("Running") << QList<int> { 3 };
    QTest::newRow("Done: succeeded") << QStringLiteral("Done") << QList<int> { 0, 5 };
    QTest::newRow("Failed: not the cancelled one") << QStringLiteral("Failed") << QList<int> { 1 };
    QTest::newRow("Cancelled: only that one") << QStringLiteral("Cancelled") << QList<int> { 2 };
}

void TestMainWindow::filterByStatus()
{
    QFETCH(QString, shown);
    QFETCH(QList<int>, expected);
    Harness h;
    QVERIFY(h.show());
    QStringList lines;
    for (int i = 0; i < 6; ++i)
        lines.append(QStringLiteral("http://127.0.0.1:1/%1").arg(i)); // never fetched
    h.typeAndAdd(lines);
    QCOMPARE(h.model.rowCount(), 6);
    const auto finish = [&h](int row, JobState state) {
        Job job = h.model.jobAt(row);
        job.state = state;
        job.startedAtNs = 1000;
        job.finishedAtNs = 2000;
        h.model.finishJob(job);
    };
    finish(0, JobState::Succeeded);
    finish(1, JobState::Failed);
    h.model.markCancelled(h.model.jobAt(2).id, 1000);
    h.model.markRunning(h.model.jobAt(3).id, 1000, 0);
    finish(5, JobState::Succeeded);

    QComboBox *box = h.window->statusFilterBox();
    const int index = box->findText(shown);
    QVERIFY2(index >= 0, qPrintable(shown));
    box->setCurrentIndex(index);
    QList<int> rows;
    for (int row = 0; row < h.proxy()->rowCount(); ++row)
        rows.append(h.proxy()->mapToSource(h.proxy()->index(row, 0)).row());
    QCOMPARE(rows, expected);
    QCOMPARE(box->count(), 7);
}

void TestMainWindow::baselineCanBeStopped_data()
{
    QTest::addColumn<QString>("how");
    QTest::newRow("Esc, with the table focused") << QStringLiteral("esc");
    QTest::newRow("Cancel All (Ctrl+.)") << QStringLiteral("cancelAll");
    QTest::newRow("Run → Stop Baseline") << QStringLiteral("menu");
}

void TestMainWindow::baselineCanBeStopped()
{
    QFETCH(QString, how);
    Harness h;
    QVERIFY(h.show());
    h.typeAndAdd(
        { m_server->url(QStringLiteral("/delay/%1/bytes/1").arg(SlowDelayMs)).toString(),
          m_server->url(QStringLiteral("/delay/%1/bytes/2").arg(SlowDelayMs)).toString() });
    QSignalSpy measured(h.window->baselineRunner(), &BaselineRunner::finished);
    QTest::keyClick(h.window.get(), Qt::Key_B, Qt::ControlModifier); // Measure Serial Baseline
    QTRY_COMPARE(m_server->inFlight(), 1);
    QVERIFY(h.window->baselineRunner()->isRunning());
    QAction *stop = h.action("stopBaseline");
    QVERIFY(stop);
    QVERIFY(stop->isEnabled());
    QVERIFY(h.action("cancelAll")->isEnabled());

    if (how == QLatin1String("esc")) {
        h.table()->setFocus();
        QTest::keyClick(h.table(), Qt::Key_Escape);
    } else if (how == QLatin1String("cancelAll")) {
        QTest::keyClick(h.window.get(), Qt::Key_Period, Qt::ControlModifier);
    } else {
        QMenu *run = nullptr;
        for (QAction *menu : h.window->menuBar()->actions()) {
            if (menu->menu() && menu->menu()->actions().contains(stop))
                run = menu->menu();
        }
        QVERIFY(run);
        stop->trigger();
    }

    QTRY_VERIFY(!h.window->baselineRunner()->isRunning());
    QCOMPARE(measured.count(), 1);
    QCOMPARE(measured.constFirst().at(1).toBool(), false);
    QTRY_COMPARE(m_server->inFlight(), 0);
    QCOMPARE(m_server->requestCount(), qint64(1)); // the second URL never went
    QCOMPARE(h.summaryValue(QStringLiteral("Serial baseline"))->text(),
             QStringLiteral("not measured"));
    QVERIFY(!stop->isEnabled());
    QVERIFY(h.action("measureBaseline")->isEnabled());
    // Esc is the table's again: it cancels the selected rows.
    QCOMPARE(h.action("cancelSelected")->shortcut(), QKeySequence(Qt::Key_Escape));
    // Stopping the baseline leaves the user's queue alone; Cancel All cancels that as well.
    QCOMPARE(
        h.model.count(how == QLatin1String("cancelAll") ? JobState::Cancelled : JobState::Queued),
        2);
}

void TestMainWindow::baselineSaysHowLongItWillTake()
{
    Harness h(2);
    QVERIFY(h.show());
    h.typeAndAdd({ m_server->url(QStringLiteral("/delay/300/bytes/1")).toString(),
                   m_server->url(QStringLiteral("/delay/300/bytes/2")).toString() });
    // Nothing fetched yet: nothing can tell.
    QSignalSpy measured(h.window->baselineRunner(), &BaselineRunner::finished);
    h.action("measureBaseline")->trigger();
    QString said = h.window->statusBar()->currentMessage();
    QVERIFY2(said.contains(QLatin1String("2 URL(s)")) && said.contains(QStringLiteral("–")),
             qPrintable(said));
    QVERIFY(measured.wait(RunTimeoutMs));

    // After a run, from the URLs' measured times: two of them, one after the other.
    QVERIFY(h.startAndWaitForTheEnd());
    const qint64 serialNs = h.model.jobAt(0).durationNs() + h.model.jobAt(1).durationNs();
    h.action("measureBaseline")->trigger();
    said = h.window->statusBar()->currentMessage();
    QVERIFY2(said.contains(formatRemaining(serialNs)), qPrintable(said));
    QVERIFY2(said.contains(QLatin1String("Esc")), qPrintable(said));
    QVERIFY(measured.wait(RunTimeoutMs));
}

void TestMainWindow::cancelAllStopsTheSweep()
{
    Harness h;
    QVERIFY(h.show());
    h.typeAndAdd(
        { m_server->url(QStringLiteral("/delay/%1/bytes/1").arg(SlowDelayMs)).toString() });
    h.window->findChild<QAction *>(QStringLiteral("concurrencySweep"))->trigger();
    SweepDialog *dialog = h.window->sweepDialog();
    QVERIFY(dialog);
    dialog->setMaxConcurrency(2);
    QSignalSpy done(dialog, &SweepDialog::sweepFinished);
    dialog->startSweep();
    QTRY_COMPARE(m_server->inFlight(), 1);
    QVERIFY(h.action("cancelAll")->isEnabled());

    h.action("cancelAll")->trigger();
    QVERIFY(done.count() > 0 || done.wait(RunTimeoutMs));
    QCOMPARE(done.constFirst().constFirst().toBool(), false);
    QVERIFY(dialog->isPartial());
    QVERIFY(dialog->isVisible()); // what it measured stays on screen
    QTRY_COMPARE(m_server->inFlight(), 0);
    QVERIFY(!h.action("cancelAll")->isEnabled());
}

// Layout requests travel as posted events: deliver them all before measuring.
static void settleLayout()
{
    constexpr int Rounds = 4;
    for (int i = 0; i < Rounds; ++i)
        QCoreApplication::processEvents();
}

void TestMainWindow::firstWindowFitsTheScreen()
{
    // The offscreen screen is 800×600: the default 1280×800 does not fit, so the window opens
    // maximised within it instead of running off its bottom.
    Harness h;
    QVERIFY(h.show());
    const QRect available = h.window->screen()->availableGeometry();
    QTRY_VERIFY2(available.contains(h.window->frameGeometry()),
                 qPrintable(QStringLiteral("window %1×%2 at %3,%4 on a screen of %5×%6")
                                .arg(h.window->frameGeometry().width())
                                .arg(h.window->frameGeometry().height())
                                .arg(h.window->frameGeometry().x())
                                .arg(h.window->frameGeometry().y())
                                .arg(available.width())
                                .arg(available.height())));
    QVERIFY(h.window->isMaximized() || h.window->size() == QSize(1280, 800));
    QVERIFY(h.window->statusBar()->isVisible());
}

void TestMainWindow::restoredGeometryLargerThanTheScreenIsClamped()
{
    {
        Harness big;
        big.window->setWindowState(Qt::WindowNoState);
        big.window->resize(3000, 2000);
        QSettings().setValue(QStringLiteral("window/geometry"), big.window->saveGeometry());
    }
    Harness h;
    QVERIFY(h.show());
    const QRect available = h.window->screen()->availableGeometry();
    QTRY_VERIFY2(available.contains(h.window->frameGeometry()),
                 qPrintable(QStringLiteral("%1×%2")
                                .arg(h.window->frameGeometry().width())
                                .arg(h.window->frameGeometry().height())));
}

void TestMainWindow::smallScreenShowsTheErrorColumnAndDetails_data()
{
    QTest::addColumn<QSize>("screen");
    QTest::addColumn<bool>("saving"); // bodies saved: Saved As waits in View, as it is optional
    QTest::newRow("1366x768") << QSize(1366, 768) << false;
    QTest::newRow("1280x720") << QSize(1280, 720) << false;
    QTest::newRow("1366x768, saving bodies") << QSize(1366, 768) << true;
}

void TestMainWindow::smallScreenShowsTheErrorColumnAndDetails()
{
    QFETCH(QSize, screen);
    QFETCH(bool, saving);
    // Maximised on that screen, less a title bar and a panel.
    constexpr int TitleBarAndPanel = 60;
    const QSize client(screen.width(), screen.height() - TitleBarAndPanel);
    QTemporaryDir out;
    QVERIFY(out.isValid());
    Harness h;
    if (saving) { // as `parafetch -o DIR` starts the window
        FetchOptions options = h.engine.options();
        options.outputDirectory = out.path();
        h.window->setFetchOptions(options);
    }
    h.window->setWindowState(Qt::WindowNoState);
    h.window->resize(client);
    QVERIFY(h.show());
    QTRY_COMPARE(h.window->size(), client); // not held bigger by the layout's minimum
    h.typeAndAdd(delayedUrls(20, 1));
    h.typeAndAdd({ refusedUrl().toString() });
    QVERIFY(h.startAndWaitForTheEnd());
    h.clickRow(h.proxy()->rowCount() - 1);
    settleLayout();
    DetailPane *details = h.window->detailPane();
    const QFontMetrics metrics = details->fontMetrics();
    const int rowHeight = h.table()->verticalHeader()->defaultSectionSize();
    qInfo("%s: Error column at %d of a %d-pixel table; details %d chars × %d lines; table %d rows, "
          "waterfall %d rows",
          QTest::currentDataTag(),
          h.table()->horizontalHeader()->sectionViewportPosition(JobQueueModel::ErrorColumn),
          h.table()->viewport()->width(), details->viewport()->width() / metrics.averageCharWidth(),
          details->viewport()->height() / metrics.lineSpacing(),
          h.table()->viewport()->height() / rowHeight,
          h.window->waterfallView()->height() / rowHeight);

    // The Error column starts inside the table's viewport and has room to say something.
    QHeaderView *header = h.table()->horizontalHeader();
    const int errorLeft = header->sectionViewportPosition(JobQueueModel::ErrorColumn);
    const int readableError = 20 * h.table()->fontMetrics().averageCharWidth();
    QVERIFY2(errorLeft >= 0 && errorLeft + readableError <= h.table()->viewport()->width(),
             qPrintable(QStringLiteral("Error column at %1 in a viewport %2 wide")
                            .arg(errorLeft)
                            .arg(h.table()->viewport()->width())));
    // The details of the selected row have room for whole lines.
    QVERIFY(details->isVisible());
    QVERIFY2(details->viewport()->width() >= 40 * metrics.averageCharWidth()
                 && details->viewport()->height() >= 8 * metrics.lineSpacing(),
             qPrintable(QStringLiteral("details %1×%2")
                            .arg(details->viewport()->width())
                            .arg(details->viewport()->height())));
    // The table has room for rows, the waterfall for lanes, the status bar is in the window.
    QVERIFY2(h.table()->viewport()->height() >= 8 * rowHeight,
             qPrintable(QString::number(h.table()->viewport()->height())));
    QVERIFY(h.window->waterfallView()->isVisible());
    QVERIFY2(h.window->waterfallView()->height() >= 5 * rowHeight,
             qPrintable(QStringLiteral("waterfall %1, table %2, rows of %3")
                            .arg(h.window->waterfallView()->height())
                            .arg(h.table()->viewport()->height())
                            .arg(rowHeight)));
    QVERIFY(h.window->statusBar()->isVisible());
    QVERIFY(h.window->rect().contains(h.window->statusBar()->geometry()));
}

void TestMainWindow::oldSavedLayoutDoesNotOverrideTheNewOne()
{
    {
        // A state saved before Details moved under the waterfall: Details under the summary.
        Harness old;
        auto *details = old.window->findChild<QDockWidget *>(QStringLiteral("detailsDock"));
        old.window->addDockWidget(Qt::RightDockWidgetArea, details);
        QSettings().setValue(QStringLiteral("window/state"), old.window->saveState());
    }
    {
        Harness h;
        QVERIFY(h.show());
        auto *details = h.window->findChild<QDockWidget *>(QStringLiteral("detailsDock"));
        QCOMPARE(h.window->dockWidgetArea(details), Qt::BottomDockWidgetArea);
        // A state saved by this layout is kept: the person's choice survives.
        h.window->findChild<QDockWidget *>(QStringLiteral("summaryDock"))->hide();
        h.window->close();
    }
    Harness next;
    QVERIFY(next.show());
    QVERIFY(!next.window->findChild<QDockWidget *>(QStringLiteral("summaryDock"))->isVisible());
    QCOMPARE(next.window->dockWidgetArea(
                 next.window->findChild<QDockWidget *>(QStringLiteral("detailsDock"))),
             Qt::BottomDockWidgetArea);
}

void TestMainWindow::summaryWidthDoesNotFollowTheFigures()
{
    Harness h;
    QVERIFY(h.show());
    auto *dock = h.window->findChild<QDockWidget *>(QStringLiteral("summaryDock"));
    QVERIFY(dock);
    SummaryPanel *panel = h.window->summaryPanel();
    settleLayout();
    const int width = dock->width();

    RunSummary large;
    large.total = HundredThousand;
    large.succeeded = HundredThousand - 9'999;
    large.failed = 9'998;
    large.cancelled = 1;
    large.bytes = Q_INT64_C(987'654'321'098);
    large.wallNs = Q_INT64_C(98'765'432'109'876);
    large.serialNs = Q_INT64_C(9'876'543'210'987);
    large.p50Ns = large.p90Ns = large.p99Ns = Q_INT64_C(9'876'543'210'987);
    panel->setSummary(large, FetchOptions::MaxConcurrency, true);
    settleLayout();
    QCOMPARE(dock->width(), width);
    // And the figures are whole, not cut at the fixed width.
    for (const char *name : { "Active workers", "Received", "Throughput", "Wall time",
                              "Serial estimate", "Speedup" }) {
        QLabel *value = h.summaryValue(QLatin1String(name));
        QVERIFY2(value, name);
        QVERIFY2(value->sizeHint().width() <= value->width(),
                 qPrintable(QStringLiteral("%1: \"%2\" needs %3, has %4")
                                .arg(QLatin1String(name), value->text())
                                .arg(value->sizeHint().width())
                                .arg(value->width())));
    }

    panel->setSummary({}, 0, false);
    settleLayout();
    QCOMPARE(dock->width(), width);
}

void TestMainWindow::problemsShowOnlyWhenThereAreSome()
{
    Harness h;
    QVERIFY(h.show());
    auto *problems = h.window->inputPanel()->findChild<QListView *>();
    QVERIFY(problems);
    QVERIFY(!problems->isVisible());
    settleLayout();
    const int emptyQueueEditor = h.editor()->height();
    const int emptyQueueTable = h.table()->height();

    h.typeAndAdd({ m_server->url(QStringLiteral("/bytes/1")).toString() });
    QCOMPARE(h.model.rowCount(), 1);
    QVERIFY(!problems->isVisible());
    // Once the list is in, the paste area is a few lines and the table has the room.
    settleLayout();
    QVERIFY2(
        h.editor()->height() < emptyQueueEditor,
        qPrintable(QStringLiteral("%1 then %2").arg(emptyQueueEditor).arg(h.editor()->height())));
    QVERIFY(h.editor()->height()
            <= 4 * h.editor()->fontMetrics().lineSpacing() + 4 * h.editor()->frameWidth() + 8);
    QVERIFY2(h.table()->height() > emptyQueueTable,
             qPrintable(
                 QStringLiteral("table %1 then %2").arg(emptyQueueTable).arg(h.table()->height())));

    h.typeAndAdd({ QStringLiteral("ftp://not.fetched.example/file") });
    QVERIFY(problems->isVisible());
    QCOMPARE(h.window->inputPanel()->problemLines().size(), 1);
    h.editor()->clear(); // the bad line stays in the paste area until it is fixed or removed
    h.typeAndAdd({ m_server->url(QStringLiteral("/bytes/2")).toString() });
    QVERIFY(!problems->isVisible());
    QCOMPARE(h.model.rowCount(), 2);
}

void TestMainWindow::tabAndShiftTabLeaveTheTable()
{
    Harness h;
    QVERIFY(h.show());
    h.typeAndAdd({ m_server->url(QStringLiteral("/bytes/1")).toString(),
                   m_server->url(QStringLiteral("/bytes/2")).toString() });
    h.table()->setFocus();
    h.clickRow(0);
    QTRY_VERIFY(h.table()->hasFocus());
    QTest::keyClick(h.table(), Qt::Key_Tab);
    QTRY_VERIFY(!h.table()->hasFocus());

    h.table()->setFocus();
    QTRY_VERIFY(h.table()->hasFocus());
    QTest::keyClick(h.table(), Qt::Key_Backtab, Qt::ShiftModifier);
    QTRY_VERIFY(!h.table()->hasFocus());
}

void TestMainWindow::ctrlCommaOpensSettings()
{
    Harness h;
    QVERIFY(h.show());
    // Given, not QKeySequence::Preferences: that one is empty without a desktop environment.
    QCOMPARE(h.action("settings")->shortcut(), QKeySequence(Qt::CTRL | Qt::Key_Comma));
    QString opened;
    whenModalOpens(
        [&opened](QWidget *widget) { opened = QLatin1String(widget->metaObject()->className()); });
    h.table()->setFocus();
    QTest::keyClick(h.window.get(), Qt::Key_Comma, Qt::ControlModifier);
    QTRY_COMPARE(opened, QStringLiteral("Parafetch::SettingsDialog"));
}

void TestMainWindow::addToQueueIsInAMenuWithItsKey()
{
    Harness h;
    QVERIFY(h.show());
    QAction *add = h.action("addToQueue");
    QVERIFY(add);
    QMenu *file = h.window->menuBar()->actions().constFirst()->menu();
    QCOMPARE(file->title(), QStringLiteral("&File"));
    QVERIFY(file->actions().contains(add));
    QVERIFY(add->shortcuts().contains(QKeySequence(Qt::CTRL | Qt::Key_Return)));
    QVERIFY(add->shortcuts().contains(QKeySequence(Qt::CTRL | Qt::Key_Enter)));
    QVERIFY(add->toolTip().contains(
        QKeySequence(Qt::CTRL | Qt::Key_Return).toString(QKeySequence::NativeText)));

    h.editor()->setFocus();
    h.editor()->setPlainText(m_server->url(QStringLiteral("/bytes/1")).toString());
    QTest::keyClick(h.editor(), Qt::Key_Enter, Qt::ControlModifier);
    QCOMPARE(h.model.rowCount(), 1);
    h.editor()->setPlainText(m_server->url(QStringLiteral("/bytes/2")).toString());
    QTest::keyClick(h.editor(), Qt::Key_Return, Qt::ControlModifier);
    QCOMPARE(h.model.rowCount(), 2);
    h.editor()->setPlainText(m_server->url(QStringLiteral("/bytes/3")).toString());
    add->trigger(); // the menu item
    QCOMPARE(h.model.rowCount(), 3);
    QVERIFY(h.editor()->toPlainText().isEmpty());
}

void TestMainWindow::shortcutsListShowsEveryKey()
{
    Harness h;
    QVERIFY(h.show());
    QAction *open = h.action("keyboardShortcuts");
    QVERIFY(open);
    QList<QStringList> rows;
    whenModalOpens([&rows](QWidget *widget) {
        auto *list = widget->findChild<QTreeWidget *>();
        if (!list)
            return;
        for (int i = 0; i < list->topLevelItemCount(); ++i) {
            const QTreeWidgetItem *item = list->topLevelItem(i);
            rows.append({ item->text(0), item->text(1), item->text(2) });
        }
    });
    open->trigger();
    QVERIFY(!rows.isEmpty());

    // Every key of every action of the window is listed with its action's name.
    int keyed = 0;
    for (const QAction *action : h.window->findChildren<QAction *>()) {
        if (action->shortcuts().isEmpty())
            continue;
        ++keyed;
        QString name = action->text().remove(QLatin1Char('&'));
        if (name.endsWith(QChar(0x2026)))
            name.chop(1);
        for (const QKeySequence &keys : action->shortcuts()) {
            const QString text = keys.toString(QKeySequence::NativeText);
            const bool listed =
                std::any_of(rows.cbegin(), rows.cend(), [&](const QStringList &row) {
                    return row.at(0) == name
                        && row.at(1).split(QStringLiteral(", ")).contains(text);
                });
            QVERIFY2(listed, qPrintable(name + QStringLiteral(": ") + text));
        }
    }
    QCOMPARE(rows.size(), keyed);
    // The ones a person looks for, and the waterfall's zoom keys with where they work.
    const auto row = [&rows](const QString &action) {
        for (const QStringList &row : rows) {
            if (row.at(0) == action)
                return row;
        }
        return QStringList();
    };
    QVERIFY(row(QStringLiteral("Start")).value(1).contains(QLatin1String("F5")));
    QVERIFY(
        row(QStringLiteral("Settings"))
            .value(1)
            .contains(QKeySequence(Qt::CTRL | Qt::Key_Comma).toString(QKeySequence::NativeText)));
    QVERIFY(
        row(QStringLiteral("Add to Queue"))
            .value(1)
            .contains(QKeySequence(Qt::CTRL | Qt::Key_Return).toString(QKeySequence::NativeText)));
    const QStringList zoomIn = row(QStringLiteral("Zoom In"));
    QVERIFY2(zoomIn.value(1).split(QStringLiteral(", ")).contains(QStringLiteral("+")),
             qPrintable(zoomIn.join(QLatin1Char('|'))));
    QVERIFY2(zoomIn.value(2).contains(QLatin1String("Waterfall")),
             qPrintable(zoomIn.join(QLatin1Char('|'))));
    QVERIFY(row(QStringLiteral("Copy URL")).value(2).contains(QLatin1String("Queue")));

    // The zoom keys work in the waterfall.
    h.window->activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(h.window.get()));
    h.window->waterfallView()->setFocus();
    QTRY_VERIFY(h.window->waterfallView()->hasFocus());
    QVERIFY(h.window->waterfallView()->isFitting());
    QTest::keyClick(h.window->waterfallView(), Qt::Key_Plus);
    QVERIFY(!h.window->waterfallView()->isFitting());
    QTest::keyClick(h.window->waterfallView(), Qt::Key_0);
    QVERIFY(h.window->waterfallView()->isFitting());
}

void TestMainWindow::openInBrowserFailureIsShownInTheWindow()
{
    // The offscreen platform has no desktop services: QDesktopServices::openUrl() fails.
    if (QGuiApplication::platformName() != QLatin1String("offscreen"))
        QSKIP("needs a platform on which no browser can be started");
    Harness h;
    QVERIFY(h.show());
    const QString url = m_server->url(QStringLiteral("/bytes/1")).toString();
    h.typeAndAdd({ url });
    h.clickRow(0);
    QTRY_COMPARE(h.table()->selectionModel()->selectedRows().size(), 1);
    QString said;
    whenModalOpens([&said](QWidget *widget) {
        if (auto *box = qobject_cast<QMessageBox *>(widget))
            said = box->text();
    });
    h.action("openInBrowser")->trigger();
    QTRY_VERIFY(!said.isEmpty());
    QVERIFY2(said.contains(url), qPrintable(said));
}

void TestMainWindow::openFileAndItsFolder()
{
    QTemporaryDir out;
    QVERIFY(out.isValid());
    OpenedUrls desktop;
    QDesktopServices::setUrlHandler(QStringLiteral("file"), &desktop, "open");
    const auto unset =
        qScopeGuard([] { QDesktopServices::unsetUrlHandler(QStringLiteral("file")); });
    Harness h;
    FetchOptions options = h.engine.options();
    options.outputDirectory = out.path();
    h.engine.setOptions(options);
    QVERIFY(h.show());
    h.typeAndAdd({ m_server->url(QStringLiteral("/typed/report?type=application%2Fpdf")).toString(),
                   m_server->url(QStringLiteral("/status/404")).toString() });
    QVERIFY(h.startAndWaitForTheEnd());
    const QString saved = out.filePath(QStringLiteral("report.pdf"));
    QCOMPARE(h.model.jobAt(0).savedPath(), saved);

    // The Saved As column, when shown, names the file.
    h.action("showSavedAsColumn")->setChecked(true);
    QCOMPARE(h.proxy()->index(0, JobQueueModel::SavedAsColumn).data().toString(),
             QStringLiteral("report.pdf"));

    h.clickRow(0);
    QTRY_COMPARE(h.table()->selectionModel()->selectedRows().size(), 1);
    h.action("openFile")->trigger();
    h.action("openFolder")->trigger();
    QCOMPARE(desktop.urls,
             QList<QUrl>({ QUrl::fromLocalFile(saved), QUrl::fromLocalFile(out.path()) }));

    // The failed URL saved nothing: said, nothing opened.
    h.clickRow(1);
    h.window->statusBar()->clearMessage();
    h.action("openFile")->trigger();
    QVERIFY2(h.window->statusBar()->currentMessage().contains(QLatin1String("Nothing was saved")),
             qPrintable(h.window->statusBar()->currentMessage()));

    // A file removed since, or a link put in its place, is not opened.
    h.clickRow(0);
    QVERIFY(QFile::remove(saved));
    QVERIFY(QFile::link(QStringLiteral("/etc/hostname"), saved));
    h.window->statusBar()->clearMessage();
    h.action("openFile")->trigger();
    QVERIFY2(h.window->statusBar()->currentMessage().contains(QLatin1String("no longer there")),
             qPrintable(h.window->statusBar()->currentMessage()));
    QCOMPARE(desktop.urls.size(), 2);
}

void TestMainWindow::onCompleteRunsForEachFinishedUrl()
{
    QTemporaryDir out;
    QVERIFY(out.isValid());
    Harness h;
    FetchOptions options = h.engine.options();
    options.outputDirectory = out.path();
    // What `parafetch --on-complete CMD` gives the window.
    options.onComplete = QStringLiteral("sh -c 'echo \"$PARAFETCH_STATUS $PARAFETCH_PATH\" >> "
                                        "\"$0/hooks.log\"' ")
        + out.path();
    h.window->setFetchOptions(options);
    QVERIFY(h.show());
    h.typeAndAdd({ m_server->url(QStringLiteral("/bytes/5")).toString(),
                   m_server->url(QStringLiteral("/status/500")).toString() });
    QVERIFY(h.startAndWaitForTheEnd());
    QFile log(out.filePath(QStringLiteral("hooks.log")));
    QTRY_VERIFY(log.size() > 0 && QByteArray(log.fileName().toUtf8()).size() > 0 && [&log] {
        QFile read(log.fileName());
        return read.open(QIODevice::ReadOnly) && read.readAll().count('\n') == 2;
    }());
    QVERIFY(log.open(QIODevice::ReadOnly));
    QStringList lines = QString::fromUtf8(log.readAll()).split(u'\n', Qt::SkipEmptyParts);
    lines.sort();
    QCOMPARE(lines,
             QStringList({ QStringLiteral("failed "),
                           QStringLiteral("succeeded ") + out.filePath(QStringLiteral("5")) }));
    // Settings keep the command (the dialog shows it as given): it still runs after OK.
    whenModalOpens([](QWidget *widget) {
        if (auto *dialog = qobject_cast<QDialog *>(widget))
            dialog->accept();
    });
    h.action("settings")->trigger();
    QCOMPARE(h.engine.options().onComplete, options.onComplete);
}

// What the Settings dialog holds when it opens from the window: a field is filled in, then OK.
static void whenSettingsOpenSet(const char *field, const QString &text)
{
    whenModalOpens([field, text](QWidget *widget) {
        auto *dialog = qobject_cast<SettingsDialog *>(widget);
        QVERIFY(dialog);
        auto *edit = dialog->findChild<QLineEdit *>(QLatin1String(field));
        QVERIFY(edit);
        edit->setText(text);
        QVERIFY2(dialog->problems().isEmpty(), qPrintable(dialog->problems().join(u'\n')));
        dialog->accept();
    });
}

// The lines a completion command has appended to a file so far, sorted.
static QStringList sortedLines(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    QStringList lines = QString::fromUtf8(file.readAll()).split(u'\n', Qt::SkipEmptyParts);
    lines.sort();
    return lines;
}

void TestMainWindow::onCompleteFromSettingsRunsAndTheCommandLineWins()
{
    QTemporaryDir out;
    QVERIFY(out.isValid());
    const QString log = out.filePath(QStringLiteral("hooks.log"));
    const auto appending = [&out](const char *who) {
        return QStringLiteral("sh -c 'echo %1 \"$PARAFETCH_STATUS\" >> \"$0/hooks.log\"' %2")
            .arg(QLatin1String(who), out.path());
    };
    const QString fromSettings = appending("settings");
    {
        Harness h;
        QVERIFY(h.show());
        whenSettingsOpenSet("onComplete", fromSettings);
        h.action("settings")->trigger();
        QVERIFY(h.show()); // active again, for the keys that add the list
        QCOMPARE(h.engine.options().onComplete, fromSettings);
        QCOMPARE(QSettings().value(QStringLiteral("fetch/onComplete")).toString(), fromSettings);
        h.typeAndAdd({ m_server->url(QStringLiteral("/bytes/5")).toString(),
                       m_server->url(QStringLiteral("/status/500")).toString() });
        QVERIFY(h.startAndWaitForTheEnd());
        QTRY_COMPARE(sortedLines(log),
                     QStringList({ QStringLiteral("settings failed"),
                                   QStringLiteral("settings succeeded") }));
    }
    QVERIFY(QFile::remove(log));

    // The next start reads the stored command; one given on the command line wins for that
    // session, as every option the command line gives does (app/windowmain.cpp hands the window
    // the command line's options after the stored ones).
    Harness h;
    FetchOptions commandLine = h.engine.options();
    commandLine.onComplete = appending("commandline");
    h.window->setFetchOptions(commandLine);
    QVERIFY(h.show());
    h.typeAndAdd({ m_server->url(QStringLiteral("/bytes/7")).toString() });
    QVERIFY(h.startAndWaitForTheEnd());
    QTRY_COMPARE(sortedLines(log), QStringList { QStringLiteral("commandline succeeded") });
}

void TestMainWindow::checksumsFileFromSettingsFailsAMismatch()
{
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    // What sha256sum wrote over the files "100" and "200", as the loopback server sends them;
    // but "200" then held another body.
    const QString sums = dir.filePath(QStringLiteral("SHA256SUMS"));
    const auto writeSums = [&sums](qint64 sizeFor200) {
        QFile file(sums);
        if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate))
            return false;
        const QByteArray text = LoopbackServer::expectedSha256(100).toHex() + "  100\n"
            + LoopbackServer::expectedSha256(sizeFor200).toHex() + "  200\n";
        return file.write(text) == text.size();
    };
    QVERIFY(writeSums(201));
    {
        Harness h;
        QVERIFY(h.show());
        whenSettingsOpenSet("checksumsFile", sums);
        h.action("settings")->trigger();
        QVERIFY(h.show()); // active again, for the keys that add the list
        QCOMPARE(h.engine.options().checksumsFile, sums);
        QVERIFY(h.engine.options().checksumsByName);
        h.typeAndAdd({ m_server->url(QStringLiteral("/bytes/100")).toString(),
                       m_server->url(QStringLiteral("/bytes/200")).toString() });
        QVERIFY(h.startAndWaitForTheEnd());
        QCOMPARE(stateName(h.model.jobAt(0).state), stateName(JobState::Succeeded));
        QVERIFY(h.model.jobAt(0).isVerified());
        const Job mismatched = h.model.jobAt(1);
        QCOMPARE(stateName(mismatched.state), stateName(JobState::Failed));
        QCOMPARE(errorKindName(mismatched.errorKind), errorKindName(ErrorKind::ChecksumMismatch));
        QCOMPARE(mismatched.errorString(),
                 QStringLiteral("checksum mismatch: expected %1, got %2")
                     .arg(QString::fromLatin1(LoopbackServer::expectedSha256(201).toHex()),
                          QString::fromLatin1(LoopbackServer::expectedSha256(200).toHex())));
    }
    QCOMPARE(QSettings().value(QStringLiteral("fetch/checksumsFile")).toString(), sums);

    // The file is read again at the next start: a corrected one is what that run checks with.
    QVERIFY(writeSums(200));
    JobQueueModel model;
    FetchEngine engine(&model);
    MainWindow fresh(&model, &engine);
    QCOMPARE(engine.options().checksumsFile, sums);
    QVERIFY(engine.options().checksumsByName);
    QCOMPARE(engine.options().checksumsByName->value(QStringLiteral("200")).toHex(),
             LoopbackServer::expectedSha256(200).toHex());
}

void TestMainWindow::pacingIsSaidInTheSummary()
{
    Harness h;
    QVERIFY(h.show());
    auto *paced = h.window->summaryPanel()->findChild<QLabel *>(QStringLiteral("requestPacing"));
    QVERIFY(paced);
    h.window->refreshSummary();
    QVERIFY(!paced->isVisible());
    FetchOptions options = h.engine.options();
    options.startIntervalNs = 50'000'000; // --rate 20/s
    options.perHostIntervalNs = 2'000'000'000; // --per-host-interval 2
    h.window->setFetchOptions(options);
    QTRY_VERIFY(paced->isVisible());
    QCOMPARE(paced->text(),
             QStringLiteral("Paced: at most 20/s URLs started, one start per host "
                            "every 2.000 s"));
    options.startIntervalNs = 0;
    options.perHostIntervalNs = 0;
    h.window->setFetchOptions(options);
    QTRY_VERIFY(!paced->isVisible());
}

// "Why not faster?" under the summary once a run is over: here one URL of 20 is held for a
// second by the server, so it sets the wall time; the next run's start clears the verdict.
void TestMainWindow::verdictNamesTheStragglerWhenTheRunEnds()
{
    Harness h(4);
    QVERIFY(h.show());
    auto *verdict = h.window->summaryPanel()->findChild<QLabel *>(QStringLiteral("verdict"));
    QVERIFY(verdict);
    QVERIFY(!verdict->isVisible());
    QStringList urls;
    for (int i = 0; i < 20; ++i)
        urls << m_server->url(QStringLiteral("/bytes/%1").arg(100 + i)).toString();
    urls << m_server->url(QStringLiteral("/delay/1000/bytes/7")).toString();
    h.typeAndAdd(urls);
    QVERIFY(h.startAndWaitForTheEnd());
    QVERIFY(verdict->isVisible());
    QVERIFY2(verdict->text().contains(QLatin1String("One URL set most of the wall time")),
             qPrintable(verdict->text()));
    QVERIFY2(verdict->text().contains(QLatin1String("/delay/1000/bytes/7")),
             qPrintable(verdict->text()));
    QVERIFY(h.window->summaryPanel()->summaryText().contains(verdict->text()));
    // A new start hides the last run's verdict.
    h.typeAndAdd({ m_server->url(QStringLiteral("/bytes/3")).toString() });
    h.action("start")->trigger();
    QVERIFY(!verdict->isVisible());
}

// The summary's latency histogram: bars for the URLs that finished, p50..p99 ticks, and Space
// switches to the time to first byte.
void TestMainWindow::latencyHistogramFollowsTheRun()
{
    Harness h(4);
    QVERIFY(h.show());
    auto *view = h.window->summaryPanel()->findChild<HistogramView *>();
    QVERIFY(view);
    QVERIFY(view->shown().isEmpty());
    const QImage empty = view->grab().toImage();
    QStringList urls;
    for (int i = 0; i < 12; ++i)
        urls << m_server->url(QStringLiteral("/bytes/%1").arg(50 + i)).toString();
    urls << m_server->url(QStringLiteral("/delay/300/bytes/5")).toString();
    h.typeAndAdd(urls);
    QVERIFY(h.startAndWaitForTheEnd());
    QCOMPARE(view->series(), HistogramView::Series::Duration);
    QCOMPARE(view->shown().total(), 13);
    QVERIFY(view->shown().p99Us >= 300'000); // the server held that one for 300 ms
    QVERIFY(view->shown().boundsUs.back() > 300'000);
    QVERIFY2(view->toolTip().contains(QLatin1String("p99")), qPrintable(view->toolTip()));
    // Bars were painted where there were none.
    const QImage drawn = view->grab().toImage();
    QVERIFY(drawn != empty);
    view->setFocus();
    QTest::keyClick(view, Qt::Key_Space);
    QCOMPARE(view->series(), HistogramView::Series::Ttfb);
    QCOMPARE(view->shown().total(), 13);
    QVERIFY(view->accessibleName().contains(QLatin1String("first byte")));
    QTest::mouseClick(view, Qt::LeftButton);
    QCOMPARE(view->series(), HistogramView::Series::Duration);
}

void TestMainWindow::rowActionsWithNothingSelectedSaySo()
{
    Harness h;
    QVERIFY(h.show());
    h.typeAndAdd({ m_server->url(QStringLiteral("/bytes/1")).toString(),
                   m_server->url(QStringLiteral("/bytes/2")).toString() });
    h.table()->clearSelection();
    QVERIFY(!h.table()->selectionModel()->hasSelection());
    for (const char *name : { "openInBrowser", "openFile", "openFolder", "copyUrl", "copyRow",
                              "retrySelected", "cancelSelected", "removeSelected" }) {
        h.window->statusBar()->clearMessage();
        h.action(name)->trigger();
        const QString said = h.window->statusBar()->currentMessage();
        QVERIFY2(said.contains(QLatin1String("Select")),
                 qPrintable(QLatin1String(name) + QStringLiteral(": ") + said));
    }
    QVERIFY(QApplication::clipboard()->text().isEmpty());
    QCOMPARE(h.model.rowCount(), 2);
    QVERIFY(!h.engine.isRunning()); // Retry with nothing selected started nothing
    QCOMPARE(m_server->requestCount(), qint64(0));
}

void TestMainWindow::fetchAgainIfChangedAsksWithTheTablesOwnValidators()
{
    Harness h(1);
    QVERIFY(h.show());
    QVERIFY(!h.action("fetchIfChanged")->isEnabled()); // no finished run yet
    // The same ETag every time, and one that changes with every request.
    const QUrl same = m_server->url(QStringLiteral("/resumable/100?etag=same"));
    const QUrl changing = m_server->url(QStringLiteral("/resumable/50?changing=1"));
    h.typeAndAdd({ same.toString(), changing.toString() });
    QVERIFY(h.startAndWaitForTheEnd());
    QCOMPARE(h.model.count(JobState::Succeeded), 2);
    QVERIFY(h.action("fetchIfChanged")->isEnabled());

    const int requestsBefore = int(m_server->recordedRequests().size());
    QSignalSpy finished(&h.engine, &FetchEngine::runFinished);
    h.action("fetchIfChanged")->trigger();
    QVERIFY(finished.wait(RunTimeoutMs));
    QCOMPARE(h.model.jobAt(0).state, JobState::Unchanged);
    QCOMPARE(h.model.jobAt(0).httpStatus, 304);
    QCOMPARE(h.model.jobAt(1).state, JobState::Succeeded);
    QCOMPARE(h.model.summary().unchanged, 1);
    QCOMPARE(h.model.summary().succeeded, 2);
    const QModelIndex status = h.model.index(0, JobQueueModel::StatusColumn);
    QCOMPARE(status.data().toString(), QStringLiteral("Unchanged"));

    // Each URL was asked with the validator the table held for it.
    const QList<RecordedRequest> requests = m_server->recordedRequests().mid(requestsBefore);
    QCOMPARE(requests.size(), 2);
    for (const RecordedRequest &request : requests) {
        if (request.target.startsWith("/resumable/100"))
            QCOMPARE(request.header("If-None-Match"), QByteArray("\"same\""));
        else
            QVERIFY(request.header("If-None-Match").startsWith("\"resumable-50-"));
    }
}

void TestMainWindow::mnemonicsAreUnique()
{
    Harness h;
    QVERIFY(h.show());
    h.window->offerLastList(m_server->url(QStringLiteral("/bytes/1")).toString());
    // Alt+letter reaches the menu bar's menus, buttons and labelled widgets of the whole window:
    // a letter used twice reaches only one of them. (Both banners count: either may show.)
    QMap<QChar, QStringList> owners;
    for (const QAction *menu : h.window->menuBar()->actions())
        owners[mnemonicOf(menu->text())].append(menu->text());
    for (const QAbstractButton *button : h.window->findChildren<QAbstractButton *>()) {
        if (hasMnemonic(button->text()))
            owners[mnemonicOf(button->text())].append(button->text());
    }
    for (const QLabel *label : h.window->findChildren<QLabel *>()) {
        if (label->buddy() && hasMnemonic(label->text()))
            owners[mnemonicOf(label->text())].append(label->text());
    }
    owners.remove(QChar());
    QVERIFY(owners.size() >= 10);
    for (auto it = owners.cbegin(); it != owners.cend(); ++it)
        QVERIFY2(it.value().size() == 1,
                 qPrintable(QStringLiteral("Alt+%1: %2")
                                .arg(it.key().toUpper(), it.value().join(QStringLiteral(", ")))));
}

void TestMainWindow::settingsThatCannotBeSavedSaySo()
{
    Harness h;
    QVERIFY(h.show());
    // A folder where the settings file should be: no one, not even root, can write it.
    const QString path = QSettings().fileName();
    QFile::remove(path);
    QVERIFY(QDir().mkpath(path));
    const auto removeFolder = qScopeGuard([path] { QDir(path).removeRecursively(); });
    whenModalOpens([](QWidget *widget) {
        if (auto *dialog = qobject_cast<QDialog *>(widget))
            dialog->accept();
    });
    h.action("settings")->trigger();
    const QString said = h.window->statusBar()->currentMessage();
    QVERIFY2(said.contains(QLatin1String("could not be saved")), qPrintable(said));
}

#include "tst_mainwindow.moc"
