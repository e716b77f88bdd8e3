// SPDX-License-Identifier: GPL-3.0-or-later
// The fetch engine: a pool of workers driving N lanes, fed in order from the queue model.
#pragma once

#include "fetchoptions.h"
#include "job.h"

#include <QDateTime>
#include <QElapsedTimer>
#include <QHash>
#include <QList>
#include <QMutex>
#include <QObject>
#include <QThreadPool>
#include <QTimer>

#include <atomic>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

namespace Parafetch {

class ByteRateLimiter;
class FileLog;
class JobQueueModel;
class OutputDirectory;
class FetchWorker;
class TaskControl;
class HostResolver;
struct WorkerShared;

class FetchEngine final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FetchEngine)
public:
    static constexpr int ProgressIntervalMs = 100; // ~10 Hz live updates (ARCHITECTURE rule 5)

    explicit FetchEngine(JobQueueModel *model, QObject *parent = nullptr);
    ~FetchEngine() override; // cancels everything and waits for its workers (ARCHITECTURE rule 9)

    // Takes effect for tasks not yet started; the concurrency applies at once.
    void setOptions(const FetchOptions &options);
    const FetchOptions &options() const { return m_options; }
    void setConcurrency(int concurrency);
    // The whole run's bandwidth cap (bytes/s, 0 = none), at once: running downloads read their
    // next bytes at the new rate.
    void setBandwidthLimit(qint64 bytesPerSecond);
    qint64 bandwidthLimit() const { return m_options.limitRate; }
    int concurrency() const { return m_options.concurrency; }
    // The name lookups of the engine's runs (tests fix answers through it).
    HostResolver &hostResolver() const;

    // Before a run, while the caller does something else (reads the list): has a worker do
    // now what the first fetches would otherwise wait for, with the options set: libcrypto's
    // SHA-256 lookup when bodies are hashed. False when there is nothing to prepare.
    bool prepare();
    void start(); // take queued rows until none are left; runFinished() then
    void pause(); // no new task starts; running ones finish
    void resume();
    void cancel(quint64 id);
    void cancelAll(); // queued rows become cancelled, running ones are aborted
    void shutdown(); // cancelAll() and wait for every worker to finish its tasks
    // shutdown(), but every running download leaves its .part (if it holds anything) for a
    // later run to continue: the window closing with "Keep Partial Files and Quit".
    void shutdownKeepingPartials();
    // The run journal's side file, which tasks started from now on write their files' fate to
    // (see FileLog); null for none.
    void setFileLog(std::shared_ptr<FileLog> fileLog) { m_fileLog = std::move(fileLog); }

    bool isRunning() const { return m_running; }
    bool isPaused() const { return m_paused; }
    int activeCount() const; // tasks running right now
    int workerCount() const; // lanes that have run a task (each keeps its connection)
    int threadCount() const; // workers started, one per pool thread (they drive all lanes)
    // The engine's own pool (never the global one): its threads run the workers.
    const QThreadPool &threadPool() const { return m_pool; }
    int hostBackoffCount() const { return m_hostBackoffs; } // polite mode's pauses so far

    qint64 nowNs() const { return m_clock.nsecsElapsed(); }
    QDateTime epoch() const { return m_epoch; } // wall-clock time of nowNs() == 0

Q_SIGNALS:
    void jobFinished(const Parafetch::Job &job);
    void progressUpdated();
    void runFinished();
    // Polite mode: a host answered 429 or 503, and no new request goes to it for delayMs.
    void hostBackingOff(const QString &host, qint64 delayMs);
    // A job's body began to go into a .part that a later run could continue (the run journal
    // keeps it); announced once per response, from the engine's thread.
    void partialStarted(quint64 id, const Parafetch::PartialDownload &part);

private:
    struct Active
    {
        quint64 id = 0;
        std::shared_ptr<TaskControl> control;
        bool startSeen = false;
        QString host; // in polite mode only
    };

    void fill();
    void report(QList<Job> &&jobs); // any thread
    void collectReports(); // the engine's thread
    void pollProgress();
    void revokePending();
    void revokeWaiting(const std::function<void(quint64 id)> &onRevoked,
                       const QString &onlyHost = {});
    void throttle(const QString &host, qint64 delayMs);
    void endBackoffs();
    void finishIfDone();
    void pokeWorkers(bool all); // all: not only those whose lanes found the queue empty
    void stopWorkers(bool keepPartials);

    JobQueueModel *const m_model;
    FetchOptions m_options;
    QElapsedTimer m_clock;
    QDateTime m_epoch;
    QTimer m_progressTimer;
    QTimer m_backoffTimer;
    QHash<QString, qint64> m_hostNotBefore; // polite mode: host -> no new request before (ns)
    // Paced: when the next URL may start (--rate), and each host's next (--per-host-interval).
    QTimer m_paceTimer;
    qint64 m_nextStartNs = 0;
    QHash<QString, qint64> m_hostNextStart;
    int m_hostBackoffs = 0;
    std::unordered_map<quint64, Active> m_active; // by job id: handed out, not yet reported
    // Finished jobs wait here for the engine's thread, which takes them all at once: under
    // load one event carries many results instead of one event per URL.
    QMutex m_reportsMutex;
    QList<Job> m_reports; // guarded by m_reportsMutex
    bool m_collectPosted = false; // guarded by m_reportsMutex
    std::shared_ptr<OutputDirectory> m_outputDirectory;
    std::shared_ptr<FileLog> m_fileLog;
    std::shared_ptr<const FetchOptions> m_sharedOptions; // what new tasks get
    int m_cursor = 0;
    bool m_running = false;
    bool m_paused = false;
    bool m_finishPending = false;
    std::shared_ptr<WorkerShared> m_shared;
    std::shared_ptr<ByteRateLimiter> m_bandwidth; // the run's cap, shared by every task
    // Each runs on a thread of m_pool until stopWorkers(); deleted here once the pool is done.
    std::vector<std::unique_ptr<FetchWorker>> m_workers;
    QThreadPool m_pool; // destroyed first: it waits for the workers before they are deleted
};

} // namespace Parafetch
