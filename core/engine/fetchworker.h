// SPDX-License-Identifier: GPL-3.0-or-later
// The engine's workers: QRunnables in its thread pool, each driving many fetch tasks at once.
#pragma once

#include "engine/fetchtask.h"

#include <QBasicTimer>
#include <QList>
#include <QMutex>
#include <QNetworkProxy>
#include <QNetworkRequest>
#include <QObject>
#include <QRunnable>

#include <atomic>
#include <deque>
#include <memory>
#include <optional>
#include <vector>

class QEventLoop;

namespace Parafetch {

class HostResolver;
class NetworkManager;
class ProxyCache;
bool proxiesConfigured(); // by the application or the system (ARCHITECTURE rule 8)

// How the managers reach servers (ARCHITECTURE rule 8), decided once per proxy setting
// (FetchOptions::proxy): the system's proxies, looked up once per scheme and host, or one fixed
// proxy, or none.
struct ProxyRoute
{
    std::shared_ptr<ProxyCache> system; // null: `fixed` applies
    QNetworkProxy fixed { QNetworkProxy::NoProxy };
};
std::shared_ptr<const ProxyRoute> makeProxyRoute(const QString &setting);

// What the engine and its workers share. The engine appends tasks to the queue; a worker with
// a free lane takes the next one itself, so a finished URL is followed by the next request
// without a round trip through the engine's thread.
class DispatchQueue final
{
public:
    void push(TaskSpec spec);
    std::size_t size() const;
    // The next task this caller could claim; revoked ones are dropped on the way.
    std::optional<TaskSpec> take();
    // Drops tasks whose claim the engine has revoked (their sinks go with them).
    void dropRevoked();
    bool isEmpty() const;

private:
    mutable QMutex m_mutex;
    std::deque<TaskSpec> m_queue; // guarded by m_mutex
};

struct WorkerShared
{
    std::shared_ptr<const TaskEnvironment> environment;
    // Set by the engine when the proxy setting changes (with connectionGeneration bumped);
    // workers apply it to a manager when they make it or once its lanes are idle.
    std::shared_ptr<const ProxyRoute> proxyRoute() const
    {
        QMutexLocker locker(&routeMutex);
        return route;
    }
    void setProxyRoute(std::shared_ptr<const ProxyRoute> value)
    {
        QMutexLocker locker(&routeMutex);
        route = std::move(value);
    }
    mutable QMutex routeMutex;
    std::shared_ptr<const ProxyRoute> route; // guarded by routeMutex
    DispatchQueue queue;
    std::atomic<int> concurrency { 1 }; // lanes 0 .. concurrency-1 may run
    std::atomic<int> lanesUsed { 0 }; // highest lane that ever ran + 1
    // Bumped when the trusted CAs or the proxy change: Qt keeps a connection's TLS settings for as
    // long as it lives, so workers drop their idle connections before they take the next task.
    std::atomic<int> connectionGeneration { 0 };
    int workerCount = 1; // the pool's threads: one worker runs on each
    // The run's name lookups, one per host (set once, before the workers start).
    std::shared_ptr<HostResolver> resolver;
};

// The seed's ThreadWorker. A worker is a QRunnable on one of the engine's pool threads; it runs
// an event loop there and drives its lanes from it until the engine stops it. A lane is what the
// seed's worker thread was: it takes one task (one URL) at a time off the dispatch queue and
// keeps its own keep-alive connection. Lane L runs on worker L % workerCount. A worker's lanes
// share network managers six at a time, the number of connections Qt opens per host and manager
// (ARCHITECTURE rule 7): a request never waits inside Qt for a connection, the number of lanes
// is the number of requests in flight, and there is one Qt HTTP thread per six lanes instead of
// one per lane. Over h2, the lanes of one manager are requests multiplexed on one connection.
//
// The engine makes the worker without a thread affinity; run() pulls it into the pool thread
// that runs it, and posts the calls the engine made before that (held by post()).
class FetchWorker final : public QObject, public QRunnable
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(FetchWorker)
public:
    static constexpr int LanesPerManager = 6;

    FetchWorker(int index, std::shared_ptr<WorkerShared> shared);
    ~FetchWorker() override;

    // QRunnable: the worker's life on its pool thread; returns once stopped and idle.
    void run() override;

    // Thread-safe: take queued tasks while lanes are free (one wake-up pending at most).
    void poke();
    // Thread-safe: poke() if a lane of this worker found the queue empty since the last poke.
    // Otherwise every lane is busy, and a lane that finishes takes the next task itself: no
    // wake-up of this thread per batch of results the engine hands out.
    void pokeIfHungry();
    // Thread-safe: has this worker's thread look libcrypto's SHA-256 up (Sha256::prepare()).
    void prepareHashing();
    // Thread-safe: once no task runs, free the managers and return from run().
    void stopWhenIdle();

private:
    enum Call : int { PokeCall = 1, PrepareCall = 2, StopCall = 4 };
    void post(Call call); // to this worker's thread, or held until run() is in it

    void takeWork();
    void taskDone(FetchTask *task, Job &&job);
    void flushReportsIfDue();
    void flushReports();
    void timerEvent(QTimerEvent *event) override;
    NetworkManager *managerFor(int slot); // made on first use, kept for the connections
    const QNetworkRequest &requestTemplate(const std::shared_ptr<const FetchOptions> &options);
    void stopIfIdle();
    void clearIfIdle(std::size_t managerIndex);
    void applyProxyRoute(NetworkManager &manager) const;
    int laneOf(int slot) const { return slot * m_shared->workerCount + m_index; }

    const int m_index;
    const std::shared_ptr<WorkerShared> m_shared;
    QEventLoop *m_loop = nullptr; // run()'s, while it runs
    std::vector<FetchTask *> m_slots; // by local slot; lane = laneOf(slot)
    std::vector<std::unique_ptr<NetworkManager>> m_managers; // by local slot / 6
    std::vector<bool> m_staleManagers; // to clear once their lanes are idle
    int m_connectionGeneration = 0;
    // Finished jobs not yet handed to the engine: every hand-over wakes the engine's thread.
    QList<Job> m_heldReports;
    QBasicTimer m_flushTimer; // bounds how long a finished job waits
    // FetchTask::requestFor(options) of the options the last task came with (they change rarely)
    std::shared_ptr<const FetchOptions> m_templateOptions;
    QNetworkRequest m_requestTemplate;
    int m_running = 0;
    bool m_taking = false;
    bool m_takeAgain = false;
    bool m_stopping = false;
    std::atomic<bool> m_pokePending { false };
    QMutex m_callsMutex;
    bool m_inThread = false; // guarded by m_callsMutex: run() has pulled the worker in
    int m_heldCalls = 0; // guarded by m_callsMutex: Call bits made before that
    std::atomic<bool> m_hungry { true }; // a lane is free and found no task to take
};

} // namespace Parafetch
