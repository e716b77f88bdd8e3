// SPDX-License-Identifier: GPL-3.0-or-later
// A body's SHA-256, handed to a hashing thread in bounded steps once the body is large.
#include "engine/bodyhasher.h"

#include "sha256.h"

#include <QDeadlineTimer>
#include <QMetaObject>
#include <QMutex>
#include <QObject>
#include <QThread>
#include <QThreadPool>
#include <QWaitCondition>

#include <algorithm>
#include <atomic>
#include <deque>

namespace Parafetch {

namespace {

// A turn hashes about this much (a few milliseconds' work) before going to the back of the
// pool's queue, so that eight large bodies on two hashing threads all move.
constexpr qint64 TurnBytes = 8 << 20;
// Hashed chunks held for the engine thread to take back (BodyHasher::takeHashed); past this
// they are freed here.
constexpr std::size_t MaxHashedChunks = 16;
// A turn that finds the queue empty waits this long for the next chunk before it ends: the
// reply hands over a socket read at a time (often 64 KiB), and a new turn per chunk would cost
// a thread wake-up each. Far below the time a stalled body waits for anything.
constexpr int IdleWaitUs = 500;

// Its own pool, not the global one: hashing must not wait behind (or hold up) anyone else's
// work. One thread per CPU: more could not hash faster.
QThreadPool *hashPool()
{
    static QThreadPool *const pool = [] {
        auto *created = new QThreadPool; // lives as long as the process: turns may be queued
        created->setObjectName(QStringLiteral("sha256"));
        created->setMaxThreadCount(std::max(1, QThread::idealThreadCount()));
        return created;
    }();
    return pool;
}

// Bodies hashed off their engine thread now, across the process (see the class comment).
std::atomic<int> offloadedBodies { 0 };

int maxOffloadedBodies()
{
    static const int limit = std::max(1, QThread::idealThreadCount() - 1);
    return limit;
}

} // namespace

// Shared by the BodyHasher (engine thread) and the turn that hashes its chunks (a pool thread).
struct BodyHasher::State
{
    QMutex mutex;
    QWaitCondition chunkQueued; // a turn waits on it for the next chunk
    // The engine thread touches sha only while queued == 0; a turn only while it holds a
    // chunk it took from the queue (so queued > 0). The mutex orders the two.
    Sha256 sha;
    std::deque<QByteArray> queue; // guarded by mutex
    std::vector<QByteArray> hashed; // done with, for takeHashed(); guarded by mutex
    qint64 queued = 0; // bytes queued or being hashed; guarded by mutex
    bool scheduled = false; // a turn is queued in the pool or running; guarded by mutex
    bool abandoned = false; // the body is no longer wanted; guarded by mutex
    QObject *wakeContext = nullptr; // guarded by mutex
    std::function<void()> wake; // guarded by mutex
    qint64 wakeAtOrBelow = 0; // guarded by mutex

    // With mutex held.
    void wakeIfDue()
    {
        if (!wake || abandoned || queued > wakeAtOrBelow)
            return;
        QMetaObject::invokeMethod(wakeContext, std::move(wake), Qt::QueuedConnection);
        wake = nullptr;
        wakeContext = nullptr;
    }

    // With mutex held: the body is no longer wanted; a turn stops at its next chunk and frees
    // nothing more for takeHashed().
    void abandon()
    {
        abandoned = true;
        queue.clear();
        hashed.clear();
        wake = nullptr;
        wakeContext = nullptr;
        chunkQueued.wakeAll();
    }

    static void runTurn(const std::shared_ptr<State> &state)
    {
        for (qint64 hashed = 0; hashed < TurnBytes;) {
            QByteArray chunk;
            {
                QMutexLocker lock(&state->mutex);
                if (!state->abandoned && state->queue.empty())
                    state->chunkQueued.wait(&state->mutex,
                                            QDeadlineTimer(std::chrono::microseconds(IdleWaitUs)));
                if (state->abandoned || state->queue.empty()) {
                    state->scheduled = false;
                    return;
                }
                chunk = std::move(state->queue.front());
                state->queue.pop_front();
            }
            state->sha.addData(chunk);
            hashed += chunk.size();
            QMutexLocker lock(&state->mutex);
            state->queued -= chunk.size();
            if (!state->abandoned && state->hashed.size() < MaxHashedChunks)
                state->hashed.push_back(std::move(chunk));
            state->wakeIfDue();
        }
        {
            QMutexLocker lock(&state->mutex);
            if (state->abandoned || state->queue.empty()) {
                state->scheduled = false;
                return;
            }
        }
        schedule(state);
    }

    static void schedule(const std::shared_ptr<State> &state)
    {
        hashPool()->start([state] { runTurn(state); });
    }
};

BodyHasher::BodyHasher()
    : m_state(std::make_shared<State>())
{ }

BodyHasher::~BodyHasher()
{
    releaseOffloadSlot();
    QMutexLocker lock(&m_state->mutex);
    m_state->abandon();
}

bool BodyHasher::takeOffloadSlot()
{
    int now = offloadedBodies.load(std::memory_order_relaxed);
    while (now < maxOffloadedBodies()) {
        if (offloadedBodies.compare_exchange_weak(now, now + 1, std::memory_order_relaxed))
            return true;
    }
    return false;
}

void BodyHasher::releaseOffloadSlot()
{
    if (m_offloaded)
        offloadedBodies.fetch_sub(1, std::memory_order_relaxed);
    m_offloaded = false;
}

void BodyHasher::reset()
{
    m_bytes = 0;
    releaseOffloadSlot();
    {
        QMutexLocker lock(&m_state->mutex);
        if (m_state->queued == 0) {
            lock.unlock();
            m_state->sha.reset();
            return;
        }
        // A turn may still be hashing the old body: leave it that state, start a new one.
        m_state->abandon();
    }
    m_state = std::make_shared<State>();
}

void BodyHasher::addData(const QByteArray &chunk)
{
    if (chunk.isEmpty())
        return;
    if (!m_offloaded && m_bytes >= OffloadAfterBytes)
        m_offloaded = takeOffloadSlot(); // asked again per chunk until a slot is free
    m_bytes += chunk.size();
    if (!m_offloaded) {
        // Nothing is queued before the body is offloaded: sha is ours alone.
        m_state->sha.addData(chunk);
        return;
    }
    bool start = false;
    {
        QMutexLocker lock(&m_state->mutex);
        m_state->queue.push_back(chunk); // shares the reply's array, no copy
        m_state->queued += chunk.size();
        start = !m_state->scheduled;
        m_state->scheduled = true;
        if (!start)
            m_state->chunkQueued.wakeOne();
    }
    if (start)
        State::schedule(m_state);
}

void BodyHasher::addDataNow(QByteArrayView data)
{
    Q_ASSERT(isIdle());
    m_bytes += data.size();
    m_state->sha.addData(data);
}

bool BodyHasher::hasRoom() const
{
    if (!m_offloaded)
        return true; // nothing is queued before the body is offloaded: no lock per chunk
    QMutexLocker lock(&m_state->mutex);
    return m_state->queued < MaxQueuedBytes;
}

bool BodyHasher::isIdle() const
{
    if (!m_offloaded)
        return true;
    QMutexLocker lock(&m_state->mutex);
    return m_state->queued == 0;
}

bool BodyHasher::wakeWhenReady(QObject *context, std::function<void()> wake)
{
    QMutexLocker lock(&m_state->mutex);
    // Waiting for room wakes at half the queue (not at the first byte of room: one chunk per
    // wake-up would cost a hop per chunk); waiting for the end wakes when all is hashed.
    const qint64 threshold = m_state->queued >= MaxQueuedBytes ? MaxQueuedBytes / 2 : 0;
    if (m_state->queued <= threshold)
        return false;
    m_state->wakeContext = context;
    m_state->wake = std::move(wake);
    m_state->wakeAtOrBelow = threshold;
    return true;
}

std::vector<QByteArray> BodyHasher::takeHashed()
{
    std::vector<QByteArray> taken;
    if (!m_offloaded)
        return taken; // result() took the last ones back
    QMutexLocker lock(&m_state->mutex);
    taken.swap(m_state->hashed);
    return taken;
}

QByteArray BodyHasher::result()
{
    Q_ASSERT(isIdle());
    m_bytes = 0;
    if (m_offloaded) {
        QMutexLocker lock(&m_state->mutex);
        m_state->hashed.clear(); // before takeHashed() stops looking
    }
    releaseOffloadSlot();
    return m_state->sha.result();
}

} // namespace Parafetch
