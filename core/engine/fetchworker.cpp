// SPDX-License-Identifier: GPL-3.0-or-later
// The engine's workers and the queue they take tasks from.
#include "engine/fetchworker.h"

#include "engine/bodysink.h"
#include "engine/networkmanager.h"
#include "proxyurl.h"
#include "sha256.h"

#include <QCoreApplication>
#include <QEventLoop>
#include <QHash>
#include <QMutexLocker>
#include <QNetworkAccessManager>
#include <QNetworkProxyFactory>
#include <QThread>
#include <QTimerEvent>

#include <algorithm>
#include <iterator>
#include <utility>

namespace Parafetch {

namespace {

// Finished jobs a worker hands over at once, and how long one may wait for the others
// (the window shows rows at 10 Hz: a hold this short is not seen).
constexpr qsizetype MaxReportBatch = 16;
constexpr int MaxReportHoldMs = 10;

} // namespace

// Proxy decisions per scheme and host, made once (ARCHITECTURE rule 8): the system lookup can be
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

namespace {

class CachingProxyFactory final : public QNetworkProxyFactory
{
public:
    explicit CachingProxyFactory(std::shared_ptr<ProxyCache> cache)
        : m_cache(std::move(cache))
    { }
    QList<QNetworkProxy> queryProxy(const QNetworkProxyQuery &query) override
    {
        return m_cache->proxiesFor(query);
    }

private:
    std::shared_ptr<ProxyCache> m_cache;
};

} // namespace

std::shared_ptr<const ProxyRoute> makeProxyRoute(const QString &setting)
{
    auto route = std::make_shared<ProxyRoute>();
    if (setting.isEmpty()) {
        if (proxiesConfigured())
            route->system = std::make_shared<ProxyCache>();
        return route;
    }
    if (setting == ProxyUrl::NoProxyWord)
        return route;
    const std::optional<ProxyUrl> proxy = ProxyUrl::parse(setting, nullptr);
    if (!proxy) {
        // The front ends refuse such a setting; should one get here, requests fail rather than
        // go around the proxy the user asked for.
        route->fixed = QNetworkProxy(QNetworkProxy::HttpProxy, QStringLiteral("proxy.invalid"), 1);
        return route;
    }
    route->fixed = QNetworkProxy(proxy->kind == ProxyUrl::Kind::Http ? QNetworkProxy::HttpProxy
                                                                     : QNetworkProxy::Socks5Proxy,
                                 proxy->host, proxy->port, proxy->user, proxy->password);
    // Qt's Socks5Proxy hands names to the proxy (socks5h); without this capability Qt's socket
    // looks the name up itself and gives the proxy an address (socks5).
    if (proxy->kind == ProxyUrl::Kind::Socks5)
        route->fixed.setCapabilities(route->fixed.capabilities()
                                     & ~QNetworkProxy::HostNameLookupCapability);
    return route;
}

bool proxiesConfigured()
{
    // On Linux the system setting is the *_proxy environment; no_proxy can only exempt hosts.
    // When neither scheme has a proxy, managers go direct and skip the lookup per request.
    for (const char *url : { "http://parafetch.invalid/", "https://parafetch.invalid/" }) {
        const QList<QNetworkProxy> proxies =
            QNetworkProxyFactory::proxyForQuery(QNetworkProxyQuery(QUrl(QLatin1String(url))));
        if (std::any_of(proxies.cbegin(), proxies.cend(), [](const QNetworkProxy &proxy) {
                return proxy.type() != QNetworkProxy::NoProxy;
            }))
            return true;
    }
    return false;
}

void DispatchQueue::push(TaskSpec spec)
{
    QMutexLocker locker(&m_mutex);
    m_queue.push_back(std::move(spec));
}

std::optional<TaskSpec> DispatchQueue::take()
{
    QMutexLocker locker(&m_mutex);
    while (!m_queue.empty()) {
        TaskSpec spec = std::move(m_queue.front());
        m_queue.pop_front();
        if (spec.control->claim())
            return spec;
    }
    return std::nullopt;
}

void DispatchQueue::dropRevoked()
{
    std::deque<TaskSpec> revoked; // destroyed outside the lock
    QMutexLocker locker(&m_mutex);
    const auto keep =
        std::stable_partition(m_queue.begin(), m_queue.end(), [](const TaskSpec &spec) {
            return spec.control->claimState() != TaskControl::Claim::Revoked;
        });
    std::move(keep, m_queue.end(), std::back_inserter(revoked));
    m_queue.erase(keep, m_queue.end());
    locker.unlock();
}

std::size_t DispatchQueue::size() const
{
    QMutexLocker locker(&m_mutex);
    return m_queue.size();
}

bool DispatchQueue::isEmpty() const
{
    QMutexLocker locker(&m_mutex);
    return m_queue.empty();
}

FetchWorker::FetchWorker(int index, std::shared_ptr<WorkerShared> shared)
    : m_index(index)
    , m_shared(std::move(shared))
{
    setAutoDelete(false); // the engine owns its workers and deletes them after the pool is done
}

void FetchWorker::run()
{
    QThread *const thread = QThread::currentThread();
    thread->setObjectName(QStringLiteral("Parafetch worker %1").arg(m_index));
    QEventLoop loop;
    m_loop = &loop;
    // Made without a thread affinity: pulled here; the calls made meanwhile were held (post()).
    moveToThread(thread);
    int held = 0;
    {
        QMutexLocker locker(&m_callsMutex);
        m_inThread = true;
        held = std::exchange(m_heldCalls, 0);
    }
    // In the order the engine makes them: the lookup, the first tasks, a stop.
    for (const Call call : { PrepareCall, PokeCall, StopCall }) {
        if (held & call)
            post(call);
    }
    takeWork();
    loop.exec(); // until stopIfIdle()
    m_loop = nullptr;
    // A pool thread outlives its runnable: what was deleted later goes now, as a QThread's
    // would when it finishes. Then the worker leaves, for the engine to delete from its thread.
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    {
        QMutexLocker locker(&m_callsMutex);
        m_inThread = false; // from here calls are held (and dropped with the worker)
    }
    moveToThread(nullptr);
}

FetchWorker::~FetchWorker() = default;

void FetchWorker::post(Call call)
{
    {
        // Not into a worker that has no thread yet: Qt 6.4's postEvent() locks the mutex of a
        // threadless object's temporary thread data without holding a reference to it, and the
        // moveToThread() in run() frees that data ("QMutex: destroying locked mutex", and a
        // use after free). Such calls wait here; run() posts them once it is in its thread.
        QMutexLocker locker(&m_callsMutex);
        if (!m_inThread) {
            m_heldCalls |= call;
            return;
        }
    }
    switch (call) {
    case PokeCall:
        QMetaObject::invokeMethod(
            this,
            [this] {
                m_pokePending.store(false, std::memory_order_release);
                takeWork();
            },
            Qt::QueuedConnection);
        break;
    case PrepareCall:
        QMetaObject::invokeMethod(
            this, [] { Sha256::prepare(); }, Qt::QueuedConnection);
        break;
    case StopCall:
        QMetaObject::invokeMethod(
            this,
            [this] {
                m_stopping = true;
                stopIfIdle();
            },
            Qt::QueuedConnection);
        break;
    }
}

void FetchWorker::poke()
{
    if (m_pokePending.exchange(true, std::memory_order_acq_rel))
        return;
    post(PokeCall);
}

void FetchWorker::pokeIfHungry()
{
    if (m_hungry.exchange(false))
        poke();
}

void FetchWorker::prepareHashing()
{
    post(PrepareCall);
}

void FetchWorker::stopWhenIdle()
{
    post(StopCall);
}

void FetchWorker::clearIfIdle(std::size_t managerIndex)
{
    if (managerIndex >= m_staleManagers.size() || !m_staleManagers[managerIndex])
        return;
    // Clearing takes the manager's HTTP thread, and with it any request still running there.
    for (std::size_t slot = managerIndex * LanesPerManager;
         slot < std::min(m_slots.size(), (managerIndex + 1) * LanesPerManager); ++slot) {
        if (m_slots[slot])
            return;
    }
    m_staleManagers[managerIndex] = false;
    if (m_managers[managerIndex]) {
        m_managers[managerIndex]->clearConnections();
        applyProxyRoute(*m_managers[managerIndex]);
    }
}

void FetchWorker::stopIfIdle()
{
    if (!m_stopping || m_running > 0)
        return;
    flushReports();
    // Replies and tasks go with deleteLater(); deliver those before the managers go.
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    m_managers.clear();
    QCoreApplication::sendPostedEvents(nullptr, QEvent::DeferredDelete);
    // libcrypto keeps per-thread state for hashing; give it back before the thread ends.
    Sha256::releaseThreadState();
    if (m_loop)
        m_loop->quit();
}

const QNetworkRequest &
FetchWorker::requestTemplate(const std::shared_ptr<const FetchOptions> &options)
{
    if (options != m_templateOptions) {
        m_requestTemplate = FetchTask::requestFor(*options, true);
        m_templateOptions = options;
    }
    return m_requestTemplate;
}

NetworkManager *FetchWorker::managerFor(int slot)
{
    const std::size_t index = std::size_t(slot / LanesPerManager);
    if (m_managers.size() <= index)
        m_managers.resize(index + 1);
    std::unique_ptr<NetworkManager> &manager = m_managers[index];
    if (!manager) {
        manager = std::make_unique<NetworkManager>();
        manager->setAutoDeleteReplies(false);
        manager->setRedirectPolicy(QNetworkRequest::ManualRedirectPolicy);
        manager->setHostResolver(m_shared->resolver);
        applyProxyRoute(*manager);
    }
    return manager.get();
}

void FetchWorker::applyProxyRoute(NetworkManager &manager) const
{
    const std::shared_ptr<const ProxyRoute> route = m_shared->proxyRoute();
    if (route && route->system)
        manager.setProxyFactory(new CachingProxyFactory(route->system));
    else
        manager.setProxy(route ? route->fixed : QNetworkProxy(QNetworkProxy::NoProxy));
}

void FetchWorker::takeWork()
{
    if (m_stopping)
        return;
    // A task can finish inside start() (cancelled before it began): no recursion, go round.
    if (m_taking) {
        m_takeAgain = true;
        return;
    }
    m_taking = true;
    const int generation = m_shared->connectionGeneration.load(std::memory_order_acquire);
    if (generation != m_connectionGeneration) {
        m_connectionGeneration = generation;
        m_staleManagers.assign(m_managers.size(), true);
        for (std::size_t index = 0; index < m_managers.size(); ++index)
            clearIfIdle(index);
    }
    do {
        m_takeAgain = false;
        bool starved = false;
        const int concurrency = m_shared->concurrency.load(std::memory_order_acquire);
        for (int slot = 0; laneOf(slot) < concurrency; ++slot) {
            if (std::size_t(slot) >= m_slots.size())
                m_slots.resize(std::size_t(slot) + 1, nullptr);
            if (m_slots[std::size_t(slot)])
                continue;
            std::optional<TaskSpec> spec = m_shared->queue.take();
            if (!spec) {
                starved = true;
                break;
            }
            const int lane = laneOf(slot);
            int used = m_shared->lanesUsed.load(std::memory_order_relaxed);
            while (used < lane + 1
                   && !m_shared->lanesUsed.compare_exchange_weak(used, lane + 1,
                                                                 std::memory_order_relaxed)) { }
            const QNetworkRequest &request = requestTemplate(spec->options);
            auto *task = new FetchTask(
                std::move(*spec), managerFor(slot), request, lane, m_index, m_shared->environment,
                [this](FetchTask *done, Job &&job) { taskDone(done, std::move(job)); });
            m_slots[std::size_t(slot)] = task;
            ++m_running;
            task->start();
        }
        if (starved) {
            // Ask for a poke, then look again: a task the engine queued before it saw the flag
            // is found here, one queued after it comes with a poke.
            m_hungry.store(true);
            if (!m_shared->queue.isEmpty() && m_hungry.exchange(false))
                m_takeAgain = true;
        }
    } while (m_takeAgain);
    m_taking = false;
}

void FetchWorker::taskDone(FetchTask *task, Job &&job)
{
    m_heldReports.append(std::move(job));
    const std::size_t slot = std::size_t(task->lane() / m_shared->workerCount);
    Q_ASSERT(slot < m_slots.size() && m_slots[slot] == task);
    m_slots[slot] = nullptr;
    --m_running;
    clearIfIdle(slot / LanesPerManager);
    task->deleteLater(); // we are inside one of its calls
    takeWork(); // the lane's next request goes out before the report
    flushReportsIfDue();
    stopIfIdle();
}

void FetchWorker::flushReportsIfDue()
{
    if (m_heldReports.isEmpty())
        return;
    // Results go to the engine a few at a time: the engine's thread then wakes once per batch
    // rather than once or twice per URL. They go at once when this thread has nothing else
    // running (the end of a run, or a slow list), and when the engine must refill the queue
    // before the lanes run dry; otherwise they wait for a batch or at most MaxReportHoldMs.
    const int concurrency = m_shared->concurrency.load(std::memory_order_relaxed);
    const qsizetype batch =
        std::clamp<qsizetype>(concurrency / (2 * m_shared->workerCount), 1, MaxReportBatch);
    if (m_running == 0 || m_stopping || m_heldReports.size() >= batch
        || m_shared->queue.size() <= std::size_t(concurrency / 2)) {
        flushReports();
    } else if (!m_flushTimer.isActive()) {
        m_flushTimer.start(MaxReportHoldMs, this);
    }
}

void FetchWorker::flushReports()
{
    m_flushTimer.stop();
    if (!m_heldReports.isEmpty())
        m_shared->environment->report(std::exchange(m_heldReports, {}));
}

void FetchWorker::timerEvent(QTimerEvent *event)
{
    if (event->timerId() == m_flushTimer.timerId())
        flushReports();
    else
        QObject::timerEvent(event);
}

} // namespace Parafetch
