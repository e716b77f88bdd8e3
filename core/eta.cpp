// How long the rest of a run will take, from the recent rate of finished URLs.
#include "eta.h"

#include <QCoreApplication>

#include <cmath>

namespace Parafetch {

void EtaEstimator::reset()
{
    m_samples.clear();
    m_total = 0;
}

void EtaEstimator::sample(qint64 nowNs, int finished, int total)
{
    // Fewer finished than before means rows were retried or cleared: the old samples describe
    // another list, so the rate starts again.
    if (!m_samples.empty()
        && (finished < m_samples.back().finished || nowNs < m_samples.back().atNs))
        m_samples.clear();
    m_total = total;
    m_samples.push_back({ nowNs, finished });
    // Keep one sample at or before the window's start, so the window spans its full length.
    while (m_samples.size() > 2 && m_samples[1].atNs <= nowNs - WindowNs)
        m_samples.pop_front();
}

qint64 EtaEstimator::remainingNs() const
{
    if (m_samples.empty())
        return -1;
    const Sample &last = m_samples.back();
    const int left = m_total - last.finished;
    if (left <= 0)
        return 0;
    const Sample &first = m_samples.front();
    const qint64 span = last.atNs - first.atNs;
    const int done = last.finished - first.finished;
    if (span < MinSpanNs || done <= 0)
        return -1;
    return qint64(std::ceil(double(left) * double(span) / double(done)));
}

QString formatRemaining(qint64 ns)
{
    if (ns < 0)
        return {};
    const qint64 seconds = (ns + 999'999'999) / 1'000'000'000;
    if (seconds < 60)
        return QCoreApplication::translate("Eta", "about %1 s").arg(seconds);
    const qint64 minutes = (seconds + 30) / 60;
    if (minutes < 60)
        return QCoreApplication::translate("Eta", "about %1 min").arg(minutes);
    return QCoreApplication::translate("Eta", "about %1 h %2 min")
        .arg(minutes / 60)
        .arg(minutes % 60);
}

} // namespace Parafetch
