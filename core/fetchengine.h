// The fetch engine: a dedicated thread pool that takes queued rows of the model in order.
#pragma once

#include "fetchoptions.h"
#include "job.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QList>
#include <QMutex>
#include <QObject>
#include <QThreadStorage>
#include <QTimer>

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

class QThreadPool;

namespace Parafetch {

class JobQueueModel;
class OutputDirectory;
class TaskControl;
struct TaskEnvironment;
struct WorkerContext;

class FetchEngine final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FetchEngine)
public:
    static constexpr int ProgressIntervalMs = 100; // ~10 Hz live updates (DESIGN rule 5)

    explicit FetchEngine(JobQueueModel *model, QObject *parent = nullptr);
    ~FetchEngine() override; // cancels everything and waits for the pool (DESIGN rule 9)

    // Takes effect for tasks not yet started; the concurrency applies at once.
    void setOptions(const FetchOptions &options);
    const FetchOptions &options() const { return m_options; }
    void setConcurrency(int concurrency);
    int concurrency() const { return m_options.concurrency; }

    void start();      // take queued rows until none are left; runFinished() then
    void pause();      // no new task starts; running ones finish
    void resume();
    void cancel(quint64 id);
    void cancelAll();  // queued rows become cancelled, running ones are aborted
    void shutdown();   // cancelAll() and wait for every pool thread to finish its task

    bool isRunning() const { return m_running; }
    bool isPaused() const { return m_paused; }
    int activeCount() const;  // tasks running in a pool thread right now
    int workerCount() const;  // pool threads that exist (they are kept for their connections)

    qint64 nowNs() const { return m_clock.nsecsElapsed(); }
    QDateTime epoch() const { return m_epoch; } // wall-clock time of nowNs() == 0

Q_SIGNALS:
    void jobFinished(const Parafetch::Job &job);
    void progressUpdated();
    void runFinished();

private:
    struct Active
    {
        quint64 id = 0;
        std::shared_ptr<TaskControl> control;
        bool startSeen = false;
    };

    void fill();
    void report(Job &&job); // any thread
    void collectReports();  // the engine's thread
    void pollProgress();
    void revokePending();
    void revokeWaiting(const std::function<void(quint64 id)> &onRevoked);
    void finishIfDone();

    JobQueueModel *const m_model;
    FetchOptions m_options;
    QElapsedTimer m_clock;
    QDateTime m_epoch;
    QTimer m_progressTimer;
    std::vector<Active> m_active;
    // Finished jobs wait here for the engine's thread, which takes them all at once: under
    // load one event carries many results instead of one event per URL.
    QMutex m_reportsMutex;
    QList<Job> m_reports;        // guarded by m_reportsMutex
    bool m_collectPosted = false; // guarded by m_reportsMutex
    std::shared_ptr<OutputDirectory> m_outputDirectory;
    std::shared_ptr<const TaskEnvironment> m_environment;
    int m_cursor = 0;
    bool m_running = false;
    bool m_paused = false;
    bool m_finishPending = false;
    std::atomic<int> m_nextWorkerIndex { 0 };
    // Declared before the pool so it outlives it: pool threads delete their context (and its
    // network manager) as they exit, which happens while the pool is destroyed.
    QThreadStorage<WorkerContext *> m_workers;
    std::unique_ptr<QThreadPool> m_pool;
};

} // namespace Parafetch
