// SPDX-License-Identifier: GPL-3.0-or-later
// The window's actions, menus, run tool bar and the queue's context menu.
#include "mainwindowactions.h"

#include "comparedialog.h"
#include "engine/fetchengine.h"
#include "fetchoptions.h"
#include "jobtableproxymodel.h"
#include "queuetableview.h"
#include "ratespinbox.h"
#include "shortcutsdialog.h"

#include <QAction>
#include <QComboBox>
#include <QCoreApplication>
#include <QDockWidget>
#include <QLabel>
#include <QLineEdit>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QMessageBox>
#include <QSpinBox>
#include <QTableView>
#include <QToolBar>
#include <QUndoStack>

namespace Parafetch {

MainWindowActions::MainWindowActions(QMainWindow *window, QUndoStack *undo, QAction *addToQueue,
                                     QTableView *table, JobTableProxyModel *proxy,
                                     FetchEngine *engine)
    : QObject(window)
    , m_window(window)
    , m_table(table)
{
    createActions(undo);
    createMenus(addToQueue);
    createToolBar(proxy, engine);
    connect(m_table, &QWidget::customContextMenuRequested, this,
            &MainWindowActions::showContextMenu);
}

void MainWindowActions::fitRunToolBar(int windowWidth)
{
    m_runToolBar->setToolButtonStyle(
        windowWidth >= m_toolBarTextWidth ? Qt::ToolButtonTextBesideIcon : Qt::ToolButtonIconOnly);
}

QAction *MainWindowActions::addAction(const QString &objectName, const QString &text,
                                      const QString &icon, const QKeySequence &shortcut,
                                      const QString &toolTip)
{
    auto *action =
        new QAction(icon.isEmpty() ? QIcon() : QIcon(QStringLiteral(":/icons/%1.svg").arg(icon)),
                    text, m_window);
    action->setObjectName(objectName);
    if (!shortcut.isEmpty())
        action->setShortcut(shortcut);
    action->setToolTip(
        shortcut.isEmpty()
            ? toolTip
            : tr("%1 (%2)").arg(toolTip, shortcut.toString(QKeySequence::NativeText)));
    action->setStatusTip(toolTip);
    return action;
}

QAction *MainWindowActions::action(const char *objectName) const
{
    return m_window->findChild<QAction *>(QLatin1String(objectName));
}

void MainWindowActions::createActions(QUndoStack *undoStack)
{
    addAction(QStringLiteral("start"), tr("&Start"), QStringLiteral("start"), Qt::Key_F5,
              tr("Fetch the queued URLs"));
    addAction(QStringLiteral("pause"), tr("&Pause"), QStringLiteral("pause"),
              QKeySequence(Qt::CTRL | Qt::Key_P), tr("Start no new URL; the running ones finish"));
    addAction(QStringLiteral("resume"), tr("Res&ume"), QStringLiteral("resume"),
              QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P), tr("Continue a paused run"));
    addAction(QStringLiteral("cancelAll"), tr("&Cancel All"), QStringLiteral("cancel"),
              QKeySequence(Qt::CTRL | Qt::Key_Period),
              tr("Cancel the running URLs and the queued ones"));
    addAction(QStringLiteral("retryFailed"), tr("&Retry Failed"), QStringLiteral("retry"),
              QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_R),
              tr("Queue the failed URLs again and start"));
    addAction(QStringLiteral("retryCancelled"), tr("Retry Ca&ncelled"), QStringLiteral("retry"),
              QKeySequence(), tr("Queue the cancelled URLs again and start"));
    addAction(QStringLiteral("clearFinished"), tr("C&lear Finished"), QStringLiteral("clear"),
              QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Delete),
              tr("Remove every finished URL from the queue (Edit → Undo puts them back)"));
    addAction(QStringLiteral("clearSucceeded"), tr("Clear Succee&ded"), QStringLiteral("clear"),
              QKeySequence(),
              tr("Remove the succeeded URLs from the queue (Edit → Undo puts them back)"));
    addAction(QStringLiteral("measureBaseline"), tr("Measure Serial &Baseline"),
              QStringLiteral("baseline"), QKeySequence(Qt::CTRL | Qt::Key_B),
              tr("Fetch the same list with one worker to measure the real serial time"));
    // Esc stops it wherever the focus is; while it runs the table's Esc gives way.
    addAction(QStringLiteral("stopBaseline"), tr("St&op Baseline"), QStringLiteral("cancel"),
              QKeySequence(Qt::Key_Escape), tr("Stop measuring the serial baseline"));
    QAction *undo = undoStack->createUndoAction(m_window, tr("U&ndo"));
    undo->setObjectName(QStringLiteral("undo"));
    undo->setShortcut(QKeySequence::Undo);
    QAction *redo = undoStack->createRedoAction(m_window, tr("Re&do"));
    redo->setObjectName(QStringLiteral("redo"));
    redo->setShortcut(QKeySequence::Redo);
    addAction(QStringLiteral("import"), tr("&Import URL List…"), QStringLiteral("import"),
              QKeySequence::Open, tr("Add the URLs of a .txt or .csv file"));
    addAction(QStringLiteral("openRun"), tr("&Open Saved Run…"), QStringLiteral("import"),
              QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_O),
              tr("Show a run exported as JSON, CSV or HAR (also a browser's HAR)"));
    addAction(QStringLiteral("fetchIfChanged"), tr("Fetch Again If C&hanged"),
              QStringLiteral("retry"), QKeySequence(),
              tr("Fetch the table's URLs again, asking the servers for what changed since: "
                 "a 304 leaves a URL unchanged and its saved file as it is"));
    addAction(QStringLiteral("export"), tr("&Export Results…"), QStringLiteral("export"),
              QKeySequence(Qt::CTRL | Qt::Key_E), tr("Save the results as CSV or JSON"));
    addAction(QStringLiteral("copySummary"), tr("Copy &Summary"), QStringLiteral("copy"),
              QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_C), tr("Copy the run's summary as text"));
    // QKeySequence::Preferences is empty without a desktop environment: the key is given.
    addAction(QStringLiteral("settings"), tr("Se&ttings…"), QStringLiteral("settings"),
              QKeySequence(Qt::CTRL | Qt::Key_Comma),
              tr("Timeouts, retries, headers, where bodies are saved"));
    // Row actions act on the table's selection; their shortcuts work while the table has focus.
    addAction(QStringLiteral("openInBrowser"), tr("&Open in Browser"), QString(),
              QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_O),
              tr("Open the selected URL in the web browser"));
    addAction(QStringLiteral("openFile"), tr("Open &File"), QString(), QKeySequence(),
              tr("Open the selected URL's saved file with the application for its type"));
    addAction(QStringLiteral("openFolder"), tr("Open Containing Fo&lder"), QString(),
              QKeySequence(), tr("Show the folder that holds the selected URL's saved file"));
    addAction(QStringLiteral("copyUrl"), tr("Copy &URL"), QStringLiteral("copy"),
              QKeySequence::Copy, tr("Copy the selected URLs"));
    addAction(QStringLiteral("copyRow"), tr("Copy &Row"), QString(),
              QKeySequence(Qt::CTRL | Qt::ALT | Qt::Key_C), tr("Copy the selected rows as text"));
    addAction(QStringLiteral("retrySelected"), tr("Re&try"), QStringLiteral("retry"),
              QKeySequence(Qt::CTRL | Qt::Key_R), tr("Queue the selected finished URLs again"));
    addAction(QStringLiteral("cancelSelected"), tr("Ca&ncel"), QStringLiteral("cancel"),
              QKeySequence(Qt::Key_Escape), tr("Cancel the selected URLs"));
    addAction(QStringLiteral("removeSelected"), tr("Re&move"), QStringLiteral("clear"),
              QKeySequence::Delete, tr("Remove the selected finished or queued URLs"));
    for (const char *name : { "openInBrowser", "openFile", "openFolder", "copyUrl", "copyRow",
                              "retrySelected", "cancelSelected", "removeSelected" }) {
        QAction *rowAction = action(name);
        rowAction->setShortcutContext(Qt::WidgetShortcut);
        m_table->addAction(rowAction);
    }
}

void MainWindowActions::createMenus(QAction *addToQueue)
{
    QMenu *file = m_window->menuBar()->addMenu(tr("&File"));
    file->addAction(addToQueue);
    file->addAction(action("import"));
    file->addAction(action("openRun"));
    file->addAction(action("export"));
    file->addAction(action("fetchIfChanged"));
    file->addAction(tr("Co&mpare Runs…"), this,
                    [this] {
                        auto *dialog = new CompareDialog(m_window);
                        dialog->setAttribute(Qt::WA_DeleteOnClose);
                        dialog->show();
                    })
        ->setObjectName(QStringLiteral("compareRuns"));
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"), QKeySequence::Quit, m_window, &QWidget::close);
    quit->setObjectName(QStringLiteral("quit"));

    QMenu *edit = m_window->menuBar()->addMenu(tr("&Edit"));
    edit->addAction(action("undo"));
    edit->addAction(action("redo"));
    edit->addSeparator();
    edit->addAction(action("openInBrowser"));
    edit->addAction(action("openFile"));
    edit->addAction(action("openFolder"));
    edit->addAction(action("copyUrl"));
    edit->addAction(action("copyRow"));
    edit->addAction(action("copySummary"));
    edit->addSeparator();
    edit->addAction(action("settings"));

    QMenu *run = m_window->menuBar()->addMenu(tr("&Run"));
    for (const char *name : { "start", "pause", "resume", "cancelAll" })
        run->addAction(action(name));
    run->addSeparator();
    for (const char *name : { "retryFailed", "retryCancelled", "clearFinished", "clearSucceeded",
                              "measureBaseline", "stopBaseline" })
        run->addAction(action(name));
    // The window opens the dialog: Cancel All stops the latest one.
    run->addAction(tr("Concurrency S&weep…"))->setObjectName(QStringLiteral("concurrencySweep"));
    QAction *whatIf = run->addAction(tr("What &If…"));
    whatIf->setObjectName(QStringLiteral("whatIf"));
    whatIf->setStatusTip(tr("Replay the measured per-URL times at other worker counts and "
                            "per-host caps, without fetching again"));

    QMenu *view = m_window->menuBar()->addMenu(tr("&View"));
    for (QDockWidget *dock : m_window->findChildren<QDockWidget *>())
        view->addAction(dock->toggleViewAction());
    if (auto *queue = qobject_cast<QueueTableView *>(m_table)) {
        view->addSeparator();
        for (QAction *column : queue->columnActions())
            view->addAction(column);
    }

    QMenu *help = m_window->menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&Keyboard Shortcuts"), this,
                    [this] {
                        ShortcutsDialog dialog(m_window, m_window);
                        dialog.exec();
                    })
        ->setObjectName(QStringLiteral("keyboardShortcuts"));
    help->addAction(tr("&About Parafetch"), this, [this] {
        QMessageBox::about(m_window, tr("About Parafetch"),
                           tr("<p><b>Parafetch %1</b></p><p>Fetches many URLs at once and shows "
                              "where the time went: per-URL times, the wall time against the "
                              "serial time, and the speedup that concurrency bought.</p>")
                               .arg(QCoreApplication::applicationVersion()));
    });
}

void MainWindowActions::createToolBar(JobTableProxyModel *proxy, FetchEngine *engine)
{
    QToolBar *bar = m_window->addToolBar(tr("Run"));
    bar->setObjectName(QStringLiteral("runToolBar"));
    bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    for (const char *name : { "start", "pause", "resume", "cancelAll" })
        bar->addAction(action(name));
    bar->addSeparator();
    for (const char *name : { "retryFailed", "clearFinished", "measureBaseline" })
        bar->addAction(action(name));
    bar->addSeparator();

    auto *workersLabel = new QLabel(tr("&Workers:"), bar);
    m_concurrency = new QSpinBox(bar);
    m_concurrency->setObjectName(QStringLiteral("concurrency"));
    m_concurrency->setRange(FetchOptions::MinConcurrency, FetchOptions::MaxConcurrency);
    m_concurrency->setValue(engine->concurrency());
    m_concurrency->setAccessibleName(tr("Workers"));
    m_concurrency->setToolTip(tr("How many URLs are fetched at once; takes effect immediately"));
    workersLabel->setBuddy(m_concurrency);
    bar->addWidget(workersLabel);
    bar->addWidget(m_concurrency);
    connect(m_concurrency, &QSpinBox::valueChanged, engine, &FetchEngine::setConcurrency);

    auto *limitLabel = new QLabel(tr("Li&mit:"), bar);
    m_limitRate = new RateSpinBox(bar);
    m_limitRate->setObjectName(QStringLiteral("limitRate"));
    m_limitRate->setBytesPerSecond(engine->bandwidthLimit());
    m_limitRate->setAccessibleName(tr("Bandwidth limit"));
    m_limitRate->setToolTip(tr("Cap the whole run's download rate, such as 512K or 1.5M per "
                               "second; takes effect immediately"));
    limitLabel->setBuddy(m_limitRate);
    bar->addWidget(limitLabel);
    bar->addWidget(m_limitRate);
    connect(m_limitRate, &QSpinBox::valueChanged, engine,
            [this, engine] { engine->setBandwidthLimit(m_limitRate->bytesPerSecond()); });
    bar->addSeparator();

    m_filter = new QLineEdit(bar);
    m_filter->setObjectName(QStringLiteral("filter"));
    m_filter->setPlaceholderText(tr("Filter URLs and errors"));
    m_filter->setClearButtonEnabled(true);
    m_filter->setAccessibleName(tr("Filter"));
    bar->addWidget(m_filter);
    connect(m_filter, &QLineEdit::textChanged, proxy, &JobTableProxyModel::setTextFilter);

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
    connect(m_statusFilter, &QComboBox::currentIndexChanged, this, [this, proxy] {
        proxy->setStatusFilter(
            JobTableProxyModel::StatusFilter(m_statusFilter->currentData().toInt()));
    });
    auto *focusFilter = new QAction(tr("Filter the Queue"), m_window);
    focusFilter->setObjectName(QStringLiteral("focusFilter"));
    focusFilter->setShortcut(QKeySequence::Find);
    connect(focusFilter, &QAction::triggered, m_filter, [this] {
        m_filter->setFocus();
        m_filter->selectAll();
    });
    m_window->addAction(focusFilter);
}

void MainWindowActions::showContextMenu(const QPoint &position)
{
    if (!m_table->indexAt(position).isValid())
        return;
    QMenu menu(m_window);
    for (const char *name : { "openInBrowser", "openFile", "openFolder", "copyUrl", "copyRow" })
        menu.addAction(action(name));
    menu.addSeparator();
    for (const char *name : { "retrySelected", "cancelSelected", "removeSelected" })
        menu.addAction(action(name));
    menu.exec(m_table->viewport()->mapToGlobal(position));
}

} // namespace Parafetch
