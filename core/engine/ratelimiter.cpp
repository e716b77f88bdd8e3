// SPDX-License-Identifier: GPL-3.0-or-later
#include "engine/ratelimiter.h"

#include "units.h"

#include <algorithm>
#include <cmath>

namespace Parafetch {

ByteRateLimiter::ByteRateLimiter(qint64 bytesPerSecond)
    : m_rate(std::max<qint64>(0, bytesPerSecond))
{ }

void ByteRateLimiter::setRate(qint64 bytesPerSecond)
{
    m_rate.store(std::max<qint64>(0, bytesPerSecond), std::memory_order_relaxed);
}

qint64 ByteRateLimiter::costNs(qint64 bytes, qint64 rate)
{
    // In double: bytes * 1e9 overflows 64 bits past 9 GB, and a ns more or less is nothing here.
    return qint64(std::ceil(double(bytes) * double(Units::NsPerSecond) / double(rate)));
}

qint64 ByteRateLimiter::take(qint64 wanted, qint64 nowNs, qint64 *waitNs)
{
    const qint64 rate = this->rate();
    if (rate <= 0 || wanted <= 0)
        return std::max<qint64>(0, wanted);
    // What one grant may be: the burst's worth of the rate, and at least a KiB.
    const qint64 burstBytes = std::max(MinGrantBytes, rate / (Units::NsPerSecond / BurstNs));
    QMutexLocker lock(&m_mutex);
    if (!m_started || m_paidOffNs < nowNs) {
        // Idle time is not saved up: after a pause the reader gets one burst, not a flood.
        m_paidOffNs = nowNs;
        m_started = true;
    }
    const qint64 ahead = m_paidOffNs - nowNs;
    if (ahead >= BurstNs) {
        if (waitNs)
            *waitNs = ahead - BurstNs + 1;
        return 0;
    }
    const qint64 granted = std::min(wanted, burstBytes);
    m_paidOffNs += costNs(granted, rate);
    return granted;
}

void ByteRateLimiter::giveBack(qint64 bytes)
{
    const qint64 rate = this->rate();
    if (rate <= 0 || bytes <= 0)
        return;
    QMutexLocker lock(&m_mutex);
    m_paidOffNs -= costNs(bytes, rate);
}

} // namespace Parafetch
