// Run summary arithmetic: one pass over the jobs, percentiles by nearest rank.
#include "runsummary.h"

#include <algorithm>
#include <limits>
#include <cmath>

namespace Parafetch {

namespace {

// Totals saturate instead of overflowing: an imported file may hold any numbers.
qint64 saturatingAdd(qint64 a, qint64 b)
{
    qint64 sum = 0;
    return __builtin_add_overflow(a, b, &sum) ? std::numeric_limits<qint64>::max() : sum;
}


constexpr double NsPerSecond = 1e9;
constexpr double PercentScale = 100.0;
constexpr double P50 = 50, P90 = 90, P99 = 99;

} // namespace

int RunSummary::finished() const
{
    return succeeded + failed + cancelled;
}

RunSummary RunSummary::compute(const QList<Job> &jobs)
{
    RunSummaryBuilder builder;
    for (const Job &job : jobs)
        builder.add(job);
    return builder.result();
}

void RunSummaryBuilder::add(const Job &job)
{
    RunSummary &s = m_counts;
    ++s.total;
    switch (job.state) {
    case JobState::Queued:
        ++s.queued;
        break;
    case JobState::Running:
        ++s.running;
        break;
    case JobState::Succeeded:
        ++s.succeeded;
        break;
    case JobState::Failed:
        ++s.failed;
        break;
    case JobState::Cancelled:
        ++s.cancelled;
        break;
    }
    s.bytes = saturatingAdd(s.bytes, std::max<qint64>(job.bytesReceived, 0));

    if (job.isFinished()) {
        // A success is a success whatever kind a careless producer left behind.
        const int kind =
            job.state == JobState::Succeeded ? int(ErrorKind::None) : int(job.errorKind);
        if (kind >= 0 && kind < ErrorKindCount)
            ++s.byErrorKind[std::size_t(kind)];
    }

    if (job.startedAtNs >= 0) {
        if (s.firstStartNs < 0 || job.startedAtNs < s.firstStartNs)
            s.firstStartNs = job.startedAtNs;
        if (job.finishedAtNs >= job.startedAtNs)
            s.lastFinishNs = std::max(s.lastFinishNs, job.finishedAtNs);
    }

    const qint64 duration = job.durationNs();
    if (job.isFinished() && duration >= 0) {
        s.serialNs = saturatingAdd(s.serialNs, duration);
        m_durationsNs.append(duration);
    }
    if (job.waitUs >= 0)
        m_ttfbsUs.append(job.waitUs);
}

RunSummary RunSummaryBuilder::result() const
{
    RunSummary s = m_counts;
    if (s.firstStartNs >= 0 && s.lastFinishNs >= s.firstStartNs)
        s.wallNs = s.lastFinishNs - s.firstStartNs;
    if (s.wallNs > 0) {
        const double wallSeconds = double(s.wallNs) / NsPerSecond;
        s.speedup = double(s.serialNs) / double(s.wallNs);
        s.bytesPerSecond = double(s.bytes) / wallSeconds;
        s.requestsPerSecond = double(s.finished()) / wallSeconds;
    }
    s.p50Ns = nearestRankPercentile(m_durationsNs, P50);
    s.p90Ns = nearestRankPercentile(m_durationsNs, P90);
    s.p99Ns = nearestRankPercentile(m_durationsNs, P99);
    s.ttfbP50Us = nearestRankPercentile(m_ttfbsUs, P50);
    s.ttfbP90Us = nearestRankPercentile(m_ttfbsUs, P90);
    return s;
}

qint64 nearestRankPercentile(QList<qint64> values, double percent)
{
    if (values.isEmpty())
        return -1;
    const qsizetype n = values.size();
    // percent * n first, then / 100: exact for whole percents, so 55% of 100 is rank 55, not the
    // 55.00000000000001 that 0.55 * 100 gives, which ceil() would turn into 56.
    const double exactRank = std::ceil(percent * double(n) / PercentScale);
    qsizetype rank = 1; // also for NaN and percent <= 0: the smallest value
    if (exactRank >= double(n))
        rank = n;
    else if (exactRank > 1)
        rank = qsizetype(exactRank);
    const auto nth = values.begin() + (rank - 1);
    std::nth_element(values.begin(), nth, values.end());
    return *nth;
}

} // namespace Parafetch
