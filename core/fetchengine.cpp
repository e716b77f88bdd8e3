// The fetch engine: feeds a dedicated QThreadPool from the queue model and collects results.
#include "fetchengine.h"

#include "discardsink.h"
#include "fetchtask.h"
#include "filesink.h"
#include "jobqueuemodel.h"
#include "sha256.h"

#include <QHash>
#include <QMutex>
#include <QMutexLocker>
#include <QNetworkAccessManager>
#include <QNetworkProxyFactory>
#include <QThread>
#include <QThreadPool>

#include <algorithm>

namespace Parafetch {

namespace {

// Tasks handed to the pool beyond the running ones, per worker: a finishing thread takes its
// next job straight from the pool's queue instead of waiting for a round trip to our thread.
constexpr int PrefetchPerWorker = 1;
// Each read from a reply copies at most this much into the worker's reused buffer.
constexpr qsizetype ReadChunkBytes = 256 * 1024;

// Proxy decisions per scheme and host, made once (DESIGN rule 8): the system lookup can be
// expensive (PAC scripts on some platforms), and a list holds many URLs per host.
class ProxyCache final
{
public:
    QList<QNetworkProxy> proxiesFor(const QNetworkProxyQuery &query)
    {
        const QString key = query.protocolTag() + QLatin1Char(' ') + query.peerHostName()
            + QLatin1Char(':') + QString::number(query.peerPort());
        QMutexLocker locker(&m_mutex);
        auto it = m_cache.constFind(key);
        if (it == m_cache.cend())
            it = m_cache.insert(key, QNetworkProxyFactory::proxyForQuery(query));
        return *it;
    }

private:
    QMutex m_mutex;
    QHash<QString, QList<QNetworkProxy>> m_cache;
};

class CachingProxyFactory final : public QNetworkProxyFactory
{
public:
    explicit CachingProxyFactory(std::shared_ptr<ProxyCache> cache)
        : m_cache(std::move(cache))
    {
    }
    QList<QNetworkProxy> queryProxy(const QNetworkProxyQuery &query) override
    {
        return m_cache->proxiesFor(query);
    }

private:
    std::shared_ptr<ProxyCache> m_cache;
};

} // namespace

FetchEngine::FetchEngine(JobQueueModel *model, QObject *parent)
    : QObject(parent)
    , m_model(model)
    , m_epoch(QDateTime::currentDateTimeUtc())
    , m_pool(std::make_unique<QThreadPool>())
{
    m_clock.start();
    // Idle threads must not expire: they hold the keep-alive connections (DESIGN rule 1).
    m_pool->setExpiryTimeout(-1);
    m_pool->setMaxThreadCount(m_options.concurrency);
    m_pool->setObjectName(QStringLiteral("Parafetch fetch pool"));

    auto proxies = std::make_shared<ProxyCache>();
    auto environment = std::make_shared<TaskEnvironment>();
    environment->now = [this] { return nowNs(); };
    environment->worker = [this, proxies]() -> WorkerContext & {
        if (!m_workers.hasLocalData()) {
            auto *context = new WorkerContext;
            context->buffer.resize(ReadChunkBytes);
            context->index = m_nextWorkerIndex.fetch_add(1, std::memory_order_relaxed);
            context->manager = std::make_unique<QNetworkAccessManager>();
            context->manager->setAutoDeleteReplies(false);
            context->manager->setRedirectPolicy(QNetworkRequest::NoLessSafeRedirectPolicy);
            context->manager->setProxyFactory(new CachingProxyFactory(proxies));
            m_workers.setLocalData(context);
            // libcrypto keeps per-thread state for hashing; give it back when the pool
            // thread ends (finished() is emitted in the ending thread itself).
            QObject::connect(QThread::currentThread(), &QThread::finished, QThread::currentThread(),
                             &Sha256::releaseThreadState, Qt::DirectConnection);
        }
        WorkerContext *context = m_workers.localData();
        return *context;
    };
    m_environment = std::move(environment);

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
    m_options = options;
    m_options.concurrency = FetchOptions::clampConcurrency(options.concurrency);
    if (m_options.outputDirectory != oldDirectory || !m_outputDirectory)
        m_outputDirectory = m_options.outputDirectory.isEmpty()
            ? nullptr
            : std::make_shared<OutputDirectory>(m_options.outputDirectory);
    setConcurrency(m_options.concurrency);
}

void FetchEngine::setConcurrency(int concurrency)
{
    m_options.concurrency = FetchOptions::clampConcurrency(concurrency);
    m_pool->setMaxThreadCount(m_options.concurrency);
    fill();
}

int FetchEngine::activeCount() const
{
    return int(std::count_if(m_active.cbegin(), m_active.cend(), [](const Active &active) {
        return active.control->claimState() == TaskControl::Claim::Running;
    }));
}

int FetchEngine::workerCount() const
{
    return m_nextWorkerIndex.load(std::memory_order_relaxed);
}

void FetchEngine::start()
{
    m_paused = false;
    if (!m_running) {
        m_running = true;
        m_cursor = 0;
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
    // Tasks still waiting in the pool's queue go back to the queue model untouched.
    revokeWaiting([this](quint64 id) {
        m_cursor = std::min(m_cursor, std::max(0, m_model->rowForId(id)));
    });
}

void FetchEngine::cancel(quint64 id)
{
    const auto it = std::find_if(m_active.begin(), m_active.end(),
                                 [id](const Active &active) { return active.id == id; });
    if (it == m_active.end()) {
        m_model->markCancelled(id, nowNs());
        return;
    }
    if (it->control->revoke()) {
        m_active.erase(it);
        m_model->markCancelled(id, nowNs());
        fill();
        finishIfDone();
    } else {
        it->control->requestCancel(); // the task reports itself cancelled
    }
}

void FetchEngine::cancelAll()
{
    // Revoke the waiting tasks before cancelling the running ones: a worker freed by a
    // cancelled task would otherwise take the next waiting one and send its request.
    const qint64 now = nowNs();
    revokeWaiting([this, now](quint64 id) { m_model->markCancelled(id, now); });
    for (const Active &active : m_active)
        active.control->requestCancel();
    m_model->cancelQueued(now);
    finishIfDone();
}

void FetchEngine::shutdown()
{
    if (!m_pool)
        return;
    m_paused = true;
    revokeWaiting({});
    for (const Active &active : m_active)
        active.control->requestCancel();
    m_pool->waitForDone();
    // Reports posted by the last tasks are dropped with this object; the rows they belonged
    // to are not touched again.
    m_active.clear();
    m_progressTimer.stop();
    m_running = false;
}

void FetchEngine::revokeWaiting(const std::function<void(quint64)> &onRevoked)
{
    const auto revoked = std::remove_if(m_active.begin(), m_active.end(), [&](const Active &active) {
        if (!active.control->revoke())
            return false;
        if (onRevoked)
            onRevoked(active.id);
        return true;
    });
    m_active.erase(revoked, m_active.end());
    m_pool->clear(); // every runnable still queued is revoked: drop them now
}

void FetchEngine::fill()
{
    if (!m_running || m_paused)
        return;
    const std::size_t window = std::size_t(m_options.concurrency) * (1 + PrefetchPerWorker);
    while (m_active.size() < window) {
        const int row = m_model->nextQueuedRow(m_cursor);
        if (row < 0)
            break;
        m_cursor = row + 1;
        if (std::any_of(m_active.cbegin(), m_active.cend(),
                        [id = m_model->jobAt(row).id](const Active &a) { return a.id == id; }))
            continue; // still running from before a requeue moved the cursor back
        Job job = m_model->jobAt(row);
        std::unique_ptr<BodySink> sink;
        if (m_outputDirectory)
            sink = std::make_unique<FileSink>(m_outputDirectory, job.fileName);
        else
            sink = std::make_unique<DiscardSink>();
        auto control = std::make_shared<TaskControl>();
        m_active.push_back({ job.id, control, false });
        auto *task = new FetchTask(
            std::move(job), m_options, std::move(sink), std::move(control), m_environment,
            [this](Job &&result) { report(std::move(result)); });
        m_pool->start(task);
    }
}

void FetchEngine::report(Job &&job)
{
    QMutexLocker locker(&m_reportsMutex);
    m_reports.append(std::move(job));
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
        const auto it = std::find_if(m_active.begin(), m_active.end(),
                                     [&job](const Active &active) { return active.id == job.id; });
        if (it != m_active.end())
            m_active.erase(it);
    }
    // Refill first: the pool gets new work before we spend time on the model and listeners.
    fill();
    m_model->finishJobs(reports);
    for (const Job &job : std::as_const(reports))
        emit jobFinished(job);
    finishIfDone();
}

void FetchEngine::pollProgress()
{
    const qint64 now = nowNs();
    for (Active &active : m_active) {
        const TaskControl &control = *active.control;
        if (control.claimState() != TaskControl::Claim::Running)
            continue;
        const qint64 startedAt = control.startedAtNs.load(std::memory_order_acquire);
        if (startedAt < 0)
            continue;
        if (!active.startSeen) {
            m_model->markRunning(active.id, startedAt, control.worker.load(std::memory_order_relaxed));
            active.startSeen = true;
        }
        m_model->setProgress(active.id, control.bytesReceived.load(std::memory_order_relaxed),
                             control.bytesTotal.load(std::memory_order_relaxed), now);
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
