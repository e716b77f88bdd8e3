// SPDX-License-Identifier: GPL-3.0-or-later
// SHA-256 of one response body: in the engine thread for small bodies, on a hashing thread for
// large ones, through a bounded hand-off of the received chunks.
#pragma once

#include <QByteArray>
#include <QByteArrayView>

#include <functional>
#include <memory>
#include <vector>

class QObject;

namespace Parafetch {

// One engine thread reads the socket and hashes: for a large body that is two CPUs' work on one
// (SHA-256 runs at 1.5-2 GB/s here, about what loopback delivers), so past OffloadAfterBytes the
// chunks go to a hashing thread instead, as the implicitly shared arrays the reply handed over
// (no copy). At most MaxQueuedBytes wait there: when the queue is full the task stops reading
// the reply, whose bounded buffer then stops reading the socket, so TCP pushes back on the
// server as before and memory stays bounded (ARCHITECTURE rule 4).
//
// A hashing thread helps only where a CPU would otherwise sit idle: at most one body fewer than
// there are CPUs is hashed off its engine thread at a time (one on two CPUs); the others hash as
// they read, as eight parallel streams already keep every CPU busy.
//
// Used by one engine thread (the task's); the hashing threads never touch it, only its state.
class BodyHasher final
{
public:
    // Bodies smaller than this are hashed where they are read: no thread hop for small files.
    static constexpr qint64 OffloadAfterBytes = 2 << 20;
    static constexpr qint64 MaxQueuedBytes = 2 << 20;

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
    // to half or emptied; returns false (posting nothing) if that is already so. context must
    // outlive this object or be its owner (its posted events die with it).
    bool wakeWhenReady(QObject *context, std::function<void()> wake);
    // The raw 32-byte digest; needs isIdle(). The hash starts over afterwards.
    QByteArray result();
    // Queued chunks the hashing thread is done with, to be freed by the engine thread that
    // allocated them (its malloc arena, uncontended) rather than by the hashing thread.
    std::vector<QByteArray> takeHashed();

private:
    struct State;
    bool takeOffloadSlot();
    void releaseOffloadSlot();

    std::shared_ptr<State> m_state;
    qint64 m_bytes = 0; // given since reset(), inline and queued
    bool m_offloaded = false; // this body holds one of the process's offload slots
};

} // namespace Parafetch
