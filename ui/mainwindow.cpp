// The main window: wiring of input, queue table, summary, details and actions.
#include "mainwindow.h"

#include "run/baselinerunner.h"
#include "comparedialog.h"
#include "detailpane.h"
#include "run/eta.h"
#include "engine/fetchengine.h"
#include "inputpanel.h"
#include "jobqueuemodel.h"
#include "jobtableproxymodel.h"
#include "progressdelegate.h"
#include "redact.h"
#include "formats/resultexporter.h"
#include "formats/resultimporter.h"
#include "settingsdialog.h"
#include "settingsstore.h"
#include "sha256.h"
#include "shortcutsdialog.h"
#include "summarypanel.h"
#include "sweepdialog.h"
#include "urllistparser.h"
#include "waterfallview.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QCloseEvent>
#include <QComboBox>
#include <QDateTime>
#include <QDesktopServices>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScreen>
#include <QSettings>
#include <QSpinBox>
#include <QSplitter>
#include <QStandardPaths>
#include <QStatusBar>
#include <QSystemTrayIcon>
#include <QTableView>
#include <QToolBar>
#include <QUndoCommand>
#include <QUndoStack>
#include <QVBoxLayout>

#include <algorithm>

namespace Parafetch {

namespace {

constexpr int RowHeightPadding = 8;
// The URL column's width: the widest it opens with, and the least it gives up so that the Error
// column stays in view on a small screen.
constexpr int UrlColumnWidth = 360;
constexpr int UrlColumnMinWidth = 200;
constexpr int ErrorColumnChars = 24;
constexpr QSize DefaultWindowSize(1280, 800);
// Room left for the title bar and borders, which are not known before the window is shown.
constexpr QSize FrameAllowance(16, 48);
// restoreState() refuses a state saved with another version: 1 put Details beside the
// waterfall (0, the default, had it in a tall dock under the summary).
constexpr int LayoutVersion = 1;
constexpr int DetailsDockPercent = 35; // of the bottom area's width, beside the waterfall
constexpr int StatusMessageMs = 8000;
constexpr int WaterfallDockHeight = 280;
constexpr int TrayMessageMs = 6000;
constexpr double FittedZoom = -1; // the waterfall's zoom as kept when it fits the run

QString settingsKey(const char *name)
{
    return QStringLiteral("window/") + QLatin1String(name);
}

// One line of a list that the parser reads back: "url" or "url,filename", credentials masked.
QString listLine(const Job &job)
{
    const QString url = redactedUrl(job.url);
    if (job.fileName.isEmpty())
        return url;
    QString name = job.fileName;
    name.replace(QLatin1Char('"'), QLatin1String("\"\""));
    return QStringLiteral("\"%1\",\"%2\"").arg(url, name);
}

// Removes finished rows by id, and puts them back, results and times included, on undo.
class RemoveJobsCommand final : public QUndoCommand
{
public:
    RemoveJobsCommand(JobQueueModel *model, QList<quint64> ids, const QString &text,
                      std::function<void()> changed)
        : QUndoCommand(text)
        , m_model(model)
        , m_ids(std::move(ids))
        , m_changed(std::move(changed))
    { }

    void redo() override
    {
        // Rows retried since are no longer finished: they stay.
        QList<int> rows;
        for (quint64 id : std::as_const(m_ids)) {
            const int row = m_model->rowForId(id);
            if (row >= 0 && m_model->jobAt(row).isFinished())
                rows.append(row);
        }
        std::sort(rows.begin(), rows.end());
        m_removed.clear();
        // Runs of rows from the end, so the earlier row numbers stay valid.
        for (qsizetype last = rows.size() - 1; last >= 0;) {
            qsizetype first = last;
            while (first > 0 && rows.at(first - 1) == rows.at(first) - 1)
                --first;
            for (qsizetype i = first; i <= last; ++i)
                m_removed.append(m_model->jobAt(rows.at(i)));
            m_model->removeRows(rows.at(first), int(last - first + 1));
            last = first - 1;
        }
        m_changed();
    }

    void undo() override
    {
        m_model->reinsert(m_removed);
        m_changed();
    }

private:
    JobQueueModel *const m_model;
    const QList<quint64> m_ids;
    const std::function<void()> m_changed;
    QList<Job> m_removed;
};

// Fits the URL column to the table's width (the Error column keeps ErrorColumnChars in view) until
// the person sizes a column, or a saved one is restored: then their widths stand.
class UrlColumnFitter final : public QObject
{
public:
    explicit UrlColumnFitter(QTableView *table)
        : QObject(table)
        , m_table(table)
    {
        table->viewport()->installEventFilter(this);
        connect(table->horizontalHeader(), &QHeaderView::sectionResized, this, [this](int column) {
            if (!m_fitting && column != JobQueueModel::ErrorColumn)
                m_stopped = true;
        });
    }
    void stop() { m_stopped = true; }

protected:
    bool eventFilter(QObject *watched, QEvent *event) override
    {
        if (event->type() == QEvent::Resize && !m_stopped)
            fit();
        return QObject::eventFilter(watched, event);
    }

private:
    void fit()
    {
        QHeaderView *header = m_table->horizontalHeader();
        int others = 0;
        for (int column = 0; column < JobQueueModel::ColumnCount; ++column) {
            if (column != JobQueueModel::UrlColumn && column != JobQueueModel::ErrorColumn)
                others += header->isSectionHidden(column) ? 0 : header->sectionSize(column);
        }
        const int error = ErrorColumnChars * m_table->fontMetrics().averageCharWidth();
        const int width = std::clamp(m_table->viewport()->width() - others - error,
                                     UrlColumnMinWidth, UrlColumnWidth);
        m_fitting = true;
        header->resizeSection(JobQueueModel::UrlColumn, width);
        m_fitting = false;
    }

    QTableView *const m_table;
    bool m_fitting = false;
    bool m_stopped = false;
};

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
    m_table = new QTableView(this);
    m_table->setObjectName(QStringLiteral("queueTable"));
    m_table->setAccessibleName(tr("Queue"));
    m_table->setModel(m_proxy);
    m_table->setItemDelegate(new ProgressDelegate(m_table));
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::ExtendedSelection);
    m_table->setContextMenuPolicy(Qt::CustomContextMenu);
    m_table->setAlternatingRowColors(true);
    m_table->setTabKeyNavigation(false); // Tab moves on to the next widget, not the next cell
    m_table->setWordWrap(false);
    m_table->setTextElideMode(Qt::ElideMiddle);
    m_table->verticalHeader()->hide();
    // A fixed row height lets the view skip measuring 100,000 rows.
    m_table->verticalHeader()->setSectionResizeMode(QHeaderView::Fixed);
    m_table->verticalHeader()->setDefaultSectionSize(m_table->fontMetrics().height()
                                                     + RowHeightPadding);
    m_table->horizontalHeader()->setSortIndicator(-1, Qt::AscendingOrder); // list order
    m_table->setSortingEnabled(true);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_table->setColumnWidth(JobQueueModel::UrlColumn, UrlColumnWidth);
    // The other columns fit their widest usual content; Size, Speed and Time every value.
    const QFontMetrics metrics = m_table->fontMetrics();
    m_table->setColumnWidth(JobQueueModel::StatusColumn,
                            metrics.horizontalAdvance(tr("Cancelled")) + 40);
    m_table->setColumnWidth(JobQueueModel::HttpCodeColumn,
                            metrics.horizontalAdvance(QStringLiteral("HTTP 000")));
    for (const int column :
         { JobQueueModel::SizeColumn, JobQueueModel::SpeedColumn, JobQueueModel::TimeColumn })
        m_table->setColumnWidth(column, ProgressDelegate::columnWidth(m_table, column));
    m_table->setColumnWidth(JobQueueModel::ProgressColumn,
                            metrics.horizontalAdvance(QStringLiteral("0000000000")));
    m_table->horizontalHeader()->setSectionsMovable(true);
    m_urlColumnFitter = new UrlColumnFitter(m_table);

    auto *banner = new QWidget(this);
    banner->setObjectName(QStringLiteral("lastListBanner"));
    auto *bannerLayout = new QHBoxLayout(banner);
    auto *bannerText = new QLabel(banner);
    bannerText->setObjectName(QStringLiteral("lastListText"));
    // Alt+R is the Run menu's: this one takes O.
    auto *restore = new QPushButton(tr("Rest&ore"), banner);
    restore->setObjectName(QStringLiteral("restoreLastList"));
    auto *dismiss = new QPushButton(tr("&Dismiss"), banner);
    bannerLayout->addWidget(bannerText, 1);
    bannerLayout->addWidget(restore);
    bannerLayout->addWidget(dismiss);
    banner->hide();
    connect(dismiss, &QPushButton::clicked, banner, &QWidget::hide);
    connect(restore, &QPushButton::clicked, this, [this, banner] {
        m_input->setText(banner->property("text").toString());
        banner->hide();
        m_input->editor()->setFocus();
    });

    // The run journal's offer after a crash: like the last list's, but it restores results too.
    auto *journalBanner = new QWidget(this);
    journalBanner->setObjectName(QStringLiteral("journalBanner"));
    auto *journalLayout = new QHBoxLayout(journalBanner);
    auto *journalText = new QLabel(journalBanner);
    journalText->setObjectName(QStringLiteral("journalText"));
    journalText->setWordWrap(true);
    // Alt+R is the Run menu's (and Alt+O the last list's banner's): this one takes S.
    auto *restoreJournal = new QPushButton(tr("Re&store"), journalBanner);
    restoreJournal->setObjectName(QStringLiteral("restoreJournal"));
    auto *discardJournal = new QPushButton(tr("D&iscard"), journalBanner);
    discardJournal->setObjectName(QStringLiteral("discardJournal"));
    journalLayout->addWidget(journalText, 1);
    journalLayout->addWidget(restoreJournal);
    journalLayout->addWidget(discardJournal);
    journalBanner->hide();
    connect(restoreJournal, &QPushButton::clicked, this, [this, journalBanner] {
        const QList<Job> jobs = RunJournal::restorableJobs(m_restorable);
        m_restorable.clear();
        journalBanner->hide();
        const int restored = m_model->addRestored(jobs);
        const int queued = int(std::count_if(jobs.cbegin(), jobs.cend(),
                                             [](const Job &job) { return !job.isFinished(); }));
        refreshSummary();
        statusBar()->showMessage(
            tr("Restored %n URL(s) of the last run; press Start to fetch the %1 not done yet.",
               nullptr, restored)
                .arg(queued),
            StatusMessageMs);
        m_table->setFocus();
    });
    connect(discardJournal, &QPushButton::clicked, this, [this, journalBanner] {
        if (m_journal)
            m_journal->discardPrevious(m_restorable);
        m_restorable.clear();
        journalBanner->hide();
    });

    auto *top = new QWidget(this);
    auto *topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(0, 0, 0, 0);
    topLayout->addWidget(journalBanner);
    topLayout->addWidget(banner);
    topLayout->addWidget(m_input);

    auto *splitter = new QSplitter(Qt::Vertical, this);
    splitter->setObjectName(QStringLiteral("mainSplitter"));
    splitter->addWidget(top);
    splitter->addWidget(m_table);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 3);
    setCentralWidget(splitter);

    createDocks();
    createActions();
    createMenus();
    createToolBar();
    // A passing message ("Summary copied.") gives the line back to the hint or the last run's
    // classic lines when it times out, instead of leaving the bar empty.
    connect(statusBar(), &QStatusBar::messageChanged, this, [this](const QString &text) {
        if (text.isEmpty() && !m_idleStatus.isEmpty())
            statusBar()->showMessage(m_idleStatus);
    });
    setIdleStatus(tr("Paste URLs above and press Add, then Start."));

    connect(m_input, &InputPanel::entriesReady, this, &MainWindow::addEntries);
    connect(m_input, &InputPanel::message, this,
            [this](const QString &text) { statusBar()->showMessage(text, StatusMessageMs); });
    connect(m_engine, &FetchEngine::jobFinished, this, &MainWindow::onJobFinished);
    connect(m_engine, &FetchEngine::runFinished, this, &MainWindow::onRunFinished);
    connect(m_table, &QWidget::customContextMenuRequested, this, &MainWindow::showContextMenu);
    connect(m_table->selectionModel(), &QItemSelectionModel::currentRowChanged, this,
            &MainWindow::showSelectedDetails);
    connect(m_model, &QAbstractItemModel::rowsInserted, this, &MainWindow::updateActions);
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, &MainWindow::updateActions);
    connect(m_model, &QAbstractItemModel::modelReset, this, &MainWindow::updateActions);
    // What was removed before the queue was replaced has no place to go back to.
    connect(m_model, &QAbstractItemModel::modelReset, m_undo, &QUndoStack::clear);
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
                    statusBar()->showMessage(tr("Serial baseline stopped."), StatusMessageMs);
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
    summaryDock->setWidget(m_summary);
    addDockWidget(Qt::RightDockWidgetArea, summaryDock);
    summaryDock->toggleViewAction()->setText(tr("&Summary")); // the title bar shows no mnemonic

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
    constexpr int Percent = 100;
    const QSize wanted = restored
        ? size()
        : DefaultWindowSize.expandedTo(available.size() * FirstWindowPercent / Percent);
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
    resizeDocks({ waterfallDock }, { std::min(WaterfallDockHeight, available.height() * 2 / 5) },
                Qt::Vertical);
    const int span = std::min(width(), available.width());
    constexpr int Percent = 100;
    resizeDocks(
        { waterfallDock, detailsDock },
        { span * (Percent - DetailsDockPercent) / Percent, span * DetailsDockPercent / Percent },
        Qt::Horizontal);
}

// The waterfall sits below the table (a bottom dock, so it gets the window's whole width),
// with its grouping and zoom controls in a small tool bar of its own.
void MainWindow::createWaterfallDock()
{
    auto *container = new QWidget(this);
    auto *layout = new QVBoxLayout(container);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    auto *bar = new QToolBar(tr("Waterfall"), container);
    bar->setObjectName(QStringLiteral("waterfallToolBar"));
    bar->setIconSize(QSize(16, 16));
    m_waterfall = new WaterfallView(container);
    m_waterfall->setModel(m_model, m_proxy);
    m_waterfall->setClock([engine = m_engine] { return engine->nowNs(); });

    auto *groupLabel = new QLabel(tr("&Group:"), bar);
    m_waterfallGrouping = new QComboBox(bar);
    m_waterfallGrouping->setObjectName(QStringLiteral("waterfallGrouping"));
    m_waterfallGrouping->setAccessibleName(tr("Group the waterfall"));
    m_waterfallGrouping->addItem(tr("By lane"), int(WaterfallView::Grouping::Lane));
    m_waterfallGrouping->addItem(tr("By lane, one line each"),
                                 int(WaterfallView::Grouping::LanePacked));
    m_waterfallGrouping->addItem(tr("By host"), int(WaterfallView::Grouping::Host));
    m_waterfallGrouping->setToolTip(
        tr("Lanes are the workers: each fetches one URL at a time on its own connection"));
    groupLabel->setBuddy(m_waterfallGrouping);
    bar->addWidget(groupLabel);
    bar->addWidget(m_waterfallGrouping);
    connect(m_waterfallGrouping, &QComboBox::currentIndexChanged, this, [this] {
        m_waterfall->setGrouping(
            WaterfallView::Grouping(m_waterfallGrouping->currentData().toInt()));
    });
    bar->addSeparator();
    // Their keys work while the waterfall (or its tool bar) has the focus, and so they are in
    // Help → Keyboard Shortcuts.
    container->setAccessibleName(tr("Waterfall"));
    const auto zoomAction = [this, bar,
                             container](const char *name, const QString &text, const QString &icon,
                                        const QList<QKeySequence> &keys, const QString &toolTip,
                                        void (WaterfallView::*slot)()) {
        QAction *zoom = bar->addAction(QIcon(QStringLiteral(":/icons/%1.svg").arg(icon)), text);
        zoom->setObjectName(QLatin1String(name));
        zoom->setToolTip(toolTip);
        zoom->setShortcuts(keys);
        zoom->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        container->addAction(zoom);
        connect(zoom, &QAction::triggered, m_waterfall, slot);
    };
    zoomAction("waterfallZoomIn", tr("Zoom In"), QStringLiteral("zoom-in"),
               { QKeySequence(Qt::Key_Plus), QKeySequence(Qt::Key_Equal) },
               tr("Zoom in on the time axis (+, or Ctrl+wheel over the bars)"),
               &WaterfallView::zoomIn);
    zoomAction("waterfallZoomOut", tr("Zoom Out"), QStringLiteral("zoom-out"),
               { QKeySequence(Qt::Key_Minus) }, tr("Zoom out on the time axis (-)"),
               &WaterfallView::zoomOut);
    zoomAction("waterfallFit", tr("Fit"), QStringLiteral("zoom-fit"), { QKeySequence(Qt::Key_0) },
               tr("Fit the whole run into the width, and keep it fitted as it grows (0)"),
               &WaterfallView::zoomToFit);
    layout->addWidget(bar);
    layout->addWidget(m_waterfall, 1);

    auto *dock = new QDockWidget(tr("Waterfall"), this);
    dock->setObjectName(QStringLiteral("waterfallDock"));
    dock->setWidget(container);
    addDockWidget(Qt::BottomDockWidgetArea, dock);
    QAction *toggle = dock->toggleViewAction();
    toggle->setObjectName(QStringLiteral("showWaterfall"));
    toggle->setText(tr("&Waterfall"));
    toggle->setIcon(QIcon(QStringLiteral(":/icons/waterfall.svg")));
    // W for waterfall; Ctrl+W alone is the platforms' Close, so Shift is added.
    const QKeySequence toggleKeys(Qt::CTRL | Qt::SHIFT | Qt::Key_W);
    toggle->setShortcut(toggleKeys);
    toggle->setToolTip(
        tr("Show or hide the waterfall (%1)").arg(toggleKeys.toString(QKeySequence::NativeText)));

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

QAction *MainWindow::addAction(const QString &objectName, const QString &text, const QString &icon,
                               const QKeySequence &shortcut, const QString &toolTip,
                               void (MainWindow::*slot)())
{
    auto *action = new QAction(
        icon.isEmpty() ? QIcon() : QIcon(QStringLiteral(":/icons/%1.svg").arg(icon)), text, this);
    action->setObjectName(objectName);
    if (!shortcut.isEmpty())
        action->setShortcut(shortcut);
    action->setToolTip(
        shortcut.isEmpty()
            ? toolTip
            : tr("%1 (%2)").arg(toolTip, shortcut.toString(QKeySequence::NativeText)));
    action->setStatusTip(toolTip);
    connect(action, &QAction::triggered, this, slot);
    return action;
}

QAction *MainWindow::action(const QString &objectName) const
{
    return findChild<QAction *>(objectName);
}

void MainWindow::createActions()
{
    addAction(QStringLiteral("start"), tr("&Start"), QStringLiteral("start"), Qt::Key_F5,
              tr("Fetch the queued URLs"), &MainWindow::start);
    addAction(QStringLiteral("pause"), tr("&Pause"), QStringLiteral("pause"),
              QKeySequence(Qt::CTRL | Qt::Key_P), tr("Start no new URL; the running ones finish"),
              &MainWindow::pause);
    addAction(QStringLiteral("resume"), tr("Res&ume"), QStringLiteral("resume"),
              QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P), tr("Continue a paused run"),
              &MainWindow::resume);
    addAction(QStringLiteral("cancelAll"), tr("&Cancel All"), QStringLiteral("cancel"),
              QKeySequence(Qt::CTRL | Qt::Key_Period),
              tr("Cancel the running URLs and the queued ones"), &MainWindow::cancelAll);
    addAction(QStringLiteral("retryFailed"), tr("&Retry Failed"), QStringLiteral("retry"),
              QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R),
              tr("Queue the failed URLs again and start"), &MainWindow::retryFailed);
    addAction(QStringLiteral("retryCancelled"), tr("Retry Ca&ncelled"), QStringLiteral("retry"),
              QKeySequence(), tr("Queue the cancelled URLs again and start"),
              &MainWindow::retryCancelled);
    addAction(QStringLiteral("clearFinished"), tr("C&lear Finished"), QStringLiteral("clear"),
              QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Delete),
              tr("Remove every finished URL from the queue (Edit → Undo puts them back)"),
              &MainWindow::clearFinished);
    addAction(QStringLiteral("clearSucceeded"), tr("Clear Succee&ded"), QStringLiteral("clear"),
              QKeySequence(),
              tr("Remove the succeeded URLs from the queue (Edit → Undo puts them back)"),
              &MainWindow::clearSucceeded);
    addAction(QStringLiteral("measureBaseline"), tr("Measure Serial &Baseline"),
              QStringLiteral("baseline"), QKeySequence(Qt::CTRL | Qt::Key_B),
              tr("Fetch the same list with one worker to measure the real serial time"),
              &MainWindow::measureBaseline);
    // Esc stops it wherever the focus is; while it runs the table's Esc gives way.
    addAction(QStringLiteral("stopBaseline"), tr("St&op Baseline"), QStringLiteral("cancel"),
              QKeySequence(Qt::Key_Escape), tr("Stop measuring the serial baseline"),
              &MainWindow::stopBaseline);
    m_undo = new QUndoStack(this);
    QAction *undo = m_undo->createUndoAction(this, tr("U&ndo"));
    undo->setObjectName(QStringLiteral("undo"));
    undo->setShortcut(QKeySequence::Undo);
    QAction *redo = m_undo->createRedoAction(this, tr("Re&do"));
    redo->setObjectName(QStringLiteral("redo"));
    redo->setShortcut(QKeySequence::Redo);
    addAction(QStringLiteral("import"), tr("&Import URL List…"), QStringLiteral("import"),
              QKeySequence::Open, tr("Add the URLs of a .txt or .csv file"),
              &MainWindow::importDialog);
    addAction(QStringLiteral("openRun"), tr("&Open Saved Run…"), QStringLiteral("import"),
              QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_O),
              tr("Show a run exported as JSON, CSV or HAR (also a browser's HAR)"),
              &MainWindow::openRunDialog);
    addAction(QStringLiteral("export"), tr("&Export Results…"), QStringLiteral("export"),
              QKeySequence(Qt::CTRL | Qt::Key_E), tr("Save the results as CSV or JSON"),
              &MainWindow::exportDialog);
    addAction(QStringLiteral("copySummary"), tr("Copy &Summary"), QStringLiteral("copy"),
              QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C), tr("Copy the run's summary as text"),
              &MainWindow::copySummary);
    // QKeySequence::Preferences is empty without a desktop environment: the key is given.
    addAction(QStringLiteral("settings"), tr("Se&ttings…"), QStringLiteral("settings"),
              QKeySequence(Qt::CTRL | Qt::Key_Comma),
              tr("Timeouts, retries, headers, where bodies are saved"),
              &MainWindow::settingsDialog);
    // Row actions act on the table's selection; their shortcuts work while the table has focus.
    addAction(QStringLiteral("openInBrowser"), tr("&Open in Browser"), QString(),
              QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O),
              tr("Open the selected URL in the web browser"), &MainWindow::openSelectedInBrowser);
    addAction(QStringLiteral("copyUrl"), tr("Copy &URL"), QStringLiteral("copy"),
              QKeySequence::Copy, tr("Copy the selected URLs"), &MainWindow::copySelectedUrls);
    addAction(QStringLiteral("copyRow"), tr("Copy &Row"), QString(),
              QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_C), tr("Copy the selected rows as text"),
              &MainWindow::copySelectedRows);
    addAction(QStringLiteral("retrySelected"), tr("Re&try"), QStringLiteral("retry"),
              QKeySequence(Qt::CTRL | Qt::Key_R), tr("Queue the selected finished URLs again"),
              &MainWindow::retrySelected);
    addAction(QStringLiteral("cancelSelected"), tr("Ca&ncel"), QStringLiteral("cancel"),
              QKeySequence(Qt::Key_Escape), tr("Cancel the selected URLs"),
              &MainWindow::cancelSelected);
    addAction(QStringLiteral("removeSelected"), tr("Re&move"), QStringLiteral("clear"),
              QKeySequence::Delete, tr("Remove the selected finished or queued URLs"),
              &MainWindow::removeSelected);
    for (const char *name : { "openInBrowser", "copyUrl", "copyRow", "retrySelected",
                              "cancelSelected", "removeSelected" }) {
        QAction *rowAction = action(QLatin1String(name));
        rowAction->setShortcutContext(Qt::WidgetShortcut);
        m_table->addAction(rowAction);
    }
}

void MainWindow::createMenus()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_input->addToQueueAction());
    file->addAction(action(QStringLiteral("import")));
    file->addAction(action(QStringLiteral("openRun")));
    file->addAction(action(QStringLiteral("export")));
    file->addAction(tr("Co&mpare Runs…"), this,
                    [this] {
                        auto *dialog = new CompareDialog(this);
                        dialog->setAttribute(Qt::WA_DeleteOnClose);
                        dialog->show();
                    })
        ->setObjectName(QStringLiteral("compareRuns"));
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);
    quit->setObjectName(QStringLiteral("quit"));

    QMenu *edit = menuBar()->addMenu(tr("&Edit"));
    edit->addAction(action(QStringLiteral("undo")));
    edit->addAction(action(QStringLiteral("redo")));
    edit->addSeparator();
    edit->addAction(action(QStringLiteral("openInBrowser")));
    edit->addAction(action(QStringLiteral("copyUrl")));
    edit->addAction(action(QStringLiteral("copyRow")));
    edit->addAction(action(QStringLiteral("copySummary")));
    edit->addSeparator();
    edit->addAction(action(QStringLiteral("settings")));

    QMenu *run = menuBar()->addMenu(tr("&Run"));
    for (const char *name : { "start", "pause", "resume", "cancelAll" })
        run->addAction(action(QLatin1String(name)));
    run->addSeparator();
    for (const char *name : { "retryFailed", "retryCancelled", "clearFinished", "clearSucceeded",
                              "measureBaseline", "stopBaseline" })
        run->addAction(action(QLatin1String(name)));
    run->addAction(
           tr("Concurrency S&weep…"), this,
           [this] {
               auto *dialog = new SweepDialog(m_model->jobs(), m_engine->options(), this);
               dialog->setAttribute(Qt::WA_DeleteOnClose);
               connect(dialog, &SweepDialog::sweepStarted, this, &MainWindow::updateActions);
               connect(dialog, &SweepDialog::sweepFinished, this, &MainWindow::updateActions);
               m_sweep = dialog; // Cancel All stops the latest one
               dialog->show();
           })
        ->setObjectName(QStringLiteral("concurrencySweep"));

    QMenu *view = menuBar()->addMenu(tr("&View"));
    for (QDockWidget *dock : findChildren<QDockWidget *>())
        view->addAction(dock->toggleViewAction());

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&Keyboard Shortcuts"), this,
                    [this] {
                        ShortcutsDialog dialog(this, this);
                        dialog.exec();
                    })
        ->setObjectName(QStringLiteral("keyboardShortcuts"));
    help->addAction(tr("&About Parafetch"), this, [this] {
        QMessageBox::about(this, tr("About Parafetch"),
                           tr("<p><b>Parafetch %1</b></p><p>Fetches many URLs at once and shows "
                              "where the time went: per-URL times, the wall time against the "
                              "serial time, and the speedup that concurrency bought.</p>")
                               .arg(QCoreApplication::applicationVersion()));
    });
}

void MainWindow::createToolBar()
{
    QToolBar *bar = addToolBar(tr("Run"));
    bar->setObjectName(QStringLiteral("runToolBar"));
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    for (const char *name : { "start", "pause", "resume", "cancelAll" })
        bar->addAction(action(QLatin1String(name)));
    bar->addSeparator();
    for (const char *name : { "retryFailed", "clearFinished", "measureBaseline" })
        bar->addAction(action(QLatin1String(name)));
    bar->addSeparator();

    auto *workersLabel = new QLabel(tr("&Workers:"), bar);
    m_concurrency = new QSpinBox(bar);
    m_concurrency->setObjectName(QStringLiteral("concurrency"));
    m_concurrency->setRange(FetchOptions::MinConcurrency, FetchOptions::MaxConcurrency);
    m_concurrency->setValue(m_engine->concurrency());
    m_concurrency->setAccessibleName(tr("Workers"));
    m_concurrency->setToolTip(tr("How many URLs are fetched at once; takes effect immediately"));
    workersLabel->setBuddy(m_concurrency);
    bar->addWidget(workersLabel);
    bar->addWidget(m_concurrency);
    connect(m_concurrency, &QSpinBox::valueChanged, m_engine, &FetchEngine::setConcurrency);
    bar->addSeparator();

    m_filter = new QLineEdit(bar);
    m_filter->setObjectName(QStringLiteral("filter"));
    m_filter->setPlaceholderText(tr("Filter URLs and errors"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setAccessibleName(tr("Filter"));
    bar->addWidget(m_filter);
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &JobTableProxyModel::setTextFilter);

    m_statusFilter = new QComboBox(bar);
    m_statusFilter->setObjectName(QStringLiteral("statusFilter"));
    m_statusFilter->setAccessibleName(tr("Show"));
    m_statusFilter->addItem(tr("All"), int(JobTableProxyModel::StatusFilter::All));
    m_statusFilter->addItem(tr("Active"), int(JobTableProxyModel::StatusFilter::Active));
    m_statusFilter->addItem(tr("Queued"), int(JobTableProxyModel::StatusFilter::Queued));
    m_statusFilter->addItem(tr("Running"), int(JobTableProxyModel::StatusFilter::Running));
    m_statusFilter->addItem(tr("Done"), int(JobTableProxyModel::StatusFilter::Done));
    m_statusFilter->addItem(tr("Failed"), int(JobTableProxyModel::StatusFilter::Failed));
    m_statusFilter->addItem(tr("Cancelled"), int(JobTableProxyModel::StatusFilter::Cancelled));
    bar->addWidget(m_statusFilter);
    m_runToolBar = bar;
    m_toolBarTextWidth = bar->sizeHint().width();
    connect(m_statusFilter, &QComboBox::currentIndexChanged, this, [this] {
        m_proxy->setStatusFilter(
            JobTableProxyModel::StatusFilter(m_statusFilter->currentData().toInt()));
    });
    QAction *focusFilter = new QAction(tr("Filter the Queue"), this);
    focusFilter->setObjectName(QStringLiteral("focusFilter"));
    focusFilter->setShortcut(QKeySequence::Find);
    connect(focusFilter, &QAction::triggered, m_filter, [this] {
        m_filter->setFocus();
        m_filter->selectAll();
    });
    QMainWindow::addAction(focusFilter);
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
    action(QStringLiteral("measureBaseline"))->setEnabled(hasRows && !baseline);
    action(QStringLiteral("stopBaseline"))->setEnabled(baseline);
    // One owner for Esc at a time: two would make it ambiguous, and neither would act.
    action(QStringLiteral("cancelSelected"))
        ->setShortcut(baseline ? QKeySequence() : QKeySequence(Qt::Key_Escape));
    action(QStringLiteral("export"))->setEnabled(hasRows);
}

void MainWindow::addEntries(const QList<UrlEntry> &entries)
{
    m_model->addEntries(entries);
    refreshSummary();
    if (!m_engine->isRunning() && m_model->rowCount() > 0)
        setIdleStatus(tr("Press Start (F5) to fetch the queue."));
}

void MainWindow::setIdleStatus(const QString &text)
{
    m_idleStatus = text;
    statusBar()->showMessage(text);
}

void MainWindow::start()
{
    setIdleStatus(QString()); // the hint or the last run's lines: the summary takes over
    writeSettings(); // the Workers value and the run's settings survive a crash of this run
    m_engine->setConcurrency(m_concurrency->value());
    m_engine->start();
    if (m_engine->isRunning())
        m_summaryTimer.start();
    updateActions();
}

void MainWindow::pause()
{
    m_engine->pause();
    statusBar()->showMessage(tr("Paused: running URLs finish, no new one starts."),
                             StatusMessageMs);
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
    statusBar()->showMessage(
        tr("%1: Edit → Undo (%2) puts the rows back.")
            .arg(undoText, QKeySequence(QKeySequence::Undo).toString(QKeySequence::NativeText)),
        StatusMessageMs);
}

void MainWindow::measureBaseline()
{
    QList<UrlEntry> entries;
    entries.reserve(m_model->rowCount());
    for (const Job &job : m_model->jobs())
        entries.append(UrlEntry { job.url, job.fileName, job.sourceLine });
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
    statusBar()->showMessage(tr("Summary copied."), StatusMessageMs);
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
    m_unexportedResults = true;
    if (job.id == m_details->jobId())
        m_details->showJob(job);
}

void MainWindow::onRunFinished()
{
    m_summaryTimer.stop();
    refreshSummary();
    const RunSummary &summary = m_summary->summary();
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

QList<int> MainWindow::selectedSourceRows() const
{
    QList<int> rows;
    for (const QModelIndex &index : m_table->selectionModel()->selectedRows())
        rows.append(m_proxy->mapToSource(index).row());
    std::sort(rows.begin(), rows.end());
    return rows;
}

bool MainWindow::requireSelection()
{
    if (m_table->selectionModel()->hasSelection())
        return true;
    statusBar()->showMessage(tr("Select one or more URLs in the queue first."), StatusMessageMs);
    return false;
}

void MainWindow::copySelectedUrls()
{
    if (!requireSelection())
        return;
    QStringList urls;
    for (int row : selectedSourceRows())
        urls.append(redactedUrl(m_model->jobAt(row).url));
    if (!urls.isEmpty())
        QApplication::clipboard()->setText(urls.join(QLatin1Char('\n')));
}

void MainWindow::copySelectedRows()
{
    if (!requireSelection())
        return;
    QStringList lines;
    for (int row : selectedSourceRows()) {
        QStringList cells;
        for (int column = 0; column < JobQueueModel::ColumnCount; ++column)
            cells.append(m_model->index(row, column).data().toString());
        lines.append(cells.join(QLatin1Char('\t')));
    }
    if (!lines.isEmpty())
        QApplication::clipboard()->setText(lines.join(QLatin1Char('\n')));
}

void MainWindow::openSelectedInBrowser()
{
    if (!requireSelection())
        return;
    const QUrl url = m_model->jobAt(selectedSourceRows().constFirst()).url;
    if (!QDesktopServices::openUrl(url))
        QMessageBox::warning(this, tr("Open in Browser"),
                             tr("No web browser could be started for %1.").arg(redactedUrl(url)));
}

void MainWindow::retrySelected()
{
    if (!requireSelection())
        return;
    m_model->requeue(selectedSourceRows());
    start();
}

void MainWindow::cancelSelected()
{
    if (!requireSelection())
        return;
    for (int row : selectedSourceRows()) {
        const Job &job = m_model->jobAt(row);
        if (!job.isFinished())
            m_engine->cancel(job.id);
    }
    updateActions();
}

void MainWindow::removeSelected()
{
    if (!requireSelection())
        return;
    // Running rows stay: cancel them first.
    const QList<int> rows = selectedSourceRows();
    for (auto it = rows.crbegin(); it != rows.crend(); ++it) {
        if (m_model->jobAt(*it).state != JobState::Running)
            m_model->removeRows(*it, 1);
    }
    refreshSummary();
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

void MainWindow::selectJob(int sourceRow)
{
    const QModelIndex index =
        m_proxy->mapFromSource(m_model->index(sourceRow, JobQueueModel::UrlColumn));
    if (!index.isValid())
        return;
    m_table->selectionModel()->setCurrentIndex(
        index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    m_table->scrollTo(index);
}

void MainWindow::showContextMenu(const QPoint &position)
{
    if (!m_table->indexAt(position).isValid())
        return;
    QMenu menu(this);
    for (const char *name : { "openInBrowser", "copyUrl", "copyRow" })
        menu.addAction(action(QLatin1String(name)));
    menu.addSeparator();
    for (const char *name : { "retrySelected", "cancelSelected", "removeSelected" })
        menu.addAction(action(QLatin1String(name)));
    menu.exec(m_table->viewport()->mapToGlobal(position));
}

bool MainWindow::importFile(const QString &path)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        QMessageBox::warning(
            this, tr("Import"),
            tr("Cannot open %1: %2").arg(QDir::toNativeSeparators(path), file.errorString()));
        return false;
    }
    m_lastDirectory = QFileInfo(path).absolutePath();
    return m_input->importDevice(&file, QFileInfo(path).fileName());
}

void MainWindow::importDialog()
{
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Import URL List"), m_lastDirectory,
                                     tr("URL lists (*.txt *.csv *.list);;All files (*)"));
    if (!path.isEmpty())
        importFile(path);
}

bool MainWindow::exportTo(const QString &path, QString *error)
{
    const std::optional<ExportFormat> format = ResultExporter::formatForPath(path);
    if (!format) {
        *error = tr("Choose a file name ending in .json, .csv or .har.");
        return false;
    }
    const RunSummary summary = m_model->summary();
    RunInfo info;
    info.startedAt =
        m_engine->epoch().addMSecs(std::max<qint64>(summary.firstStartNs, 0) / 1'000'000);
    info.concurrency = m_engine->concurrency();
    info.method = m_engine->options().method == FetchOptions::Method::Head
        ? QByteArrayLiteral("HEAD")
        : QByteArrayLiteral("GET");
    info.toolVersion = QCoreApplication::applicationVersion();
    info.requestHeaders = m_engine->options().headers; // masked by the HAR export
    if (!ResultExporter::write(path, *format, m_model->jobs(), summary, info, error))
        return false;
    m_unexportedResults = false;
    return true;
}

void MainWindow::exportDialog()
{
    // The dialog opens where the last export or import went (Documents the first time), on a
    // dated name in the format chosen last (CSV the first time), not in the process's folder.
    QSettings settings;
    const QString csvFilter = tr("CSV (*.csv)");
    const QString jsonFilter = tr("JSON (*.json)");
    const QString harFilter = tr("HAR 1.2 (*.har)");
    const QString lastSuffix =
        settings.value(settingsKey("exportSuffix"), QStringLiteral("csv")).toString();
    QString selectedFilter = lastSuffix == QLatin1String("json") ? jsonFilter
        : lastSuffix == QLatin1String("har")                     ? harFilter
                                                                 : csvFilter;
    const QString folder = m_lastDirectory.isEmpty()
        ? QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation)
        : m_lastDirectory;
    const QString suggested = QDir(folder).filePath(
        QStringLiteral("parafetch-%1.%2")
            .arg(QDateTime::currentDateTime().toString(QStringLiteral("yyyyMMdd-HHmm")),
                 selectedFilter == jsonFilter      ? QStringLiteral("json")
                     : selectedFilter == harFilter ? QStringLiteral("har")
                                                   : QStringLiteral("csv")));
    QString path = QFileDialog::getSaveFileName(
        this, tr("Export Results"), suggested,
        QStringList { csvFilter, jsonFilter, harFilter }.join(QStringLiteral(";;")),
        &selectedFilter);
    if (path.isEmpty())
        return;
    if (!ResultExporter::formatForPath(path))
        path += selectedFilter.startsWith(QLatin1String("CSV")) ? QLatin1String(".csv")
            : selectedFilter.startsWith(QLatin1String("HAR"))   ? QLatin1String(".har")
                                                                : QLatin1String(".json");
    m_lastDirectory = QFileInfo(path).absolutePath();
    settings.setValue(settingsKey("exportSuffix"), QFileInfo(path).suffix().toLower());
    QString error;
    if (exportTo(path, &error))
        statusBar()->showMessage(tr("Exported %1.").arg(QDir::toNativeSeparators(path)),
                                 StatusMessageMs);
    else
        QMessageBox::warning(this, tr("Export Results"), error);
}

void MainWindow::openRunDialog()
{
    const QString path =
        QFileDialog::getOpenFileName(this, tr("Open Saved Run"), m_lastDirectory,
                                     tr("Saved runs (*.json *.har *.csv);;All files (*)"));
    if (!path.isEmpty())
        openRun(path);
}

bool MainWindow::openRun(const QString &path)
{
    if (m_engine->isRunning()) {
        QMessageBox::information(
            this, tr("Open Saved Run"),
            tr("Wait for the run to finish, or cancel it, before opening a saved one."));
        return false;
    }
    if (!mayDropResults())
        return false;
    ImportedRun run;
    QString error;
    if (!ResultImporter::read(path, &run, &error)) {
        QMessageBox::warning(this, tr("Open Saved Run"), error);
        return false;
    }
    m_lastDirectory = QFileInfo(path).absolutePath();
    m_model->clear();
    m_model->addSaved(run.jobs);
    m_unexportedResults = false; // they are in that file
    refreshSummary();
    const QString name = QDir::toNativeSeparators(path);
    statusBar()->showMessage(tr("Opened %1: %n URL(s).", nullptr, int(run.jobs.size())).arg(name),
                             StatusMessageMs);
    if (!run.problems.isEmpty()) {
        constexpr int ShownProblems = 10;
        QStringList shown = run.problems.mid(0, ShownProblems);
        if (run.problems.size() > ShownProblems)
            shown.append(tr("… and %n more", nullptr, int(run.problems.size() - ShownProblems)));
        QMessageBox::warning(this, tr("Open Saved Run"),
                             tr("Some entries of %1 could not be read and were left out:\n\n%2")
                                 .arg(name, shown.join(QLatin1Char('\n'))));
    }
    return true;
}

bool MainWindow::mayDropResults()
{
    const int finished =
        m_model->rowCount() - m_model->count(JobState::Queued) - m_model->count(JobState::Running);
    if (!m_unexportedResults || finished == 0)
        return true;
    QMessageBox box(QMessageBox::Question, tr("Open Saved Run"),
                    tr("The results of %n URL(s) in the queue have not been exported. Opening a "
                       "saved run replaces them.",
                       nullptr, finished),
                    QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, this);
    box.setObjectName(QStringLiteral("unexportedResults"));
    box.button(QMessageBox::Save)->setText(tr("&Export First…"));
    box.button(QMessageBox::Discard)->setText(tr("&Discard Them"));
    box.setDefaultButton(QMessageBox::Cancel);
    switch (box.exec()) {
    case QMessageBox::Discard:
        return true;
    case QMessageBox::Save:
        exportDialog();
        return !m_unexportedResults; // a cancelled or failed export keeps them
    default:
        return false;
    }
}

void MainWindow::settingsDialog()
{
    SettingsDialog dialog(m_engine->options(), this);
    if (dialog.exec() != QDialog::Accepted)
        return;
    FetchOptions options = dialog.options();
    options.concurrency = m_concurrency->value();
    m_engine->setOptions(options);
    writeSettings();
}

void MainWindow::offerLastList(const QString &text)
{
    auto *banner = findChild<QWidget *>(QStringLiteral("lastListBanner"));
    const int lines =
        int(text.count(QLatin1Char('\n'))) + (text.endsWith(QLatin1Char('\n')) ? 0 : 1);
    if (text.trimmed().isEmpty() || !banner)
        return;
    // What the clean close that saved this list knew of it (saveLastList()).
    QSettings settings;
    const bool known =
        settings.value(settingsKey("lastListOf")).toByteArray() == Sha256::hash(text.toUtf8());
    const int urls = known ? settings.value(settingsKey("lastListUrls")).toInt() : 0;
    const int done = known ? settings.value(settingsKey("lastListDone")).toInt() : 0;
    QString label = tr("Your last list (%n line(s)) can be restored.", nullptr, lines);
    QString restored = text;
    if (known && urls > 0 && done >= urls) {
        label = tr("All %n URL(s) of your last list were done; Restore puts the list back.",
                   nullptr, urls);
    } else if (known && done > 0) {
        label = tr("%1 of %n URL(s) of your last list were done; the other %2 can be restored.",
                   nullptr, urls)
                    .arg(done)
                    .arg(urls - done);
        restored = settings.value(settingsKey("lastListUndone")).toString();
    }
    banner->setProperty("text", restored);
    banner->findChild<QLabel *>(QStringLiteral("lastListText"))->setText(label);
    banner->show();
}

void MainWindow::setRunJournal(RunJournal *journal)
{
    if (m_journal)
        disconnect(m_journal, nullptr, this, nullptr);
    m_journal = journal;
    if (!journal)
        return;
    connect(journal, &RunJournal::writeFailed, this, [this](const QString &message) {
        statusBar()->showMessage(
            tr("The run journal cannot be written, so this list would not survive a crash: %1")
                .arg(message),
            StatusMessageMs);
    });
}

void MainWindow::offerRestore(const QList<JournaledJob> &jobs, bool keptExit)
{
    auto *banner = findChild<QWidget *>(QStringLiteral("journalBanner"));
    if (jobs.isEmpty() || !banner)
        return;
    m_restorable = jobs;
    const int done = int(std::count_if(jobs.cbegin(), jobs.cend(),
                                       [](const JournaledJob &job) { return job.isFinished(); }));
    const int withCredentials =
        int(std::count_if(jobs.cbegin(), jobs.cend(), [](const JournaledJob &job) {
            return !job.isFinished() && hasMaskedSecrets(job.url);
        }));
    QString text = keptExit
        ? tr("Parafetch was closed keeping partial files: restore the %n URL(s) of the last run "
             "(%1 already done) and press Start to continue them?",
             nullptr, int(jobs.size()))
              .arg(done)
        : tr("Parafetch did not close properly: restore the %n URL(s) of the last run "
             "(%1 already done)?",
             nullptr, int(jobs.size()))
              .arg(done);
    if (withCredentials > 0)
        text += QLatin1Char(' ')
            + tr("%n of them had a password or a secret query value, which are not kept: add "
                 "those again.",
                 nullptr, withCredentials);
    banner->findChild<QLabel *>(QStringLiteral("journalText"))->setText(text);
    banner->show();
    // The last list is older than the journal; offering both would only confuse.
    if (auto *lastList = findChild<QWidget *>(QStringLiteral("lastListBanner")))
        lastList->hide();
}

void MainWindow::readSettings()
{
    QSettings settings;
    fitToScreen(restoreGeometry(settings.value(settingsKey("geometry")).toByteArray()));
    // A state saved by an older layout is refused (its version differs): the new one stands.
    if (!restoreState(settings.value(settingsKey("state")).toByteArray(), LayoutVersion))
        applyDefaultDockSizes();
    if (m_table->horizontalHeader()->restoreState(
            settings.value(settingsKey("header")).toByteArray()))
        static_cast<UrlColumnFitter *>(m_urlColumnFitter)->stop(); // the person's widths stand
    m_lastDirectory = settings.value(settingsKey("lastDirectory")).toString();
    const int grouping =
        m_waterfallGrouping->findData(settings.value(settingsKey("waterfallGrouping"), -1).toInt());
    if (grouping >= 0)
        m_waterfallGrouping->setCurrentIndex(grouping);
    // No value, or none above 0: fitted, the way a new window starts.
    const double zoom = settings.value(settingsKey("waterfallZoom"), FittedZoom).toDouble();
    if (zoom > 0)
        m_waterfall->setPixelsPerMs(zoom);
    const FetchOptions options = SettingsStore::loadFetchOptions(settings);
    m_engine->setOptions(options);
    m_concurrency->setValue(options.concurrency);
}

void MainWindow::writeSettings()
{
    QSettings settings;
    settings.setValue(settingsKey("geometry"), saveGeometry());
    settings.setValue(settingsKey("state"), saveState(LayoutVersion));
    settings.setValue(settingsKey("header"), m_table->horizontalHeader()->saveState());
    settings.setValue(settingsKey("lastDirectory"), m_lastDirectory);
    settings.setValue(settingsKey("waterfallGrouping"), m_waterfallGrouping->currentData());
    settings.setValue(settingsKey("waterfallZoom"),
                      m_waterfall->isFitting() ? FittedZoom : m_waterfall->pixelsPerMs());
    FetchOptions options = m_engine->options();
    options.concurrency = m_concurrency->value();
    SettingsStore::saveFetchOptions(settings, options);
    settings.sync();
    if (settings.status() != QSettings::NoError)
        statusBar()->showMessage(
            tr("The settings could not be saved to %1: they last until Parafetch closes.")
                .arg(QDir::toNativeSeparators(settings.fileName())),
            StatusMessageMs);
}

// Below the width the tool bar needs with its labels, its buttons show icons only (their names
// stay in the tool tips), so the filter box never goes into the overflow menu, where Ctrl+F
// could not reach it.
void MainWindow::resizeEvent(QResizeEvent *event)
{
    QMainWindow::resizeEvent(event);
    if (m_runToolBar)
        m_runToolBar->setToolButtonStyle(
            width() >= m_toolBarTextWidth ? Qt::ToolButtonTextBesideIcon : Qt::ToolButtonIconOnly);
}

MainWindow::CloseChoice MainWindow::askCloseChoice()
{
    const QList<Job> &jobs = m_model->jobs();
    const int left = int(std::count_if(jobs.cbegin(), jobs.cend(),
                                       [](const Job &job) { return !job.isFinished(); }));
    QMessageBox box(QMessageBox::Question, tr("Quit Parafetch?"),
                    tr("%n URL(s) are not done yet.", nullptr, left), QMessageBox::NoButton, this);
    box.setObjectName(QStringLiteral("closeQuestion"));
    box.setInformativeText(
        tr("Keep Partial Files and Quit leaves what has arrived in .part files: the next start "
           "offers the list back, and Start continues them. Cancel Downloads and Quit removes "
           "them."));
    QPushButton *keep = box.addButton(tr("Keep Partial Files and Quit"), QMessageBox::AcceptRole);
    QPushButton *cancel =
        box.addButton(tr("Cancel Downloads and Quit"), QMessageBox::DestructiveRole);
    QPushButton *running = box.addButton(tr("Keep Running"), QMessageBox::RejectRole);
    keep->setObjectName(QStringLiteral("keepPartialFiles"));
    cancel->setObjectName(QStringLiteral("cancelDownloads"));
    running->setObjectName(QStringLiteral("keepRunning"));
    box.setDefaultButton(keep);
    box.setEscapeButton(running);
    box.exec();
    if (box.clickedButton() == keep)
        return CloseChoice::KeepPartialFiles;
    if (box.clickedButton() == cancel)
        return CloseChoice::CancelDownloads;
    return CloseChoice::KeepRunning;
}

// The list for "Restore the last list", and what of it was done: the next start says so and
// restores only the rest.
void MainWindow::saveLastList()
{
    QStringList lines, undone;
    lines.reserve(m_model->rowCount());
    for (const Job &job : m_model->jobs()) {
        lines.append(listLine(job));
        if (job.state != JobState::Succeeded)
            undone.append(lines.constLast());
    }
    const QString text = lines.join(QLatin1Char('\n'));
    QString error;
    if (!SettingsStore::saveLastList(text, &error))
        qWarning("Parafetch: could not keep the URL list for the next start: %s",
                 qPrintable(error));
    QSettings settings;
    settings.setValue(settingsKey("lastListOf"), Sha256::hash(text.toUtf8()));
    settings.setValue(settingsKey("lastListUrls"), int(lines.size()));
    settings.setValue(settingsKey("lastListDone"), int(lines.size() - undone.size()));
    settings.setValue(settingsKey("lastListUndone"), undone.join(QLatin1Char('\n')));
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    CloseChoice choice = CloseChoice::CancelDownloads; // no run: nothing to keep or cancel
    if (m_engine->isRunning()) {
        choice = m_closeChoice == CloseChoice::Ask ? askCloseChoice() : m_closeChoice;
        if (choice == CloseChoice::KeepRunning) {
            event->ignore();
            return;
        }
    }
    writeSettings();
    saveLastList();
    // Stop and wait here, while the window still exists: no task outlives it, and no partial
    // file is left under a final name (DESIGN rule 9).
    m_baseline->cancel();
    if (choice == CloseChoice::KeepPartialFiles) {
        m_engine->shutdownKeepingPartials();
        if (m_journal)
            m_journal->markKeptExit(); // offered back next time, its .part files continued
    } else {
        m_engine->shutdown();
        if (m_journal)
            m_journal->markCleanExit(); // the list went to the last list: nothing to restore
    }
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
