// SPDX-License-Identifier: GPL-3.0-or-later
// The fetch engine: feeds its workers from the queue model and collects results.
#include "engine/fetchengine.h"

#include "engine/fetchaction.h"
#include "engine/fetchtask.h"
#include "engine/fetchworker.h"
#include "engine/filesink.h"
#include "engine/hostresolver.h"
#include "engine/ratelimiter.h"
#include "jobqueuemodel.h"
#include "units.h"

#include <QHash>
#include <QMutex>
#include <QMutexLocker>
#include <QThread>

#include <algorithm>
#include <limits>

namespace Parafetch {

namespace {

// Tasks handed to the queue beyond the running ones, per lane: a lane that finishes takes its
// next URL straight from the queue instead of waiting for a round trip to our thread.
constexpr int PrefetchPerWorker = 1;
constexpr int MaxWorkerThreads = 4;
// Polite mode: queued rows a fill looks past while their hosts are at the cap or backing off.
constexpr int MaxPoliteSkips = 4096;
// --per-host-interval keeps each host's next start; past this many hosts, those passed are
// dropped (a list over a million hosts must not keep a million entries).
constexpr qsizetype MaxSpacedHosts = 1024;

// One worker (an event loop on a pool thread) per CPU drives all lanes: a thread per lane (and a
// Qt HTTP thread per lane's manager) cost 2N+1 threads and about eight context switches per
// request (ARCHITECTURE rule 1).
int workerThreadCount()
{
    bool ok = false;
    const int fromEnvironment = qEnvironmentVariableIntValue("PARAFETCH_ENGINE_THREADS", &ok);
    if (ok && fromEnvironment > 0)
        return std::min(fromEnvironment, FetchOptions::MaxConcurrency);
    return std::clamp(QThread::idealThreadCount(), 1, MaxWorkerThreads);
}

} // namespace

FetchEngine::FetchEngine(JobQueueModel *model, QObject *parent)
    : QObject(parent)
    , m_model(model)
    , m_epoch(QDateTime::currentDateTimeUtc())
    , m_sharedOptions(std::make_shared<const FetchOptions>(m_options))
    , m_shared(std::make_shared<WorkerShared>())
    , m_bandwidth(std::make_shared<ByteRateLimiter>())
{
    m_clock.start();
    m_shared->workerCount = workerThreadCount();
    m_shared->resolver = std::make_shared<HostResolver>();
    // Threads that never expire while the engine lives: a thread that ends takes its workers'
    // keep-alive connections with it (ARCHITECTURE rule 1).
    m_pool.setObjectName(QStringLiteral("Parafetch workers"));
    m_pool.setExpiryTimeout(-1);
    m_pool.setMaxThreadCount(m_shared->workerCount);
    auto environment = std::make_shared<TaskEnvironment>();
    environment->now = [this] { return nowNs(); };
    environment->report = [this](QList<Job> &&jobs) { report(std::move(jobs)); };
    environment->throttled = [this](const QString &host, qint64 delayMs) {
        QMetaObject::invokeMethod(
            this, [this, host, delayMs] { throttle(host, delayMs); }, Qt::QueuedConnection);
    };
    environment->partialStarted = [this](quint64 id, const PartialDownload &part) {
        QMetaObject::invokeMethod(
            this, [this, id, part] { emit partialStarted(id, part); }, Qt::QueuedConnection);
    };
    environment->bandwidth = m_bandwidth;
    m_shared->environment = std::move(environment);
    m_shared->setProxyRoute(makeProxyRoute(m_options.proxy));
    m_shared->concurrency.store(m_options.concurrency, std::memory_order_release);

    m_backoffTimer.setSingleShot(true);
    m_backoffTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_backoffTimer, &QTimer::timeout, this, &FetchEngine::endBackoffs);
    m_paceTimer.setSingleShot(true);
    m_paceTimer.setTimerType(Qt::PreciseTimer);
    connect(&m_paceTimer, &QTimer::timeout, this, &FetchEngine::fill);
    m_progressTimer.setInterval(ProgressIntervalMs);
    connect(&m_progressTimer, &QTimer::timeout, this, &FetchEngine::pollProgress);
    connect(m_model, &JobQueueModel::jobsRequeued, this, [this](int firstRow) {
        m_cursor = std::min(m_cursor, firstRow);
        fill();
    });
    connect(m_model, &QAbstractItemModel::rowsInserted, this,
            [this](const QModelIndex &, int first, int last) {
                if (!m_running)
                    return;
                const qint64 now = nowNs();
                for (int row = first; row <= last; ++row)
                    m_model->setQueuedAt(row, now);
                fill();
            });
    connect(m_model, &QAbstractItemModel::rowsRemoved, this,
            [this](const QModelIndex &, int first, int last) {
                if (m_cursor > last)
                    m_cursor -= last - first + 1;
                else if (m_cursor > first)
                    m_cursor = first;
            });
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] { m_cursor = 0; });
}

FetchEngine::~FetchEngine()
{
    shutdown();
}

void FetchEngine::setOptions(const FetchOptions &options)
{
    const QString oldDirectory = m_options.outputDirectory;
    const QString oldCaFile = m_options.caFile;
    const QString oldProxy = m_options.proxy;
    m_options = options;
    if (m_options.proxy != oldProxy)
        m_shared->setProxyRoute(makeProxyRoute(m_options.proxy));
    if (m_options.caFile != oldCaFile || m_options.proxy != oldProxy)
        m_shared->connectionGeneration.fetch_add(1, std::memory_order_acq_rel);
    m_options.concurrency = FetchOptions::clampConcurrency(options.concurrency);
    m_sharedOptions = std::make_shared<const FetchOptions>(m_options);
    if (m_options.outputDirectory != oldDirectory || !m_outputDirectory
        || m_outputDirectory->existingFilePolicy() != m_options.existingFile)
        m_outputDirectory = m_options.outputDirectory.isEmpty()
            ? nullptr
            : std::make_shared<OutputDirectory>(m_options.outputDirectory, m_options.existingFile);
    m_bandwidth->setRate(m_options.limitRate);
    setConcurrency(m_options.concurrency);
}

void FetchEngine::setBandwidthLimit(qint64 bytesPerSecond)
{
    m_options.limitRate = std::max<qint64>(0, bytesPerSecond);
    m_sharedOptions = std::make_shared<const FetchOptions>(m_options);
    m_bandwidth->setRate(m_options.limitRate);
}

void FetchEngine::setConcurrency(int concurrency)
{
    m_options.concurrency = FetchOptions::clampConcurrency(concurrency);
    m_sharedOptions = std::make_shared<const FetchOptions>(m_options);
    m_shared->concurrency.store(m_options.concurrency, std::memory_order_release);
    fill();
    pokeWorkers(true); // lanes above the old limit may take work now
}

int FetchEngine::activeCount() const
{
    return int(std::count_if(m_active.cbegin(), m_active.cend(), [](const auto &entry) {
        // A finished task stays here until its (batched) report arrives, while its lane may
        // already run the next URL: counting it would show more workers than there are.
        const TaskControl &control = *entry.second.control;
        return control.claimState() == TaskControl::Claim::Running
            && !control.finished.load(std::memory_order_acquire);
    }));
}

int FetchEngine::workerCount() const
{
    return m_shared->lanesUsed.load(std::memory_order_relaxed);
}

int FetchEngine::threadCount() const
{
    return int(m_workers.size());
}

void FetchEngine::pokeWorkers(bool all)
{
    // Worker w runs lanes w, w + W, w + 2W, ...: only the first min(N, W) have any.
    const int wanted = std::min(m_options.concurrency, m_shared->workerCount);
    while (int(m_workers.size()) < wanted) {
        auto worker = std::make_unique<FetchWorker>(int(m_workers.size()), m_shared);
        // Without a thread until run() pulls it into the pool thread that runs it; what we
        // queue to it meanwhile goes with it.
        worker->moveToThread(nullptr);
        m_pool.start(worker.get());
        m_workers.push_back(std::move(worker));
    }
    for (const std::unique_ptr<FetchWorker> &worker : m_workers) {
        if (all)
            worker->poke();
        else
            worker->pokeIfHungry();
    }
}

bool FetchEngine::prepare()
{
    if (!m_options.computeSha256 || !traitsOf(actionFor(m_options)).readsBody)
        return false;
    // By a worker: its thread waits idle for the first tasks meanwhile (the workers start with
    // the options), and the lookup is made once for the process.
    if (m_workers.empty())
        pokeWorkers(false);
    m_workers.front()->prepareHashing();
    return true;
}

HostResolver &FetchEngine::hostResolver() const
{
    return *m_shared->resolver;
}

void FetchEngine::start()
{
    m_paused = false;
    if (!m_running) {
        m_running = true;
        m_cursor = 0;
        m_shared->resolver->clear(); // a run looks its hosts up afresh
        const qint64 now = nowNs();
        for (int row = m_model->nextQueuedRow(0); row >= 0; row = m_model->nextQueuedRow(row + 1))
            m_model->setQueuedAt(row, now);
        m_progressTimer.start();
    }
    fill();
    finishIfDone();
}

void FetchEngine::pause()
{
    if (m_paused)
        return;
    m_paused = true;
    revokePending();
}

void FetchEngine::resume()
{
    if (!m_paused)
        return;
    m_paused = false;
    fill();
    finishIfDone();
}

void FetchEngine::revokePending()
{
    // Tasks still waiting in the dispatch queue go back to the queue model untouched.
    revokeWaiting(
        [this](quint64 id) { m_cursor = std::min(m_cursor, std::max(0, m_model->rowForId(id))); });
}

void FetchEngine::cancel(quint64 id)
{
    const auto it = m_active.find(id);
    if (it == m_active.end()) {
        m_model->markCancelled(id, nowNs());
        return;
    }
    if (it->second.control->revoke()) {
        m_active.erase(it);
        m_model->markCancelled(id, nowNs());
        fill();
        finishIfDone();
    } else {
        it->second.control->requestCancel(); // the task reports itself cancelled
    }
}

void FetchEngine::cancelAll()
{
    // Revoke the waiting tasks before cancelling the running ones: a worker freed by a
    // cancelled task would otherwise take the next waiting one and send its request.
    const qint64 now = nowNs();
    revokeWaiting([this, now](quint64 id) { m_model->markCancelled(id, now); });
    for (const auto &[id, active] : m_active)
        active.control->requestCancel();
    m_model->cancelQueued(now);
    finishIfDone();
}

void FetchEngine::shutdown()
{
    stopWorkers(false);
}

void FetchEngine::shutdownKeepingPartials()
{
    stopWorkers(true);
}

void FetchEngine::stopWorkers(bool keepPartials)
{
    m_paused = true;
    revokeWaiting({});
    for (const auto &[id, active] : m_active)
        active.control->requestCancel(keepPartials);
    // Each worker returns from run() once its cancelled tasks have reported; the pool's threads
    // stay for the next run.
    for (const std::unique_ptr<FetchWorker> &worker : m_workers)
        worker->stopWhenIdle();
    m_pool.waitForDone();
    m_workers.clear();
    // Reports posted by the last tasks are dropped with this object; the rows they belonged
    // to are not touched again.
    m_active.clear();
    m_progressTimer.stop();
    m_running = false;
}

void FetchEngine::revokeWaiting(const std::function<void(quint64)> &onRevoked,
                                const QString &onlyHost)
{
    for (auto it = m_active.begin(); it != m_active.end();) {
        const Active &active = it->second;
        if ((!onlyHost.isEmpty() && active.host != onlyHost) || !active.control->revoke()) {
            ++it;
            continue;
        }
        if (onRevoked)
            onRevoked(active.id);
        it = m_active.erase(it);
    }
    m_shared->queue.dropRevoked();
}

void FetchEngine::fill()
{
    if (!m_running || m_paused)
        return;
    // Paced (--rate, --per-host-interval): nothing is handed out ahead of a free lane, so that
    // a URL starts when it is handed out and the spacing holds at the server.
    const bool paced = m_options.startIntervalNs > 0 || m_options.perHostIntervalNs > 0;
    const std::size_t window =
        std::size_t(m_options.concurrency) * (paced ? 1 : 1 + PrefetchPerWorker);
    const std::size_t before = m_active.size();
    // Polite mode: how many of each host's URLs are handed out (queued for a lane or running).
    const bool polite =
        m_options.perHost > 0 || !m_hostNotBefore.isEmpty() || m_options.perHostIntervalNs > 0;
    QHash<QString, int> perHost;
    if (polite) {
        for (const auto &[id, active] : m_active)
            ++perHost[active.host];
    }
    const qint64 now = polite || paced ? nowNs() : 0;
    qint64 wakeAtNs = std::numeric_limits<qint64>::max(); // paced: when the next URL may start
    if (m_hostNextStart.size() > MaxSpacedHosts) { // hosts whose spacing has passed go
        for (auto it = m_hostNextStart.begin(); it != m_hostNextStart.end();)
            it = *it <= now ? m_hostNextStart.erase(it) : std::next(it);
    }
    const FetchAction action = actionFor(m_options);
    int firstSkipped = -1;
    int skipped = 0;
    int row = m_cursor;
    while (m_active.size() < window) {
        if (m_options.startIntervalNs > 0 && m_nextStartNs > now) {
            wakeAtNs = m_nextStartNs;
            break;
        }
        row = m_model->nextQueuedRow(row);
        if (row < 0)
            break;
        const int current = row++;
        const Job &queued = m_model->jobAt(current);
        if (m_active.count(queued.id) > 0)
            continue; // still running from before a requeue moved the cursor back
        QString host;
        if (polite) {
            host = queued.url.host();
            const auto notBefore = m_hostNotBefore.constFind(host);
            const bool backingOff = notBefore != m_hostNotBefore.cend() && *notBefore > now;
            const auto nextStart = m_hostNextStart.constFind(host);
            const bool spacing = nextStart != m_hostNextStart.cend() && *nextStart > now;
            if (spacing)
                wakeAtNs = std::min(wakeAtNs, *nextStart);
            if (backingOff || spacing
                || (m_options.perHost > 0 && perHost.value(host) >= m_options.perHost)) {
                // Left queued for a later fill; the scan is bounded so that a long list for one
                // busy host does not make every fill walk all of it.
                if (firstSkipped < 0)
                    firstSkipped = current;
                if (++skipped >= MaxPoliteSkips)
                    break;
                continue;
            }
            ++perHost[host];
            if (m_options.perHostIntervalNs > 0)
                m_hostNextStart.insert(host, now + m_options.perHostIntervalNs);
        }
        if (m_options.startIntervalNs > 0)
            m_nextStartNs = std::max(m_nextStartNs, now) + m_options.startIntervalNs;
        TaskSpec spec;
        spec.job = queued;
        spec.action = action;
        spec.sink = makeSink(action, m_outputDirectory, spec.job.fileName());
        spec.control = std::make_shared<TaskControl>();
        spec.options = m_sharedOptions;
        if (traitsOf(action).savesBody)
            spec.fileLog = m_fileLog;
        m_active.emplace(spec.job.id, Active { spec.job.id, spec.control, false, std::move(host) });
        m_shared->queue.push(std::move(spec));
        if (firstSkipped < 0)
            m_cursor = row;
    }
    if (firstSkipped < 0 && row < 0)
        m_cursor = m_model->rowCount();
    else if (firstSkipped >= 0)
        m_cursor = firstSkipped;
    if (m_active.size() > before)
        pokeWorkers(false);
    if (paced && wakeAtNs != std::numeric_limits<qint64>::max()
        && (row >= 0 || firstSkipped >= 0)) {
        const qint64 waitMs = (wakeAtNs - now + Units::NsPerMs - 1) / Units::NsPerMs;
        if (!m_paceTimer.isActive() || m_paceTimer.remainingTime() > waitMs)
            m_paceTimer.start(std::chrono::milliseconds(std::max<qint64>(1, waitMs)));
    }
}

void FetchEngine::throttle(const QString &host, qint64 delayMs)
{
    // Per-host backoff is part of polite mode; without it each URL only honours its own
    // Retry-After.
    if (m_options.perHost <= 0 || delayMs <= 0)
        return;
    const qint64 until = nowNs() + delayMs * Units::NsPerMs;
    qint64 &notBefore = m_hostNotBefore[host];
    if (until <= notBefore)
        return;
    notBefore = until;
    ++m_hostBackoffs;
    emit hostBackingOff(host, delayMs);
    // The host's URLs handed out but not started wait too.
    revokeWaiting(
        [this](quint64 id) { m_cursor = std::min(m_cursor, std::max(0, m_model->rowForId(id))); },
        host);
    m_backoffTimer.start(std::chrono::milliseconds(delayMs));
}

void FetchEngine::endBackoffs()
{
    const qint64 now = nowNs();
    qint64 next = std::numeric_limits<qint64>::max();
    for (auto it = m_hostNotBefore.begin(); it != m_hostNotBefore.end();) {
        if (*it <= now) {
            it = m_hostNotBefore.erase(it);
        } else {
            next = std::min(next, *it);
            ++it;
        }
    }
    if (!m_hostNotBefore.isEmpty())
        m_backoffTimer.start(std::chrono::milliseconds((next - now) / Units::NsPerMs + 1));
    m_cursor = 0; // skipped rows lie behind the cursor
    fill();
}

void FetchEngine::report(QList<Job> &&jobs)
{
    QMutexLocker locker(&m_reportsMutex);
    if (m_reports.isEmpty())
        m_reports.swap(jobs);
    else
        m_reports.append(std::move(jobs));
    if (m_collectPosted)
        return;
    m_collectPosted = true;
    QMetaObject::invokeMethod(this, &FetchEngine::collectReports, Qt::QueuedConnection);
}

void FetchEngine::collectReports()
{
    QList<Job> reports;
    {
        QMutexLocker locker(&m_reportsMutex);
        reports.swap(m_reports);
        m_collectPosted = false;
    }
    for (const Job &job : std::as_const(reports)) {
        m_active.erase(job.id);
    }
    // Refill first: the lanes get new work before we spend time on the model and listeners.
    fill();
    m_model->finishJobs(reports);
    for (const Job &job : std::as_const(reports))
        emit jobFinished(job);
    finishIfDone();
}

void FetchEngine::pollProgress()
{
    const qint64 now = nowNs();
    for (auto &[id, active] : m_active) {
        const TaskControl &control = *active.control;
        if (control.claimState() != TaskControl::Claim::Running
            || control.finished.load(std::memory_order_acquire))
            continue; // not started, or done: its report brings the final figures
        const qint64 startedAt = control.startedAtNs.load(std::memory_order_acquire);
        if (startedAt < 0)
            continue;
        if (!active.startSeen) {
            m_model->markRunning(active.id, startedAt,
                                 control.worker.load(std::memory_order_relaxed));
            active.startSeen = true;
        }
        m_model->setProgress(active.id, control.bytesReceived.load(std::memory_order_relaxed),
                             control.bytesTotal.load(std::memory_order_relaxed), now,
                             control.attempt.load(std::memory_order_relaxed),
                             control.phase.load(std::memory_order_relaxed));
    }
    m_model->flushProgress();
    emit progressUpdated();
}

void FetchEngine::finishIfDone()
{
    if (!m_running || m_finishPending || !m_active.empty())
        return;
    if (!m_paused && m_model->nextQueuedRow(m_cursor) >= 0)
        return;
    if (m_paused && m_model->nextQueuedRow(0) >= 0)
        return; // paused with work left: the run is not over
    // Announced from the event loop, so a caller of start() can connect afterwards.
    m_finishPending = true;
    QMetaObject::invokeMethod(
        this,
        [this] {
            m_finishPending = false;
            if (!m_active.empty() || (m_model->nextQueuedRow(0) >= 0 && !m_paused))
                return;
            m_running = false;
            m_progressTimer.stop();
            pollProgress();
            emit runFinished();
        },
        Qt::QueuedConnection);
}

} // namespace Parafetch
