// SPDX-License-Identifier: GPL-3.0-or-later
// The main window: composes the input, the queue table, the docks and the actions, and carries
// out the run commands they trigger.
#pragma once

#include "fetchoptions.h"
#include "queuetableview.h"
#include "run/runjournal.h"
#include "run/sweeprunner.h"
#include "run/timeline.h"
#include "runsession.h"

#include <QMainWindow>
#include <QPointer>
#include <QTimer>

#include <memory>
#include <optional>

class QAction;
class QComboBox;
class QLineEdit;
class QSpinBox;
class QSystemTrayIcon;
class QUndoStack;

namespace Parafetch {

class CompletionCommand;
class BaselineRunner;
class DetailPane;
class ExportFlow;
class FetchEngine;
class InputPanel;
class JobQueueModel;
class JobTableProxyModel;
class MainWindowActions;
class RateSpinBox;
class SummaryPanel;
class SweepDialog;
class ThroughputGraph;
class WaterfallDock;
class WaterfallView;
struct Job;
struct UrlEntry;

class MainWindow final : public QMainWindow
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(MainWindow)
public:
    static constexpr int SummaryIntervalMs = 250;

    // What closing the window during a run does; Ask shows the "Quit Parafetch?" question.
    using CloseChoice = RunSession::CloseChoice;

    // The window uses the model and engine it is given; the caller owns both and keeps them
    // alive as long as the window.
    MainWindow(JobQueueModel *model, FetchEngine *engine, QWidget *parent = nullptr);
    ~MainWindow() override;

    // Adds entries to the queue; starts them at once when a run is going on.
    void addEntries(const QList<UrlEntry> &entries);
    bool importFile(const QString &path);
    bool exportTo(const QString &path, QString *error);
    // Shows a saved export (JSON, CSV or HAR) in place of the list; refused during a run.
    bool openRun(const QString &path);
    // Offers back the list of the last session; after a clean close it says how many of its
    // URLs were done, and Restore puts back only the others.
    void offerLastList(const QString &text);
    // Answers the "Quit Parafetch?" question in advance (tests; a stop signal, which no person
    // can answer, presets KeepPartialFiles). Ask, the default, shows it.
    void setCloseChoice(CloseChoice choice);
    // The run journal to keep while the window lives (not owned): failures to write it are
    // shown, and closing the window marks a clean exit in it.
    void setRunJournal(RunJournal *journal);
    // Offers back the list of a run that did not end cleanly (a crash, kill -9, a power cut):
    // Restore adds it to the queue (finished URLs with their result, the rest queued), Discard
    // removes that journal. Nothing is offered for an empty list. keptExit: the window was
    // closed with "Keep Partial Files and Quit", not cut off.
    void offerRestore(const QList<JournaledJob> &jobs, bool keptExit = false);
    // Selects a row of the queue (a source row) and shows its details.
    void selectJob(int sourceRow);

    InputPanel *inputPanel() const { return m_input; }
    QTableView *tableView() const { return m_table; }
    JobTableProxyModel *proxyModel() const { return m_proxy; }
    SummaryPanel *summaryPanel() const { return m_summary; }
    DetailPane *detailPane() const { return m_details; }
    WaterfallView *waterfallView() const { return m_waterfall; }
    QSpinBox *concurrencySpinBox() const { return m_concurrency; }
    RateSpinBox *limitRateSpinBox() const { return m_limitRate; }
    // Options from elsewhere (the settings file, the command line), shown in the tool bar too.
    void setFetchOptions(const FetchOptions &options);
    QLineEdit *filterEdit() const { return m_filter; }
    QComboBox *statusFilterBox() const { return m_statusFilter; }
    BaselineRunner *baselineRunner() const { return m_baseline.get(); }
    QAction *action(const QString &objectName) const;

    void start();
    void pause();
    void resume();
    void cancelAll();
    void retryFailed(); // failed rows only
    void retryCancelled(); // cancelled rows only
    // File → Fetch Again If Changed: every finished row again, conditionally where it can be.
    void fetchAgainIfChanged();
    // Both can be undone (Edit → Undo): the rows come back where they were, with their results.
    void clearFinished();
    void clearSucceeded();
    void measureBaseline();
    void stopBaseline();
    QUndoStack *undoStack() const { return m_undo; }
    SweepDialog *sweepDialog() const; // the latest one opened, if still open
    void copySummary();
    void refreshSummary();

Q_SIGNALS:
    void summaryRefreshed();

protected:
    void closeEvent(QCloseEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dropEvent(QDropEvent *event) override;

private:
    void connectActions();
    void openSweepDialog();
    void openWhatIfDialog();
    void createDocks();
    void createWaterfallDock();
    void fitToScreen(bool restored);
    void applyDefaultDockSizes();
    void showJobInWaterfall();
    void updateActions();
    void retryRows(JobState state);
    void removeFinishedRows(std::optional<JobState> onlyState, const QString &undoText);
    void retrySelected();
    void cancelSelected();
    void removeSelected();
    void showSelectedDetails();
    void onJobFinished(const Job &job);
    void onRunFinished();
    // The timeline takes the summary's totals at its wall time; the graph repaints.
    void sampleTimeline(const RunSummary &summary, bool runEnded);
    void settingsDialog();
    void readSettings();
    void writeSettings();
    void showMessage(const QString &text); // a passing one, in the status bar
    void setIdleStatus(const QString &text);
    // Runs options.onComplete for each URL that finishes from now on (--on-complete).
    void applyCompletionCommand(const FetchOptions &options);

    JobQueueModel *const m_model;
    FetchEngine *const m_engine;
    JobTableProxyModel *m_proxy = nullptr;
    InputPanel *m_input = nullptr;
    QueueTableView *m_table = nullptr;
    SummaryPanel *m_summary = nullptr;
    DetailPane *m_details = nullptr;
    WaterfallView *m_waterfall = nullptr;
    WaterfallDock *m_waterfallDock = nullptr;
    QSpinBox *m_concurrency = nullptr;
    RateSpinBox *m_limitRate = nullptr;
    QLineEdit *m_filter = nullptr;
    QComboBox *m_statusFilter = nullptr;
    QSystemTrayIcon *m_tray = nullptr;
    std::unique_ptr<BaselineRunner> m_baseline;
    QTimer m_summaryTimer;
    RunTimeline m_timeline; // sampled with the summary: no signal per URL or chunk
    ThroughputGraph *m_graph = nullptr;
    QString m_idleStatus; // what the status bar shows when no passing message is up
    RunSession *m_session = nullptr;
    ExportFlow *m_files = nullptr;
    MainWindowActions *m_actions = nullptr;
    QUndoStack *m_undo = nullptr;
    QPointer<SweepDialog> m_sweep;
    // What the queue's results were measured with, for What If: a saved run's own figures while
    // the queue holds it as opened; else the engine's.
    struct OpenedRun
    {
        int concurrency = 0;
        int perHost = 0;
    };
    std::optional<OpenedRun> m_openedRun;
    QList<SweepPoint> m_sweepPoints; // the levels the latest sweep of the queue's list measured
    CompletionCommand *m_onComplete = nullptr; // a child, while a command is set
};

} // namespace Parafetch
