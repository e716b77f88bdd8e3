// SPDX-License-Identifier: GPL-3.0-or-later
// A byte-rate cap shared by the tasks it binds: the global --limit-rate and each URL's own.
#pragma once

#include <QMutex>
#include <QtGlobal>

#include <atomic>

namespace Parafetch {

// A token bucket kept as the time its debt is paid off (the generic cell rate algorithm): each
// byte taken moves that time on by 1/rate s, and a reader may take bytes while it is less than
// BurstNs ahead of now. No thread runs it: a reader that is refused waits the time it is told
// (a timer on its own loop) and asks again; meanwhile the bytes stay in the reply, whose bounded
// buffer stops reading the socket, so TCP slows the server down (ARCHITECTURE rule 4).
//
// Thread-safe: the engine's workers share the global one, and the window changes its rate while
// they read (the change applies to the next bytes taken).
class ByteRateLimiter final
{
public:
    // How far ahead of now the debt may run: the burst a reader may take at once is this much
    // of the rate. Short enough that a cap looks steady on a 4 Hz meter, long enough that a
    // refused reader is woken a few tens of times a second, not per packet.
    static constexpr qint64 BurstNs = 50'000'000; // 50 ms
    static constexpr qint64 MinGrantBytes = 1024; // at very low rates: still whole KiB

    explicit ByteRateLimiter(qint64 bytesPerSecond = 0);

    // Bytes per second; 0 lifts the cap. Applies to the next bytes taken.
    void setRate(qint64 bytesPerSecond);
    qint64 rate() const { return m_rate.load(std::memory_order_relaxed); }
    bool isLimited() const { return rate() > 0; }

    // Up to `wanted` bytes may be read at nowNs (a steady clock, ns). Returns how many (all of
    // them when there is no cap); 0 when none may yet, with *waitNs set to how long until some
    // may.
    qint64 take(qint64 wanted, qint64 nowNs, qint64 *waitNs);
    // Bytes taken and not read after all (another cap refused them) go back.
    void giveBack(qint64 bytes);

private:
    static qint64 costNs(qint64 bytes, qint64 rate);

    std::atomic<qint64> m_rate;
    QMutex m_mutex;
    qint64 m_paidOffNs = 0; // guarded by m_mutex: when the bytes taken so far are paid for
    bool m_started = false; // guarded by m_mutex
};

} // namespace Parafetch
