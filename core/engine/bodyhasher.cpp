// SPDX-License-Identifier: GPL-3.0-or-later
// A body's SHA-256, handed to a hashing thread in bounded steps once the body is large.
#include "engine/bodyhasher.h"

#include "sha256.h"

#include <QMetaObject>
#include <QMutex>
#include <QObject>
#include <QThread>
#include <QThreadPool>
#include <QWaitCondition>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <deque>
#include <vector>

namespace Parafetch {

namespace {

// Pieces the hashing thread is done with, kept for the engine thread to write again; past this
// they are freed. Two queues' worth: what a full queue and the chunk that filled it take.
constexpr std::size_t MaxSparePieces = 2 * BodyHasher::MaxQueuedBytes / BodyHasher::PieceBytes;

// Its own pool, not the global one: hashing must not wait behind (or hold up) anyone else's
// work. One thread per CPU, at least one more than there are offloaded bodies (each keeps one).
QThreadPool *hashPool()
{
    static QThreadPool *const pool = [] {
        auto *created = new QThreadPool; // lives as long as the process: turns may be queued
        created->setObjectName(QStringLiteral("sha256"));
        created->setMaxThreadCount(std::max(2, QThread::idealThreadCount()));
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

// Shared by the BodyHasher (engine thread) and the turn that hashes its pieces (a pool thread).
struct BodyHasher::State
{
    QMutex mutex;
    QWaitCondition wanted; // a turn waits on it for the next piece, or to be let go
    // The engine thread touches sha only while queued == 0; a turn only while it holds a
    // piece it took from the queue (so queued > 0). The mutex orders the two.
    Sha256 sha;
    std::deque<QByteArray> queue; // guarded by mutex
    std::vector<QByteArray> spare; // pieces done with, to be written again; guarded by mutex
    qint64 queued = 0; // bytes queued or being hashed; guarded by mutex
    bool scheduled = false; // a turn is queued in the pool or running; guarded by mutex
    // The body gave back its offload slot (result() or reset()): its turn gives back its pool
    // thread once the queue is empty, until a new body queues again. Guarded by mutex.
    bool released = false;
    bool abandoned = false; // the body is no longer wanted; guarded by mutex
    QObject *wakeContext = nullptr; // guarded by mutex
    std::function<void()> wake; // guarded by mutex
    qint64 wakeAtOrBelow = 0; // guarded by mutex
    Counters counters; // guarded by mutex

    // With mutex held.
    void wakeIfDue()
    {
        if (!wake || abandoned || queued > wakeAtOrBelow)
            return;
        QMetaObject::invokeMethod(wakeContext, std::move(wake), Qt::QueuedConnection);
        wake = nullptr;
        wakeContext = nullptr;
    }

    // With mutex held: the body is no longer wanted; a turn stops at its next piece.
    void abandon()
    {
        abandoned = true;
        queue.clear();
        spare.clear();
        wake = nullptr;
        wakeContext = nullptr;
        wanted.wakeAll();
    }

    // With mutex held: the body's turn may give back its thread (see released).
    void release()
    {
        released = true;
        wanted.wakeAll();
    }

    // One turn per offloaded body: it hashes pieces as they come and waits for more in between
    // (a hand-over of the thread per stall cost more than the wait; bench/PROFILE.md).
    static void runTurn(const std::shared_ptr<State> &state)
    {
        QMutexLocker lock(&state->mutex);
        ++state->counters.turns;
        for (;;) {
            while (!state->abandoned && !state->released && state->queue.empty())
                state->wanted.wait(&state->mutex);
            if (state->abandoned || state->queue.empty()) {
                state->scheduled = false;
                return;
            }
            QByteArray piece = std::move(state->queue.front());
            state->queue.pop_front();
            lock.unlock();
            state->sha.addData(piece);
            lock.relock();
            state->queued -= piece.size();
            const bool keep = !state->abandoned && state->spare.size() < MaxSparePieces;
            if (keep)
                state->spare.push_back(std::move(piece));
            state->wakeIfDue();
            if (!keep) { // not kept: freed here, outside the lock
                lock.unlock();
                piece = QByteArray();
                lock.relock();
            }
        }
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
    if (!m_offloaded)
        return;
    offloadedBodies.fetch_sub(1, std::memory_order_relaxed);
    m_offloaded = false;
    QMutexLocker lock(&m_state->mutex);
    m_state->release();
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
    const Counters counters = m_state->counters; // the hasher's, not the body's
    m_state = std::make_shared<State>();
    m_state->counters = counters;
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
    queueCopy(chunk);
}

void BodyHasher::queueCopy(QByteArrayView chunk)
{
    const qsizetype count = (chunk.size() + PieceBytes - 1) / PieceBytes;
    std::vector<QByteArray> pieces;
    pieces.reserve(std::size_t(count));
    {
        QMutexLocker lock(&m_state->mutex);
        while (qsizetype(pieces.size()) < count && !m_state->spare.empty()) {
            pieces.push_back(std::move(m_state->spare.back()));
            m_state->spare.pop_back();
        }
    }
    qint64 allocated = 0;
    for (qsizetype at = 0, i = 0; at < chunk.size(); at += PieceBytes, ++i) {
        const qsizetype size = std::min(PieceBytes, chunk.size() - at);
        if (i == qsizetype(pieces.size())) {
            pieces.emplace_back();
            pieces.back().reserve(PieceBytes);
            ++allocated;
        }
        QByteArray &piece = pieces[std::size_t(i)];
        piece.resize(size); // only this thread holds a spare: written in place, no detach
        std::memcpy(piece.data(), chunk.data() + at, std::size_t(size));
    }
    bool start = false;
    {
        QMutexLocker lock(&m_state->mutex);
        for (QByteArray &piece : pieces) {
            m_state->queued += piece.size();
            m_state->queue.push_back(std::move(piece));
        }
        m_state->counters.piecesQueued += count;
        m_state->counters.piecesAllocated += allocated;
        m_state->released = false;
        start = !m_state->scheduled;
        m_state->scheduled = true;
        if (!start)
            m_state->wanted.wakeOne();
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
    // Waiting for room wakes while some of the queue is left (not at the first byte of room:
    // one piece per wake-up would cost a hop per piece; not at the end: the hashing thread would
    // then wait for the reader); waiting for the end wakes when all is hashed.
    const qint64 threshold = m_state->queued >= MaxQueuedBytes ? WakeReaderAtBytes : 0;
    if (m_state->queued <= threshold)
        return false;
    m_state->wakeContext = context;
    m_state->wake = std::move(wake);
    m_state->wakeAtOrBelow = threshold;
    return true;
}

QByteArray BodyHasher::result()
{
    Q_ASSERT(isIdle());
    m_bytes = 0;
    if (m_offloaded) {
        QMutexLocker lock(&m_state->mutex);
        m_state->spare.clear(); // freed here, by the thread that allocated them
    }
    releaseOffloadSlot();
    return m_state->sha.result();
}

BodyHasher::Counters BodyHasher::counters() const
{
    QMutexLocker lock(&m_state->mutex);
    return m_state->counters;
}

} // namespace Parafetch
