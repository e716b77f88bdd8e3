// SPDX-License-Identifier: GPL-3.0-or-later
// The main window: composition of its parts, and the run commands their actions trigger.
#include "mainwindow.h"

#include "detailpane.h"
#include "engine/fetchengine.h"
#include "exportflow.h"
#include "formats/previousrun.h"
#include "formatting.h"
#include "inputpanel.h"
#include "jobqueuemodel.h"
#include "jobtableproxymodel.h"
#include "mainwindowactions.h"
#include "queuetableview.h"
#include "ratespinbox.h"
#include "removejobscommand.h"
#include "run/baselinerunner.h"
#include "run/completioncommand.h"
#include "run/eta.h"
#include "runsession.h"
#include "settingsdialog.h"
#include "settingsstore.h"
#include "summarypanel.h"
#include "sweepdialog.h"
#include "throughputgraph.h"
#include "units.h"
#include "urllistparser.h"
#include "waterfalldock.h"
#include "waterfallview.h"
#include "whatifdialog.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QScreen>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QStatusBar>
#include <QSystemTrayIcon>
#include <QUndoStack>
#include <QVBoxLayout>

#include <algorithm>

namespace Parafetch {

namespace {

constexpr QSize DefaultWindowSize(1280, 800);
// Room left for the title bar and borders, which are not known before the window is shown.
constexpr QSize FrameAllowance(16, 48);
// restoreState() refuses a state saved with another version: 1 put Details beside the
// waterfall (0, the default, had it in a tall dock under the summary); 2 added the throughput
// graph under the summary.
constexpr int LayoutVersion = 2;
constexpr int DetailsDockPercent = 35; // of the bottom area's width, beside the waterfall
constexpr int StatusMessageMs = 8000;
constexpr int WaterfallDockHeight = 280;
// Below this screen height the throughput graph starts hidden (View → Throughput shows it): at
// 768 pixels a second dock on the right left Details too short to read.
constexpr int ThroughputGraphMinScreenHeight = 900;
constexpr int TrayMessageMs = 6000;

QString settingsKey(const char *name)
{
    return QStringLiteral("window/") + QLatin1String(name);
}

} // namespace

MainWindow::MainWindow(JobQueueModel *model, FetchEngine *engine, QWidget *parent)
    : QMainWindow(parent)
    , m_model(model)
    , m_engine(engine)
    , m_baseline(std::make_unique<BaselineRunner>())
{
    setObjectName(QStringLiteral("MainWindow"));
    setWindowTitle(tr("Parafetch"));
    setWindowIcon(QIcon(QStringLiteral(":/icons/parafetch.svg")));
    setAcceptDrops(true);

    m_proxy = new JobTableProxyModel(this);
    m_proxy->setSourceModel(m_model);

    m_input = new InputPanel(this);
    m_table = new QueueTableView(m_model, m_proxy, this);
    connect(m_table, &QueueTableView::message, this, &MainWindow::showMessage);

    m_session = new RunSession(m_model, m_engine, this);
    connect(m_session, &RunSession::lastListRestored, this, [this](const QString &text) {
        m_input->setText(text);
        m_input->editor()->setFocus();
    });
    connect(m_session, &RunSession::journalRestored, this, [this](int restored, int queued) {
        refreshSummary();
        showMessage(
            tr("Restored %n URL(s) of the last run; press Start to fetch the %1 not done yet.",
               nullptr, restored)
                .arg(queued));
        m_table->setFocus();
    });
    connect(m_session, &RunSession::message, this, &MainWindow::showMessage);

    m_files = new ExportFlow(m_model, m_engine, m_input, this);
    connect(m_files, &ExportFlow::runOpened, this,
            [this](int concurrency, int perHost, const QList<TimelinePoint> &timeline) {
                m_openedRun = OpenedRun { concurrency, perHost };
                // The graph draws the run as it was recorded; a later run continues it.
                const RunSummary summary = m_model->summary();
                m_timeline.startFrom(RunTimeline::fromSummary(summary, summary.wallNs), timeline);
                m_graph->refresh();
                refreshSummary();
            });
    m_files->setTimeline(&m_timeline);
    connect(m_files, &ExportFlow::message, this, &MainWindow::showMessage);

    auto *top = new QWidget(this);
    auto *topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(0, 0, 0, 0);
    topLayout->addWidget(m_session->journalBanner());
    topLayout->addWidget(m_session->lastListBanner());
    topLayout->addWidget(m_input);

    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->setObjectName(QStringLiteral("mainSplitter"));
    splitter->addWidget(top);
    splitter->addWidget(m_table);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 3);
    setCentralWidget(splitter);

    createDocks();
    m_undo = new QUndoStack(this);
    m_actions = new MainWindowActions(this, m_undo, m_input->addToQueueAction(), m_table, m_proxy,
                                      m_engine);
    m_concurrency = m_actions->concurrencySpinBox();
    m_limitRate = m_actions->limitRateSpinBox();
    m_filter = m_actions->filterEdit();
    m_statusFilter = m_actions->statusFilterBox();
    connectActions();
    // A passing message ("Summary copied.") gives the line back to the hint or the last run's
    // classic lines when it times out, instead of leaving the bar empty.
    connect(statusBar(), &QStatusBar::messageChanged, this, [this](const QString &text) {
        if (text.isEmpty() && !m_idleStatus.isEmpty())
            statusBar()->showMessage(m_idleStatus);
    });
    setIdleStatus(tr("Paste URLs above and press Add, then Start."));

    connect(m_input, &InputPanel::entriesReady, this, &MainWindow::addEntries);
    connect(m_input, &InputPanel::message, this, &MainWindow::showMessage);
    connect(m_engine, &FetchEngine::jobFinished, this, &MainWindow::onJobFinished);
    connect(m_engine, &FetchEngine::runFinished, this, &MainWindow::onRunFinished);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &MainWindow::showSelectedDetails);
    connect(m_model, &QAbstractItemModel::rowsInserted, this, &MainWindow::updateActions);
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, &MainWindow::updateActions);
    connect(m_model, &QAbstractItemModel::modelReset, this, &MainWindow::updateActions);
    // What was removed before the queue was replaced has no place to go back to.
    connect(m_model, &QAbstractItemModel::modelReset, m_undo, &QUndoStack::clear);
    // Nor do an opened run's settings or a sweep's walls describe the new queue (What If).
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] {
        m_openedRun.reset();
        m_sweepPoints.clear();
    });
    // A queue replaced (a saved run opened) brings figures that did not arrive over the clock.
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] {
        const RunSummary summary = m_model->summary();
        m_timeline.startFrom(RunTimeline::fromSummary(summary, summary.wallNs));
        m_graph->refresh();
    });
    // Once the list is in, the paste area shrinks to a few lines: the table gets the room.
    const auto compactInput = [this, top] {
        const bool compact = m_model->rowCount() > 0;
        if (compact == m_input->isCompact())
            return;
        m_input->setCompact(compact);
        // Now, not at the next layout pass: the size hints follow the paste area's new height.
        m_input->layout()->activate();
        top->layout()->invalidate();
        top->layout()->activate();
        top->setMaximumHeight(compact ? top->sizeHint().height() : QWIDGETSIZE_MAX);
    };
    connect(m_model, &QAbstractItemModel::rowsInserted, this, compactInput);
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, compactInput);
    connect(m_model, &QAbstractItemModel::modelReset, this, compactInput);

    connect(m_baseline.get(), &BaselineRunner::progress, m_summary,
            &SummaryPanel::setBaselineProgress);
    connect(m_baseline.get(), &BaselineRunner::finished, this,
            [this](const RunSummary &summary, bool completed) {
                if (completed) {
                    m_summary->setBaseline(summary);
                    statusBar()->clearMessage();
                } else {
                    m_summary->clearBaseline();
                    showMessage(tr("Serial baseline stopped."));
                }
                updateActions();
            });

    m_summaryTimer.setObjectName(QStringLiteral("summaryTimer"));
    m_summaryTimer.setInterval(SummaryIntervalMs);
    connect(&m_summaryTimer, &QTimer::timeout, this, &MainWindow::refreshSummary);

    if (QSystemTrayIcon::isSystemTrayAvailable()) {
        m_tray = new QSystemTrayIcon(windowIcon(), this);
        m_tray->setToolTip(tr("Parafetch"));
        m_tray->show();
    }

    readSettings();
    updateActions();
    refreshSummary();
}

MainWindow::~MainWindow() = default;

void MainWindow::createDocks()
{
    m_summary = new SummaryPanel(this);
    auto *summaryDock = new QDockWidget(tr("Summary"), this);
    summaryDock->setObjectName(QStringLiteral("summaryDock"));
    summaryDock->setWidget(new SummaryScrollArea(m_summary));
    addDockWidget(Qt::RightDockWidgetArea, summaryDock);
    summaryDock->toggleViewAction()->setText(tr("&Summary")); // the title bar shows no mnemonic

    // Under the summary, in a dock of its own: the View menu hides it on a small screen.
    m_graph = new ThroughputGraph(&m_timeline, this);
    auto *graphDock = new QDockWidget(tr("Throughput"), this);
    graphDock->setObjectName(QStringLiteral("throughputDock"));
    graphDock->setWidget(m_graph);
    addDockWidget(Qt::RightDockWidgetArea, graphDock);
    graphDock->toggleViewAction()->setText(tr("T&hroughput"));

    m_details = new DetailPane(this);
    auto *detailsDock = new QDockWidget(tr("Details"), this);
    detailsDock->setObjectName(QStringLiteral("detailsDock"));
    detailsDock->setWidget(m_details);
    detailsDock->toggleViewAction()->setText(tr("&Details"));

    createWaterfallDock();
    // Details beside the waterfall, not under the summary: on a 768-pixel screen a third dock
    // on the right left each of them too short to read.
    addDockWidget(Qt::BottomDockWidgetArea, detailsDock);
    splitDockWidget(findChild<QDockWidget *>(QStringLiteral("waterfallDock")), detailsDock,
                    Qt::Horizontal);
}

// The first window's size, or a restored one that no longer fits: within the available
// screen, maximised when the default does not fit.
void MainWindow::fitToScreen(bool restored)
{
    if (isMaximized() || isFullScreen())
        return;
    const QRect available = screen()->availableGeometry();
    const QSize room = available.size() - FrameAllowance;
    // A first window takes most of a large screen (at 1920x1080 the default left the URL and
    // Error columns cut short), and at least the default size.
    constexpr int FirstWindowPercent = 80;
    const QSize wanted = restored
        ? size()
        : DefaultWindowSize.expandedTo(available.size() * FirstWindowPercent / Units::PercentScale);
    if (wanted.width() <= room.width() && wanted.height() <= room.height()) {
        resize(wanted);
        return;
    }
    resize(wanted.boundedTo(room));
    if (restored)
        move(available.topLeft());
    else
        setWindowState(windowState() | Qt::WindowMaximized);
}

// The docks' sizes of a window with no layout of its own yet, from the size it opens with.
void MainWindow::applyDefaultDockSizes()
{
    auto *waterfallDock = findChild<QDockWidget *>(QStringLiteral("waterfallDock"));
    auto *detailsDock = findChild<QDockWidget *>(QStringLiteral("detailsDock"));
    const QRect available = screen()->availableGeometry();
    if (available.height() < ThroughputGraphMinScreenHeight)
        findChild<QDockWidget *>(QStringLiteral("throughputDock"))->hide();
    resizeDocks({ waterfallDock }, { std::min(WaterfallDockHeight, available.height() * 2 / 5) },
                Qt::Vertical);
    const int span = std::min(width(), available.width());
    constexpr int Percent = Units::PercentScale;
    resizeDocks(
        { waterfallDock, detailsDock },
        { span * (Percent - DetailsDockPercent) / Percent, span * DetailsDockPercent / Percent },
        Qt::Horizontal);
}

void MainWindow::createWaterfallDock()
{
    auto *dock = new WaterfallDock(m_model, m_proxy, m_engine, this);
    addDockWidget(Qt::BottomDockWidgetArea, dock);
    m_waterfallDock = dock;
    m_waterfall = dock->view();
    // A bar chosen in the waterfall selects its row in the table (when the filter shows it),
    // and the table's current row is highlighted in the waterfall.
    connect(m_waterfall, &WaterfallView::jobClicked, this, [this](quint64 id) {
        const int row = m_model->rowForId(id);
        if (row >= 0)
            selectJob(row);
    });
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &MainWindow::showJobInWaterfall);
}

void MainWindow::showJobInWaterfall()
{
    const QModelIndex current = m_table->selectionModel()->currentIndex();
    m_waterfall->setSelectedJob(
        current.isValid() ? current.data(JobQueueModel::JobIdRole).toULongLong() : 0);
}

QAction *MainWindow::action(const QString &objectName) const
{
    return findChild<QAction *>(objectName);
}

// The commands behind the actions MainWindowActions made.
void MainWindow::connectActions()
{
    const std::pair<const char *, void (MainWindow::*)()> commands[] = {
        { "start", &MainWindow::start },
        { "pause", &MainWindow::pause },
        { "resume", &MainWindow::resume },
        { "cancelAll", &MainWindow::cancelAll },
        { "retryFailed", &MainWindow::retryFailed },
        { "retryCancelled", &MainWindow::retryCancelled },
        { "fetchIfChanged", &MainWindow::fetchAgainIfChanged },
        { "clearFinished", &MainWindow::clearFinished },
        { "clearSucceeded", &MainWindow::clearSucceeded },
        { "measureBaseline", &MainWindow::measureBaseline },
        { "stopBaseline", &MainWindow::stopBaseline },
        { "copySummary", &MainWindow::copySummary },
        { "settings", &MainWindow::settingsDialog },
        { "concurrencySweep", &MainWindow::openSweepDialog },
        { "whatIf", &MainWindow::openWhatIfDialog },
        { "retrySelected", &MainWindow::retrySelected },
        { "cancelSelected", &MainWindow::cancelSelected },
        { "removeSelected", &MainWindow::removeSelected },
    };
    for (const auto &[name, command] : commands)
        connect(action(QLatin1String(name)), &QAction::triggered, this, command);
    const std::pair<const char *, void (ExportFlow::*)()> fileCommands[] = {
        { "import", &ExportFlow::importDialog },
        { "openRun", &ExportFlow::openRunDialog },
        { "export", &ExportFlow::exportDialog },
    };
    for (const auto &[name, command] : fileCommands)
        connect(action(QLatin1String(name)), &QAction::triggered, m_files, command);
    const std::pair<const char *, void (QueueTableView::*)()> tableCommands[] = {
        { "openInBrowser", &QueueTableView::openSelectedInBrowser },
        { "openFile", &QueueTableView::openSelectedFile },
        { "openFolder", &QueueTableView::openSelectedFolder },
        { "copyUrl", &QueueTableView::copySelectedUrls },
        { "copyRow", &QueueTableView::copySelectedRows },
    };
    for (const auto &[name, command] : tableCommands)
        connect(action(QLatin1String(name)), &QAction::triggered, m_table, command);
}

void MainWindow::openSweepDialog()
{
    auto *dialog = new SweepDialog(m_model->jobs(), m_engine->options(), this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &SweepDialog::sweepStarted, this, &MainWindow::updateActions);
    connect(dialog, &SweepDialog::sweepFinished, this, &MainWindow::updateActions);
    // The levels it measured calibrate What If, with a list of the same length.
    connect(dialog, &SweepDialog::sweepFinished, this,
            [this, dialog] { m_sweepPoints = dialog->runner().points(); });
    m_sweep = dialog; // Cancel All stops the latest one
    dialog->show();
}

// A snapshot: the dialog replays the queue as it is now, whatever the run does next.
void MainWindow::openWhatIfDialog()
{
    WhatIfMeasurements measured;
    measured.listSize = m_model->rowCount();
    measured.workers = m_openedRun ? m_openedRun->concurrency : m_engine->concurrency();
    measured.perHost = m_openedRun ? m_openedRun->perHost : m_engine->options().perHost;
    // While a run goes on its wall is still growing, and its running URLs are not replayed.
    if (!m_engine->isRunning())
        measured.wallNs = m_model->summary().wallNs;
    measured.sweep = m_sweepPoints;
    auto *dialog = new WhatIfDialog(m_model->jobs(), measured, m_engine->options().perHost, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->show();
}

void MainWindow::updateActions()
{
    const bool running = m_engine->isRunning();
    const bool paused = m_engine->isPaused();
    const bool hasRows = m_model->rowCount() > 0;
    const int queued = m_model->count(JobState::Queued);
    const int unfinished = queued + m_model->count(JobState::Running);
    const bool baseline = m_baseline->isRunning();
    const bool sweeping = m_sweep && m_sweep->runner().isRunning();
    action(QStringLiteral("start"))->setEnabled(!running && queued > 0);
    action(QStringLiteral("pause"))->setEnabled(running && !paused);
    action(QStringLiteral("resume"))->setEnabled(running && paused);
    action(QStringLiteral("cancelAll"))->setEnabled(running || queued > 0 || baseline || sweeping);
    action(QStringLiteral("retryFailed"))->setEnabled(m_model->count(JobState::Failed) > 0);
    action(QStringLiteral("retryCancelled"))->setEnabled(m_model->count(JobState::Cancelled) > 0);
    action(QStringLiteral("clearFinished"))->setEnabled(m_model->rowCount() > unfinished);
    action(QStringLiteral("clearSucceeded"))->setEnabled(m_model->count(JobState::Succeeded) > 0);
    action(QStringLiteral("fetchIfChanged"))
        ->setEnabled(!running
                     && m_model->count(JobState::Succeeded) + m_model->count(JobState::Unchanged)
                         > 0);
    action(QStringLiteral("measureBaseline"))->setEnabled(hasRows && !baseline);
    action(QStringLiteral("stopBaseline"))->setEnabled(baseline);
    // One owner for Esc at a time: two would make it ambiguous, and neither would act.
    action(QStringLiteral("cancelSelected"))
        ->setShortcut(baseline ? QKeySequence() : QKeySequence(Qt::Key_Escape));
    action(QStringLiteral("export"))->setEnabled(hasRows);
    // Something to replay: a finished URL timed in this run (the serial time sums their times).
    action(QStringLiteral("whatIf"))->setEnabled(m_model->counts().serialNs > 0);
}

void MainWindow::addEntries(const QList<UrlEntry> &entries)
{
    m_model->addEntries(entries);
    refreshSummary();
    if (!m_engine->isRunning() && m_model->rowCount() > 0)
        setIdleStatus(tr("Press Start (F5) to fetch the queue."));
}

void MainWindow::showMessage(const QString &text)
{
    statusBar()->showMessage(text, StatusMessageMs);
}

void MainWindow::setIdleStatus(const QString &text)
{
    m_idleStatus = text;
    statusBar()->showMessage(text);
}

void MainWindow::start()
{
    setIdleStatus(QString()); // the hint or the last run's lines: the summary takes over
    m_summary->setVerdict({}); // the last run's: this one is not over
    writeSettings(); // the Workers value and the run's settings survive a crash of this run
    m_engine->setConcurrency(m_concurrency->value());
    m_engine->start();
    if (m_engine->isRunning()) {
        m_summaryTimer.start();
        m_openedRun.reset(); // the queue's times are this window's from now on
    }
    updateActions();
}

void MainWindow::pause()
{
    m_engine->pause();
    showMessage(tr("Paused: running URLs finish, no new one starts."));
    updateActions();
}

void MainWindow::resume()
{
    m_engine->resume();
    updateActions();
}

void MainWindow::cancelAll()
{
    // Every long action stops: the run, a serial baseline, a concurrency sweep.
    m_engine->cancelAll();
    m_baseline->cancel();
    if (m_sweep)
        m_sweep->cancelSweep();
    updateActions();
}

void MainWindow::retryFailed()
{
    retryRows(JobState::Failed);
}

void MainWindow::retryCancelled()
{
    retryRows(JobState::Cancelled);
}

void MainWindow::retryRows(JobState state)
{
    QList<int> rows;
    const QList<Job> &jobs = m_model->jobs();
    for (int row = 0; row < jobs.size(); ++row) {
        if (jobs.at(row).state == state)
            rows.append(row);
    }
    m_model->requeue(rows);
    start();
}

// The earlier run is the table's own: a user looking at a finished run means that one by
// "again", and its results hold every validator and saved path an export would (no file to pick,
// none to have exported first). Every finished row is fetched again; those that succeeded with a
// validator are asked for conditionally.
void MainWindow::fetchAgainIfChanged()
{
    QList<int> rows;
    const QList<Job> &jobs = m_model->jobs();
    for (int row = 0; row < jobs.size(); ++row) {
        if (jobs.at(row).isFinished())
            rows.append(row);
    }
    const PreviousRun::Loaded previous = PreviousRun::fromJobs(jobs);
    FetchOptions options = m_engine->options();
    options.previousResults = std::make_shared<const PreviousResults>(previous.byUrl);
    m_engine->setOptions(options);
    m_model->requeue(rows);
    start();
    if (previous.withoutValidators > 0)
        showMessage(tr("%n URL(s) carry no ETag or Last-Modified: fetched in full", "",
                       previous.withoutValidators));
}

void MainWindow::clearFinished()
{
    removeFinishedRows(std::nullopt, tr("Clear Finished"));
}

void MainWindow::clearSucceeded()
{
    removeFinishedRows(JobState::Succeeded, tr("Clear Succeeded"));
}

void MainWindow::removeFinishedRows(std::optional<JobState> onlyState, const QString &undoText)
{
    QList<quint64> ids;
    for (const Job &job : m_model->jobs()) {
        if (job.isFinished() && (!onlyState || job.state == *onlyState))
            ids.append(job.id);
    }
    if (ids.isEmpty())
        return;
    m_undo->push(new RemoveJobsCommand(m_model, std::move(ids), undoText, [this] {
        m_details->clearJob();
        refreshSummary();
    }));
    showMessage(
        tr("%1: Edit → Undo (%2) puts the rows back.")
            .arg(undoText, QKeySequence(QKeySequence::Undo).toString(QKeySequence::NativeText)));
}

void MainWindow::measureBaseline()
{
    QList<UrlEntry> entries;
    entries.reserve(m_model->rowCount());
    for (const Job &job : m_model->jobs())
        entries.append(UrlEntry::of(job));
    const qint64 estimate = BaselineRunner::estimateNs(
        int(entries.size()), BaselineRunner::meanMeasuredNs(m_model->jobs()));
    m_summary->setBaselineProgress(0, int(entries.size()));
    m_baseline->start(entries, m_engine->options());
    // Said up front, and kept while it runs.
    statusBar()->showMessage(
        tr("Measuring the serial baseline of %n URL(s), one at a time: %1. Esc, Cancel All or "
           "Run → Stop Baseline stops it.",
           nullptr, int(entries.size()))
            .arg(estimate >= 0 ? formatRemaining(estimate)
                               : tr("– (how long is unknown until some URLs have been fetched)")));
    updateActions();
}

SweepDialog *MainWindow::sweepDialog() const
{
    return m_sweep;
}

void MainWindow::stopBaseline()
{
    m_baseline->cancel();
    updateActions();
}

void MainWindow::copySummary()
{
    QApplication::clipboard()->setText(m_summary->summaryText());
    showMessage(tr("Summary copied."));
}

void MainWindow::refreshSummary()
{
    const RunSummary summary = m_model->summary();
    const bool running = m_engine->isRunning();
    m_summary->setSummary(summary, m_engine->activeCount(), running);
    m_summary->setRemaining(
        running ? EtaEstimator::estimate(etaSnapshot(m_model->jobs(), m_engine->nowNs(),
                                                     m_engine->concurrency(), m_engine->isPaused()))
                : EtaEstimate {},
        running);
    // Options reach the engine from several places (settings, the command line): read them here.
    m_summary->setPerHostLimit(m_engine->options().perHost);
    m_summary->setBandwidthCap(m_engine->options().limitRate, m_engine->options().limitRatePerUrl);
    m_summary->setPacing(m_engine->options().pacingText());
    sampleTimeline(summary, false);
    // The proxy does not re-filter on every live change (it would re-sort rows under the
    // pointer); a status or text filter is applied again at the summary's pace instead.
    if (running
        && (m_proxy->statusFilter() != JobTableProxyModel::StatusFilter::All
            || !m_proxy->textFilter().isEmpty()))
        m_proxy->refilter();
    if (m_details->jobId() != 0)
        showSelectedDetails();
    updateActions();
    emit summaryRefreshed();
}

void MainWindow::onJobFinished(const Job &job)
{
    if (job.id == m_details->jobId())
        m_details->showJob(job);
}

void MainWindow::onRunFinished()
{
    m_summaryTimer.stop();
    refreshSummary();
    const RunSummary &summary = m_summary->summary();
    sampleTimeline(summary, true);
    // Once per run, over every row: O(n log n), 100,000 rows in a few ms.
    const FetchOptions &options = m_engine->options();
    m_summary->setVerdict(Verdict::analyse(
        m_model->jobs(), { m_engine->concurrency(), options.perHost, m_engine->bandwidthLimit() }));
    setIdleStatus(classicSummaryLines(summary).replace(QLatin1Char('\n'), QStringLiteral(" · ")));
    if (m_tray && !isActiveWindow()) {
        m_tray->showMessage(tr("Parafetch: run finished"),
                            tr("%1 succeeded, %2 failed, %3 cancelled in %4")
                                .arg(summary.succeeded)
                                .arg(summary.failed)
                                .arg(summary.cancelled)
                                .arg(formatSeconds(summary.wallNs)),
                            QSystemTrayIcon::Information, TrayMessageMs);
    }
}

void MainWindow::sampleTimeline(const RunSummary &summary, bool runEnded)
{
    // Its clock is the summary's wall time, which stands still while nothing is in flight.
    RunTimeline::Sample sample = RunTimeline::fromSummary(summary, summary.wallNs);
    // The engine's count, as Active workers shows it: a row stays Running until its batch is
    // handed over, while its lane may have started the next URL.
    sample.running = m_engine->activeCount();
    if (summary.total == 0)
        m_timeline.clear();
    else if (runEnded)
        m_timeline.finish(sample);
    else
        m_timeline.sample(sample);
    m_graph->refresh();
}

void MainWindow::retrySelected()
{
    if (!m_table->requireSelection())
        return;
    m_model->requeue(m_table->selectedSourceRows());
    start();
}

void MainWindow::cancelSelected()
{
    if (!m_table->requireSelection())
        return;
    for (int row : m_table->selectedSourceRows()) {
        const Job &job = m_model->jobAt(row);
        if (!job.isFinished())
            m_engine->cancel(job.id);
    }
    updateActions();
}

void MainWindow::removeSelected()
{
    if (!m_table->requireSelection())
        return;
    // Running rows stay: cancel them first.
    const QList<int> rows = m_table->selectedSourceRows();
    for (auto it = rows.crbegin(); it != rows.crend(); ++it) {
        if (m_model->jobAt(*it).state != JobState::Running)
            m_model->removeRows(*it, 1);
    }
    refreshSummary();
}

void MainWindow::selectJob(int sourceRow)
{
    m_table->selectSourceRow(sourceRow);
}

void MainWindow::showSelectedDetails()
{
    const QModelIndex current = m_table->selectionModel()->currentIndex();
    if (!current.isValid()) {
        m_details->clearJob();
        return;
    }
    const int row = m_proxy->mapToSource(current).row();
    if (row >= 0 && row < m_model->rowCount())
        m_details->showJob(m_model->jobAt(row));
}

bool MainWindow::importFile(const QString &path)
{
    return m_files->importFile(path);
}

bool MainWindow::exportTo(const QString &path, QString *error)
{
    return m_files->exportTo(path, error);
}

bool MainWindow::openRun(const QString &path)
{
    return m_files->openRun(path);
}

void MainWindow::settingsDialog()
{
    SettingsDialog dialog(m_engine->options(), this);
    dialog.setPatternOptions(m_input->patternOptions());
    if (dialog.exec() != QDialog::Accepted)
        return;
    m_input->setPatternOptions(dialog.patternOptions());
    FetchOptions options = dialog.options();
    options.concurrency = m_concurrency->value();
    options.limitRate = m_limitRate->bytesPerSecond();
    m_engine->setOptions(options);
    applyCompletionCommand(options);
    refreshSummary();
    writeSettings();
}

void MainWindow::offerLastList(const QString &text)
{
    m_session->offerLastList(text);
}

void MainWindow::setCloseChoice(CloseChoice choice)
{
    m_session->setCloseChoice(choice);
}

void MainWindow::setRunJournal(RunJournal *journal)
{
    m_session->setRunJournal(journal);
}

void MainWindow::offerRestore(const QList<JournaledJob> &jobs, bool keptExit)
{
    m_session->offerRestore(jobs, keptExit);
}

void MainWindow::readSettings()
{
    QSettings settings;
    fitToScreen(restoreGeometry(settings.value(settingsKey("geometry")).toByteArray()));
    // A state saved by an older layout is refused (its version differs): the new one stands.
    if (!restoreState(settings.value(settingsKey("state")).toByteArray(), LayoutVersion))
        applyDefaultDockSizes();
    m_table->restoreHeaderState(settings.value(settingsKey("header")).toByteArray());
    m_files->setLastDirectory(settings.value(settingsKey("lastDirectory")).toString());
    m_waterfallDock->readSettings(settings);
    setFetchOptions(SettingsStore::loadFetchOptions(settings));
    m_input->setPatternOptions(SettingsStore::loadPatternOptions(settings));
}

void MainWindow::setFetchOptions(const FetchOptions &options)
{
    m_concurrency->setValue(options.concurrency);
    m_limitRate->setBytesPerSecond(options.limitRate);
    m_engine->setOptions(options);
    applyCompletionCommand(options);
    refreshSummary();
}

void MainWindow::applyCompletionCommand(const FetchOptions &options)
{
    QStringList command;
    QString error;
    if (!options.onComplete.isEmpty()
        && !CompletionCommand::parse(options.onComplete, &command, &error)) {
        showMessage(error);
        command.clear();
    }
    if (m_onComplete && m_onComplete->command() == command)
        return;
    // Commands already running finish on their own; they are children until then.
    if (m_onComplete) {
        disconnect(m_engine, nullptr, m_onComplete, nullptr);
        CompletionCommand *old = std::exchange(m_onComplete, nullptr);
        if (old->isIdle())
            old->deleteLater();
        else
            connect(old, &CompletionCommand::idle, old, &QObject::deleteLater);
    }
    if (command.isEmpty())
        return;
    m_onComplete = new CompletionCommand(command, this);
    connect(m_engine, &FetchEngine::jobFinished, m_onComplete, &CompletionCommand::jobFinished);
    connect(m_onComplete, &CompletionCommand::commandFailed, this, &MainWindow::showMessage);
}

void MainWindow::writeSettings()
{
    QSettings settings;
    settings.setValue(settingsKey("geometry"), saveGeometry());
    settings.setValue(settingsKey("state"), saveState(LayoutVersion));
    settings.setValue(settingsKey("header"), m_table->saveHeaderState());
    settings.setValue(settingsKey("lastDirectory"), m_files->lastDirectory());
    m_waterfallDock->writeSettings(settings);
    FetchOptions options = m_engine->options();
    options.concurrency = m_concurrency->value();
    SettingsStore::saveFetchOptions(settings, options);
    SettingsStore::savePatternOptions(settings, m_input->patternOptions());
    settings.sync();
    if (settings.status() != QSettings::NoError)
        showMessage(tr("The settings could not be saved to %1: they last until Parafetch closes.")
                        .arg(QDir::toNativeSeparators(settings.fileName())));
}

void MainWindow::resizeEvent(QResizeEvent *event)
{
    QMainWindow::resizeEvent(event);
    if (m_actions)
        m_actions->fitRunToolBar(width());
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    const CloseChoice choice = m_session->closeChoice();
    if (choice == CloseChoice::KeepRunning) {
        event->ignore();
        return;
    }
    writeSettings();
    m_session->saveLastList();
    // Stop and wait here, while the window still exists: no task outlives it, and no partial
    // file is left under a final name (ARCHITECTURE rule 9).
    m_baseline->cancel();
    m_session->end(choice);
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent *event)
{
    if (event->mimeData()->hasUrls() || event->mimeData()->hasText())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent *event)
{
    const QMimeData *mime = event->mimeData();
    bool handled = false;
    if (mime->hasUrls()) {
        for (const QUrl &url : mime->urls()) {
            if (url.isLocalFile()) {
                importFile(url.toLocalFile());
                handled = true;
            }
        }
    }
    if (!handled && mime->hasText())
        m_input->appendText(mime->text());
    event->acceptProposedAction();
}

} // namespace Parafetch
