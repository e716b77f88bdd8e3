// SPDX-License-Identifier: GPL-3.0-or-later
// SHA-256 of one response body: in the engine thread for small bodies, on a hashing thread for
// large ones, through a bounded hand-off of the received chunks.
#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <functional>
#include <memory>

class QObject;

namespace Parafetch {

// One engine thread reads the socket and hashes: for a large body that is two CPUs' work on one
// (SHA-256 runs at 1.5-2 GB/s here, about what loopback delivers), so past OffloadAfterBytes the
// chunks go to a hashing thread instead. At most MaxQueuedBytes wait there: when the queue is
// full the task stops reading the reply, whose bounded buffer then stops reading the socket, so
// TCP pushes back on the server as before and memory stays bounded (ARCHITECTURE rule 4).
//
// What the hashing thread reads is a copy in pieces of PieceBytes, made as the chunk is handed
// over, not the reply's own array: that array was written by the kernel when the socket was read,
// a few MiB of buffers earlier, and has left this CPU's caches by the time the hashing thread
// gets to it; from there SHA-256 ran 10-20 % below its speed (bench/PROFILE.md, "SHA-256 of one
// large stream"). A piece the engine thread has just written comes over from its cache at full
// speed, and the copy costs the engine thread (which has CPU to spare) less than that. Pieces
// the hashing thread is done with are written again for the next chunks: no allocation per piece.
//
// A hashing thread helps only where a CPU would otherwise sit idle: at most one body fewer than
// there are CPUs is hashed off its engine thread at a time (one on two CPUs); the others hash as
// they read, as eight parallel streams already keep every CPU busy. So every such body has a
// pool thread of its own, which stays with it (waiting for the next piece) until the body's
// result, a reset or the end: no hand-over of the thread between chunks.
//
// Used by one engine thread (the task's); the hashing threads never touch it, only its state.
class BodyHasher final
{
public:
    // Bodies smaller than this are hashed where they are read: no thread hop for small files.
    static constexpr qint64 OffloadAfterBytes = 2 << 20;
    static constexpr qint64 MaxQueuedBytes = 1 << 20;
    // A waiting reader is woken once the queue is down to this: a chunk's worth of pieces
    // (what one read of the reply hands over) still waits then, so the hashing thread has work
    // while the engine thread gets round to the next read.
    static constexpr qint64 WakeReaderAtBytes = MaxQueuedBytes * 3 / 4;
    static constexpr qsizetype PieceBytes = 256 << 10;

    // What the hasher has done since it was made, for tests and profiles.
    struct Counters
    {
        qint64 piecesQueued = 0; // copies handed to a hashing thread
        qint64 piecesAllocated = 0; // of those, the ones that needed a new array
        qint64 turns = 0; // times a pool thread took up an offloaded body
    };

    BodyHasher();
    ~BodyHasher(); // chunks still queued are dropped; nothing waits for them
    Q_DISABLE_COPY_MOVE(BodyHasher)

    // Starts over (a new attempt); what was queued for the old body is dropped.
    void reset();
    // Hashes chunk now, or queues it once the body has passed OffloadAfterBytes.
    void addData(const QByteArray &chunk);
    // In the engine thread, always (the resume path's kept part, read before any chunk).
    void addDataNow(QByteArrayView data);
    // Whether addData() may be called without going past MaxQueuedBytes.
    bool hasRoom() const;
    // Whether every chunk given has been hashed (result() may be asked for).
    bool isIdle() const;
    // When !hasRoom() or !isIdle(): wake is posted to context's thread once the queue has drained
    // to WakeReaderAtBytes or emptied; returns false (posting nothing) if that is already so.
    // context must outlive this object or be its owner (its posted events die with it).
    bool wakeWhenReady(QObject *context, std::function<void()> wake);
    // The raw 32-byte digest; needs isIdle(). The hash starts over afterwards.
    QByteArray result();
    Counters counters() const;

private:
    struct State;
    bool takeOffloadSlot();
    void releaseOffloadSlot();
    void queueCopy(QByteArrayView chunk);

    std::shared_ptr<State> m_state;
    qint64 m_bytes = 0; // given since reset(), inline and queued
    bool m_offloaded = false; // this body holds one of the process's offload slots
};

} // namespace Parafetch
